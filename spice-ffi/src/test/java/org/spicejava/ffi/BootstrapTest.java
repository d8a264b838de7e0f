package org.spicejava.ffi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The upcall table: every export in the shim's list has a Java method, and no Throwable reaches C. */
class BootstrapTest {
    private static final Path EXPORTS_DEF = Path.of("../native-headers/shim/exports.def");

    private static List<String> exportNames() throws IOException {
        Pattern line = Pattern.compile("^V?FN\\((?:[^,]+,\\s*)?(spice_\\w+)", Pattern.MULTILINE);
        Matcher m = line.matcher(Files.readString(EXPORTS_DEF));
        List<String> names = new java.util.ArrayList<>();
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    @Test
    void everyExportHasAJavaMethodWithTheSameArity() throws IOException {
        List<String> names = exportNames();
        assertEquals(97, names.size(), "exports.def lists the 97 functions");
        Map<String, Method> methods = Bootstrap.exportMethods();
        for (String name : names) {
            assertTrue(methods.containsKey(name), "no Java method for " + name);
        }
        assertEquals(names.size(), methods.size(), "no Java export without a C symbol");
    }

    @Test
    void everyDescriptorCanBeBuilt() throws Exception {
        for (Method m : Bootstrap.exportMethods().values()) {
            MemorySegment stub = Bootstrap.stubFor(m);
            assertTrue(stub.address() != 0, m.getName());
        }
    }

    @Test
    void aFailingExportReturnsItsErrorValueInsteadOfThrowing() throws Throwable {
        MemorySegment stub = Bootstrap.stubFor(Exports.class.getMethod("spice_server_set_port", MemorySegment.class, int.class));
        MethodHandle call = Native.pointerCall(FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        // A server pointer we never handed out makes the Java side throw; C must see -1.
        int rc = (int) call.invokeExact(stub, MemorySegment.ofAddress(0xdead0), 5900);
        assertEquals(-1, rc);

        MemorySegment clients = Bootstrap.stubFor(Exports.class.getMethod("spice_server_get_num_clients", MemorySegment.class));
        MethodHandle count = Native.pointerCall(FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        assertEquals(0, (int) count.invokeExact(clients, MemorySegment.ofAddress(0xdead0)));

        MemorySegment wakeup = Bootstrap.stubFor(Exports.class.getMethod("spice_qxl_wakeup", MemorySegment.class));
        MethodHandle voidCall = Native.pointerCall(FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
        voidCall.invokeExact(wakeup, MemorySegment.ofAddress(0xbeef0)); // unknown QXL instance: logged, no crash
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
