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
 * The C harness (native-headers/harness/bridge_harness.c) drives the ABI with its own poll(2) core interface and
 * fake devices. Differential: the reference library must print the committed transcript, and ours the same.
 */
class BridgeHarnessIT {
    static final Path HARNESS = Path.of(System.getProperty("native.build.dir", "../native-headers/build"), "bridge_harness");
    static final Path EXPECTED = Path.of("../native-headers/harness/bridge_harness.expected");

    @TempDir
    Path dir;

    record Result(int exit, List<String> transcript, String stderr) {
    }

    Result run(boolean ours) throws Exception {
        return run(HARNESS, dir, ours, String.valueOf(QemuBridgeIT.freePort()));
    }

    /**
     * Runs a C harness with {@code arg} against ours or the reference, in {@code dir}, for at most 60 s: its exit
     * status, its output lines and its standard error.
     */
    static Result run(Path harness, Path dir, boolean ours, String arg) throws Exception {
        Path out = dir.resolve(ours ? "ours.out" : "ref.out");
        Path err = dir.resolve(ours ? "ours.err" : "ref.err");
        ProcessBuilder pb = new ProcessBuilder(harness.toAbsolutePath().toString(), arg)
                .directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        QemuBridgeIT.withLibrary(pb, ours);
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "harness timed out");
        return new Result(p.exitValue(), Files.readAllLines(out), Files.readString(err));
    }

    @Test
    void referenceAndOursGiveTheSameTranscript() throws Exception {
        Peers.reference();
        Result reference = run(false);
        assertEquals(0, reference.exit(), reference.stderr());
        assertEquals(Files.readAllLines(EXPECTED), reference.transcript(), "the reference changed behaviour");

        Result ours = run(true);
        assertEquals(0, ours.exit(), ours.stderr());
        assertEquals(reference.transcript(), ours.transcript());
        assertFalse(ours.stderr().contains("\tat "), "a Java stack trace reached stderr:\n" + ours.stderr());
        assertTrue(ours.transcript().contains("done"));
    }
}
