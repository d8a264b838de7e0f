package org.spicejava.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Called once by the C shim (JNI, on the thread that started the JVM) to fill its upcall table: for each exported
 * name, an upcall stub for the static method of the same name in {@link Exports}. The C type of each stub is
 * derived from the Java signature, and every stub is wrapped so that no Throwable can reach the host: it is logged
 * and the export returns its C error value instead.
 */
public final class Bootstrap {
    private static final Logger LOG = LoggerFactory.getLogger(Bootstrap.class);

    private Bootstrap() {
    }

    /** JNI entry: {@code names} is a {@code const char *[count]}, {@code table} a {@code void *[count]}. */
    public static boolean install(long names, long table, int count) {
        try {
            Map<String, Method> exports = exportMethods();
            MemorySegment nameArray = Native.sized(names, (long) count * ValueLayout.ADDRESS.byteSize());
            MemorySegment slots = Native.sized(table, (long) count * ValueLayout.ADDRESS.byteSize());
            for (int i = 0; i < count; i++) {
                String name = Native.string(nameArray.getAtIndex(ValueLayout.ADDRESS, i));
                Method method = exports.get(name);
                if (method == null) {
                    LOG.error("no Java implementation of {}", name);
                    return false;
                }
                slots.setAtIndex(ValueLayout.ADDRESS, i, stubFor(method));
            }
            return true;
        } catch (Throwable t) {
            LOG.error("bootstrap failed", t);
            return false;
        }
    }

    static Map<String, Method> exportMethods() {
        Map<String, Method> methods = new HashMap<>();
        for (Method m : Exports.class.getDeclaredMethods()) {
            if (Modifier.isStatic(m.getModifiers()) && Modifier.isPublic(m.getModifiers())) {
                methods.put(m.getName(), m);
            }
        }
        return methods;
    }

    static MemorySegment stubFor(Method method) throws ReflectiveOperationException {
        FunctionDescriptor descriptor = descriptorOf(method);
        MethodHandle target = MethodHandles.publicLookup().unreflect(method);
        MethodHandle guarded = MethodHandles.catchException(target, Throwable.class, failureHandler(method));
        return Native.LINKER.upcallStub(guarded, descriptor, Arena.global());
    }

    /** The C signature of an export: pointers are MemorySegment, integers keep their width. */
    static FunctionDescriptor descriptorOf(Method method) {
        MemoryLayout[] args = new MemoryLayout[method.getParameterCount()];
        for (int i = 0; i < args.length; i++) {
            args[i] = layoutOf(method.getParameterTypes()[i]);
        }
        Class<?> ret = method.getReturnType();
        return ret == void.class ? FunctionDescriptor.ofVoid(args) : FunctionDescriptor.of(layoutOf(ret), args);
    }

    private static MemoryLayout layoutOf(Class<?> type) {
        if (type == MemorySegment.class) {
            return ValueLayout.ADDRESS;
        } else if (type == int.class) {
            return ValueLayout.JAVA_INT;
        } else if (type == long.class) {
            return ValueLayout.JAVA_LONG;
        } else if (type == byte.class) {
            return ValueLayout.JAVA_BYTE;
        } else if (type == short.class) {
            return ValueLayout.JAVA_SHORT;
        }
        throw new IllegalArgumentException("no C layout for " + type);
    }

    /** (Throwable, args...) -> the export's error value, after one log line. */
    private static MethodHandle failureHandler(Method method) throws ReflectiveOperationException {
        Class<?> ret = method.getReturnType();
        Object fallback = Exports.errorValue(method.getName(), ret);
        MethodHandle log = MethodHandles.lookup().findStatic(Bootstrap.class, "logFailure",
                MethodType.methodType(void.class, String.class, Throwable.class));
        MethodHandle logThis = MethodHandles.insertArguments(log, 0, method.getName());
        MethodHandle handler;
        if (ret == void.class) {
            handler = logThis;
        } else {
            MethodHandle constant = MethodHandles.dropArguments(MethodHandles.constant(ret, fallback), 0, Throwable.class);
            handler = MethodHandles.foldArguments(constant, logThis);
        }
        return MethodHandles.dropArguments(handler, 1, method.getParameterTypes());
    }

    @SuppressWarnings("unused") // reached through a method handle
    private static void logFailure(String export, Throwable t) {
        try {
            LOG.error("{} failed; returning its error value to the host", export, t);
        } catch (Throwable ignored) {
            // logging itself must not throw into the host
        }
    }
}
