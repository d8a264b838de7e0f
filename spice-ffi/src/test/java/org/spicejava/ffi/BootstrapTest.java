package org.spicejava.ffi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The upcall table: every export in the shim's list has a Java method, and no Throwable reaches C. */
class BootstrapTest {
    @Test
    void everyExportHasAJavaMethodWithTheSameArity() throws IOException {
        List<String> names = ExportDispatchSource.exportNames();
        assertEquals(97, names.size(), "exports.def lists the 97 functions");
        Map<String, Method> methods = Bootstrap.exportMethods();
        for (String name : names) {
            assertTrue(methods.containsKey(name), "no Java method for " + name);
        }
        assertEquals(names.size(), methods.size(), "no Java export without a C symbol");
    }

    private static int slot(String name) {
        return Arrays.asList(ExportDispatch.NAMES).indexOf(name);
    }

    private static final ValueLayout.OfLong W = ValueLayout.JAVA_LONG;
    /** The shim's call of the short upcall: slot and five words. */
    private static final MethodHandle SHORT_CALL = Native.LINKER.downcallHandle(
            FunctionDescriptor.of(W, ValueLayout.JAVA_INT, W, W, W, W, W));

    @Test
    void aFailingExportReturnsItsErrorValueInsteadOfThrowing() throws Throwable {
        assertTrue(Bootstrap.exportMethods().keySet().containsAll(Arrays.asList(ExportDispatch.NAMES)),
                "every export has a method, so its error value is known");
        MemorySegment stub = Bootstrap.dispatchStub();
        // A server pointer we never handed out makes the Java side throw; C must see -1.
        long rc = (long) SHORT_CALL.invokeExact(stub, slot("spice_server_set_port"), 0xdead0L, 5900L, 0L, 0L, 0L);
        assertEquals(-1, (int) rc);
        assertEquals(0L, (long) SHORT_CALL.invokeExact(stub, slot("spice_server_get_num_clients"), 0xdead0L, 0L, 0L, 0L, 0L));
        assertEquals(1L, (long) SHORT_CALL.invokeExact(stub, slot("spice_server_is_server_mouse"), 0xdead0L, 0L, 0L, 0L, 0L));
        // unknown QXL instance: logged, no crash (a void export's word is not read)
        long ignored = (long) SHORT_CALL.invokeExact(stub, slot("spice_qxl_wakeup"), 0xbeef0L, 0L, 0L, 0L, 0L);
        assertEquals(-1L, (long) SHORT_CALL.invokeExact(stub, 4242, 0L, 0L, 0L, 0L, 0L), "a slot no export has");
        try (Arena arena = Arena.ofConfined()) {
            // An export of more than five arguments: its eight words in an array the first word points to.
            MemorySegment words = arena.allocateFrom(ValueLayout.JAVA_LONG, 0xdead0L, 5901L, 0L, 0L, 0L, 0L, 0L, 0L);
            assertEquals(-1L, (long) SHORT_CALL.invokeExact(stub, slot("spice_server_set_tls"), words.address(), 0L,
                    0L, 0L, 0L));
        }
    }

    @Test
    void installChecksTheShimsNamesAndHandsOverTheStub() {
        try (Arena arena = Arena.ofConfined()) {
            String lines = String.join("\n", ExportDispatch.NAMES) + "\n";
            int count = ExportDispatch.NAMES.length;
            MemorySegment dispatcher = arena.allocate(ValueLayout.ADDRESS);
            assertTrue(Bootstrap.install(arena.allocateFrom(lines).address(), dispatcher.address(), count));
            assertTrue(dispatcher.get(ValueLayout.ADDRESS, 0).address() != 0, "the stub handed over");

            MemorySegment other = arena.allocate(ValueLayout.ADDRESS);
            String renamed = lines.replace("spice_server_set_port\n", "spice_server_set_pork\n");
            assertFalse(Bootstrap.install(arena.allocateFrom(renamed).address(), other.address(), count));
            String shorter = lines.substring(0, lines.lastIndexOf("spice_"));
            assertFalse(Bootstrap.install(arena.allocateFrom(shorter).address(), other.address(), count));
            assertFalse(Bootstrap.install(arena.allocateFrom(lines).address(), other.address(), count - 1));
            assertEquals(0L, other.get(ValueLayout.ADDRESS, 0).address(), "no stub for a shim of another table");
        }
    }

    @Test
    void argumentsArriveWithTheirCTypes() throws Throwable {
        MemorySegment stub = Bootstrap.dispatchStub();
        long server = (long) SHORT_CALL.invokeExact(stub, slot("spice_server_new"), 0L, 0L, 0L, 0L, 0L);
        assertTrue(server != 0);
        // An int argument as C passes it: sign-extended to 64 bits.
        assertEquals(0L, (long) SHORT_CALL.invokeExact(stub, slot("spice_server_set_port"), server, 5999L, 0L, 0L, 0L));
        assertEquals(-1L, (long) SHORT_CALL.invokeExact(stub, slot("spice_server_set_port"), server, (long) -5, 0L, 0L, 0L));
        assertEquals(0L, (long) SHORT_CALL.invokeExact(stub, slot("spice_server_get_num_clients"), server, 0L, 0L, 0L, 0L));
        assertEquals(0L, (long) SHORT_CALL.invokeExact(stub, slot("spice_server_destroy"), server, 0L, 0L, 0L, 0L));
    }

    @Test
    void serverLifecycleThroughExports() {
        MemorySegment s = Exports.spice_server_new();
        assertEquals(0, Exports.spice_server_set_port(s, 5999));
        assertEquals(-1, Exports.spice_server_set_port(s, 70000));
        assertEquals(0, Exports.spice_server_get_num_clients(s));
        assertEquals(1, Exports.spice_server_is_server_mouse(s));
        MemorySegment codecs = Exports.spice_server_get_video_codecs(s);
        assertEquals("", Native.string(codecs), "no codec before init, as the reference (defaults come at init)");
        Exports.spice_server_free_video_codecs(s, codecs);
        Exports.spice_server_destroy(s);
    }
}
