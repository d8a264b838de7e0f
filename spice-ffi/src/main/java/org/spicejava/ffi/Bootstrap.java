package org.spicejava.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.ffi.layout.Pointers;

/**
 * Called once by the C shim (JNI, on the thread that started the JVM). It checks that the shim's table of exports is
 * the one {@link ExportDispatch} was generated from, and hands the shim one upcall stub into it, through which
 * every export reaches its {@link Exports} method: the shim passes the slot and five 64-bit words, the arguments
 * themselves or, for the four exports with more, the address of an array of eight. One stub for all, because each
 * upcall shape costs milliseconds to make while the JVM is cold (a second one for the longer exports cost 20 ms at
 * every start). No Throwable reaches the host: it is logged and the export returns its C error value instead.
 */
public final class Bootstrap {
    private static final Logger LOG = LoggerFactory.getLogger(Bootstrap.class);
    /**
     * Each slot's C error value as a 64-bit word, found by reflection when an export first fails (at start-up it
     * cost 10 ms; BootstrapTest checks that every export has one).
     */
    private static final class ErrorWords {
        static final long[] WORDS = errorWords();
    }

    private Bootstrap() {
    }

    /**
     * JNI entry: {@code names} is a C string that must list {@link ExportDispatch#NAMES} in order, a line each;
     * {@code dispatcher} a {@code void *} that receives {@code uint64_t (*)(int32_t slot, uint64_t a0, ..., a4)}.
     */
    public static boolean install(long names, long dispatcher, int count) {
        try {
            reportAotCache();
            if (count != ExportDispatch.NAMES.length) {
                LOG.error("the shim has {} exports, the Java side {}", count, ExportDispatch.NAMES.length);
                return false;
            }
            // One string for the 97 names: read name by name, they took 17 ms of a cold JVM's start-up.
            String[] shimNames = Native.sized(names, MAX_NAME_LINES).getString(0).split("\n");
            if (!Arrays.equals(shimNames, ExportDispatch.NAMES)) {
                int slot = Arrays.mismatch(shimNames, ExportDispatch.NAMES);
                LOG.error("export slot {} is {} in the shim but {} in Java", slot,
                        slot < shimNames.length ? shimNames[slot] : "missing",
                        slot < ExportDispatch.NAMES.length ? ExportDispatch.NAMES[slot] : "missing");
                return false;
            }
            Pointers.set(Native.sized(dispatcher, Long.BYTES), 0, dispatchStub());
            return true;
        } catch (Throwable t) {
            LOG.error("bootstrap failed", t);
            return false;
        }
    }

    /** A bound for the shim's names, a line each (about 2.5 KB). */
    private static final long MAX_NAME_LINES = 64 * 1024;

    /** Words the upcall takes after the slot: with the slot, all travel in registers. */
    static final int SHORT_WORDS = 5;
    /** Words of the longest export, which the shim passes in an array. */
    static final int WORDS = 8;

    /** The upcall stub every export goes through (see {@link ExportDispatch#call}). */
    static MemorySegment dispatchStub() throws ReflectiveOperationException {
        MethodHandle target = MethodHandles.lookup().findStatic(ExportDispatch.class, "call",
                Native.WORD_UPCALL.toMethodType());
        return Native.LINKER.upcallStub(target, Native.WORD_UPCALL, Arena.global());
    }

    /** What an export whose Java side threw returns to the host, after one log line. */
    static long failed(int slot, Throwable t) {
        boolean known = slot >= 0 && slot < ExportDispatch.NAMES.length;
        logFailure(known ? ExportDispatch.NAMES[slot] : "export slot " + slot, t);
        return known ? ErrorWords.WORDS[slot] : -1;
    }

    private static long[] errorWords() {
        Map<String, Method> methods = exportMethods();
        long[] words = new long[ExportDispatch.NAMES.length];
        for (int i = 0; i < words.length; i++) {
            String name = ExportDispatch.NAMES[i];
            Method method = methods.get(name);
            Object value = method == null ? -1 : Exports.errorValue(name, method.getReturnType());
            words[i] = value instanceof MemorySegment segment ? segment.address() : ((Number) value).longValue();
        }
        return words;
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

    static Map<String, Method> exportMethods() {
        Map<String, Method> methods = new HashMap<>();
        for (Method m : Exports.class.getDeclaredMethods()) {
            if (Modifier.isStatic(m.getModifiers()) && Modifier.isPublic(m.getModifiers())) {
                methods.put(m.getName(), m);
            }
        }
        return methods;
    }

    private static void logFailure(String export, Throwable t) {
        try {
            LOG.error("{} failed; returning its error value to the host", export, t);
        } catch (Throwable ignored) {
            // logging itself must not throw into the host
        }
    }
}
