package org.spicejava.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.nio.charset.StandardCharsets;

/**
 * Small FFM helpers shared by spice-ffi: binding libc symbols, calling the host's function pointers, sizing raw
 * pointers at the boundary, and reading C strings with a bound.
 */
public final class Native {
    public static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    /** No C string we accept from a host is longer than this; longer ones are cut. */
    public static final int MAX_C_STRING = 4096;
    /**
     * The whole address space, sized once: slicing it gives a raw pointer its size without a restricted call, whose
     * caller check walks the stack each time (JVM_GetCallerClass showed in profiles of the per-frame exports).
     */
    private static final MemorySegment ALL_MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private Native() {
    }

    /** A downcall to a libc function; fails at class init with the symbol's name if it is missing. */
    public static MethodHandle libc(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(libcSymbol(name), descriptor, options);
    }

    /** The layout of the segment each {@link #libcInt} / {@link #libcLong} call writes errno into. */
    public static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final FunctionDescriptor LONG_CALL = FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG);

    /**
     * A libc function returning int, called as {@code (MemorySegment errnoState, long a, long b, long c, long d,
     * long e)}: each argument goes as a 64-bit integer (an int, or a native segment's address). On x86-64 and
     * AArch64 a callee reads an int argument from the low half of its register and ignores spare ones (variadic
     * integer arguments travel the same way), so every such function shares one downcall shape, {@link #libcLong}'s
     * too: an int result is the low half of the returned word. A handle of a new shape costs about 15 ms to make
     * while the JVM is cold, one of a known shape a fraction of that.
     */
    public static MethodHandle libcInt(String name) {
        return intCall(libcSymbol(name));
    }

    /** Like {@link #libcInt} for functions returning long or ssize_t. */
    public static MethodHandle libcLong(String name) {
        return longCall(libcSymbol(name));
    }

    /** {@link #libcInt}'s shape for a function of any library. */
    public static MethodHandle intCall(MemorySegment function) {
        MethodHandle call = longCall(function);
        return MethodHandles.explicitCastArguments(call, call.type().changeReturnType(int.class));
    }

    /** {@link #libcLong}'s shape for a function of any library (pointers come back as addresses). */
    public static MethodHandle longCall(MemorySegment function) {
        return LINKER.downcallHandle(function, LONG_CALL, Linker.Option.captureCallState("errno"));
    }

    private static MemorySegment libcSymbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc symbol not found: " + name));
    }

    /** errno as a {@link #libcInt} / {@link #libcLong} call left it in {@code state}. */
    public static int errno(MemorySegment state) {
        return state.get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
    }

    /** Found by walking the members: a layout path would set up the JDK's path machinery in every host's start-up. */
    private static final long ERRNO_OFFSET = memberOffset(CALL_STATE, "errno");

    static long memberOffset(StructLayout struct, String name) {
        long offset = 0;
        for (MemoryLayout member : struct.memberLayouts()) {
            if (member.name().isPresent() && member.name().get().equals(name)) {
                return offset;
            }
            offset += member.byteSize();
        }
        throw new IllegalArgumentException(struct + " has no member " + name);
    }

    /** The address of a symbol in a shared library (benchmarks and tests load fake hosts this way). */
    public static MemorySegment symbol(java.nio.file.Path library, String name) {
        return SymbolLookup.libraryLookup(library, Arena.global()).find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError(name + " not found in " + library));
    }

    /** A downcall to {@code name} in {@code lib}; UnsatisfiedLinkError when the library lacks it. */
    public static MethodHandle bind(SymbolLookup lib, String name, FunctionDescriptor descriptor,
                                    Linker.Option... options) {
        MemorySegment symbol = lib.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name + " not found"));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /**
     * {@link #longCall}'s shape without a bound address: host calls share its downcall stub, so the start-up makes
     * one shape instead of two (the second cost about 10 ms while the JVM is cold). The errno they leave goes to a
     * word no one reads.
     */
    private static final class HostCall {
        static final MethodHandle HANDLE = LINKER.downcallHandle(LONG_CALL, Linker.Option.captureCallState("errno"));
        static final MemorySegment IGNORED_ERRNO = Arena.global().allocate(CALL_STATE);

        private HostCall() {
        }
    }

    /**
     * Calls a host function pointer (a vtable entry) of up to five integer or pointer arguments, each passed as a
     * 64-bit word (a pointer as its address; spare words are ignored by the callee); the result comes back as one:
     * read an int as {@code (int)}, a pointer with {@link MemorySegment#ofAddress}, ignore a void function's. A
     * struct of two words passed by value travels as those two words. On x86-64 and AArch64 this is how C passes
     * them, and every host call then shares one downcall shape with the libc calls: each new shape costs
     * milliseconds on a cold JVM.
     */
    public static long callHost(MemorySegment function, long a, long b, long c, long d, long e) throws Throwable {
        return (long) HostCall.HANDLE.invokeExact(function, HostCall.IGNORED_ERRNO, a, b, c, d, e);
    }

    /**
     * The one upcall shape: {@code long f(int, long, long, long, long, long)}, which the exports' dispatch and the
     * host loop's callbacks share. Each upcall shape costs milliseconds to make on a cold JVM; stubs of a shape
     * made before cost a fraction of that.
     */
    public static final FunctionDescriptor WORD_UPCALL = FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG);

    /** An upcall stub that lives as long as the process (the C side may call it at any time). */
    public static MemorySegment upcall(MethodHandles.Lookup lookup, String method, FunctionDescriptor descriptor) {
        try {
            MethodHandle target = lookup.findStatic(lookup.lookupClass(), method, descriptor.toMethodType());
            return LINKER.upcallStub(target, descriptor, Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("no upcall target " + lookup.lookupClass().getName() + "." + method, e);
        }
    }

    /** Gives a raw pointer a size so it can be read; NULL stays NULL. */
    public static MemorySegment sized(MemorySegment pointer, long size) {
        return pointer.equals(MemorySegment.NULL) ? MemorySegment.NULL : sized(pointer.address(), size);
    }

    /** Gives a raw address a size. */
    public static MemorySegment sized(long address, long size) {
        return ALL_MEMORY.asSlice(address, size);
    }

    /** Reads a NUL-terminated UTF-8 string of at most {@link #MAX_C_STRING} bytes; NULL gives null. */
    public static String string(MemorySegment pointer) {
        if (pointer.equals(MemorySegment.NULL)) {
            return null;
        }
        MemorySegment bytes = sized(pointer, MAX_C_STRING);
        try {
            return bytes.getString(0); // the JDK's word-wise strlen: a byte loop here cost 24 ms at start-up
        } catch (IndexOutOfBoundsException noTerminator) {
            return new String(bytes.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    /** Like {@link #string} but returns the raw bytes (passwords are compared as bytes). */
    public static byte[] bytes(MemorySegment pointer) {
        if (pointer.equals(MemorySegment.NULL)) {
            return null;
        }
        MemorySegment bytes = sized(pointer, MAX_C_STRING);
        int length = 0;
        while (length < MAX_C_STRING && bytes.get(ValueLayout.JAVA_BYTE, length) != 0) {
            length++;
        }
        return bytes.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
    }
}
