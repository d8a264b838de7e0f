package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exports called from a coroutine stack (native-headers/harness/coroutine_harness.c: a ucontext stack, as QEMU's
 * incoming migration calls qxl's exports from its coroutine): thousands of calls, the main loop turning between
 * rounds, must all return what they should, with the reference and with ours. Ours once ended the process there:
 * the JVM saw a stack it did not know and raised a StackOverflowError no Java code could catch.
 */
class CoroutineCallsIT {
    static final Path HARNESS = Path.of(System.getProperty("native.build.dir", "../native-headers/build"),
            "coroutine_harness");
    static final int CALLS = 3000;

    @TempDir
    Path dir;

    @Test
    void exportsFromACoroutineStackWorkAsWithTheReference() throws Exception {
        Peers.reference();
        BridgeHarnessIT.Result reference = BridgeHarnessIT.run(HARNESS, dir, false, String.valueOf(CALLS));
        assertEquals(List.of("ok " + CALLS), reference.transcript(), reference.stderr());
        assertEquals(0, reference.exit());

        BridgeHarnessIT.Result ours = BridgeHarnessIT.run(HARNESS, dir, true, String.valueOf(CALLS));
        assertEquals(0, ours.exit(), String.join("\n", ours.transcript()) + "\n" + ours.stderr());
        assertEquals(reference.transcript(), ours.transcript());
        assertFalse(ours.stderr().contains("StackOverflowError"), ours.stderr());
    }
}
