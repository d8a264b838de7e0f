package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

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

    record Result(int exit, List<String> out, String stderr) {
    }

    Result run(boolean ours) throws Exception {
        Path out = dir.resolve(ours ? "ours.out" : "ref.out");
        Path err = dir.resolve(ours ? "ours.err" : "ref.err");
        ProcessBuilder pb = new ProcessBuilder(HARNESS.toAbsolutePath().toString(), String.valueOf(CALLS))
                .directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("LD_LIBRARY_PATH");
        if (ours) {
            pb.environment().put("LD_LIBRARY_PATH", QemuBridgeIT.OUR_LIB_DIR.toString());
        }
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "harness timed out");
        return new Result(p.exitValue(), Files.readAllLines(out), Files.readString(err));
    }

    @Test
    void exportsFromACoroutineStackWorkAsWithTheReference() throws Exception {
        Peers.reference();
        Result reference = run(false);
        assertEquals(List.of("ok " + CALLS), reference.out(), reference.stderr());
        assertEquals(0, reference.exit());

        Result ours = run(true);
        assertEquals(0, ours.exit(), String.join("\n", ours.out()) + "\n" + ours.stderr());
        assertEquals(reference.out(), ours.out());
        assertFalse(ours.stderr().contains("StackOverflowError"), ours.stderr());
    }
}
