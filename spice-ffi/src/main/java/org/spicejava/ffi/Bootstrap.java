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
 * Called once by the C shim (JNI, on the thread that started the JVM). It checks that every exported name has a
 * static method of the same name in {@link Exports} and hands the shim one upcall stub, {@link #stubAt}, through
 * which the shim gets each export's own stub on that export's first call. Stubs are made when first needed because
 * each costs milliseconds while the JVM is cold, and a host calls about a third of the exports at start-up; the
 * rest are made in the background once the host is running. The C type of each stub is derived from the Java
 * signature, and every stub is wrapped so that no Throwable can reach the host: it is logged and the export returns
 * its C error value instead.
 */
public final class Bootstrap {
    private static final Logger LOG = LoggerFactory.getLogger(Bootstrap.class);
    /** How long after start-up the stubs the host has not asked for yet are made, off the host's threads. */
    private static final long BACKGROUND_STUBS_DELAY_MS = 2000;

    private static Method[] slotMethods;
    private static MemorySegment[] slotStubs;

    private Bootstrap() {
    }

    /**
     * JNI entry: {@code names} is a {@code const char *[count]}; {@code resolver} a {@code void *} that receives the
     * address of a C function {@code void *(int slot)} returning the upcall stub of a slot (NULL if it cannot be made).
     */
    public static boolean install(long names, long resolver, int count) {
        try {
            Map<String, Method> exports = exportMethods();
            MemorySegment nameArray = Native.sized(names, (long) count * ValueLayout.ADDRESS.byteSize());
            Method[] methods = new Method[count];
            for (int i = 0; i < count; i++) {
                String name = Native.string(nameArray.getAtIndex(ValueLayout.ADDRESS, i));
                methods[i] = exports.get(name);
                if (methods[i] == null) {
                    LOG.error("no Java implementation of {}", name);
                    return false;
                }
            }
            reportAotCache();
            slotMethods = methods;
            slotStubs = new MemorySegment[count];
            MethodHandle stubAt = MethodHandles.lookup().findStatic(Bootstrap.class, "stubAt",
                    MethodType.methodType(MemorySegment.class, int.class));
            MemorySegment resolverStub = Native.LINKER.upcallStub(stubAt,
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT), Arena.global());
            Native.sized(resolver, ValueLayout.ADDRESS.byteSize()).set(ValueLayout.ADDRESS, 0, resolverStub);
            Thread.ofPlatform().daemon().name("spice-stubs").priority(Thread.MIN_PRIORITY)
                    .start(Bootstrap::makeRemainingStubs);
            return true;
        } catch (Throwable t) {
            LOG.error("bootstrap failed", t);
            return false;
        }
    }

    /** One line on the shipped AOT cache: a JVM that cannot map it (another JDK build, changed jars) runs without. */
    private static void reportAotCache() {
        String cache = System.getProperty("spice.java.aot");
        if (cache == null) {
            return;
        }
        if (System.getProperty("java.vm.info", "").contains("sharing")) {
            LOG.info("AOT cache {} in use", cache);
        } else {
            LOG.warn("AOT cache {} does not fit this JVM or these jars and is not used: start-up and warm-up are "
                    + "slower; scripts/train-aot makes it again", cache);
        }
    }

    /** Upcall from the shim on an export's first call, on the caller's thread; never throws into the host. */
    static synchronized MemorySegment stubAt(int slot) {
        try {
            if (slotStubs[slot] == null) {
                slotStubs[slot] = stubFor(slotMethods[slot]);
            }
            return slotStubs[slot];
        } catch (Throwable t) {
            logFailure("the upcall stub of slot " + slot, t);
            return MemorySegment.NULL;
        }
    }

    private static void makeRemainingStubs() {
        try {
            Thread.sleep(BACKGROUND_STUBS_DELAY_MS);
            for (int slot = 0; slot < slotStubs.length; slot++) {
                stubAt(slot);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
