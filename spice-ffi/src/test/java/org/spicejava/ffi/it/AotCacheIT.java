package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installed tree (scripts/install PREFIX) ships the AOT cache the build's training run made, and the JVM the
 * shim starts takes our classes from it. A cache that does not fit (jars replaced, a file the JVM cannot map, or
 * JVM options it was not made for) costs one clear log line and start-up time, never the server: the bridge
 * harness gives its transcript each time.
 */
class AotCacheIT {
    @TempDir
    Path prefix;

    record Run(List<String> transcript, String stderr, List<String> classLoads) {
    }

    Run bridgeHarness() throws Exception {
        return bridgeHarness("");
    }

    Run bridgeHarness(String extraOptions) throws Exception {
        Path out = prefix.resolve("out.txt");
        Path err = prefix.resolve("err.txt");
        Path loads = prefix.resolve("class-load.txt");
        Files.deleteIfExists(loads);
        ProcessBuilder pb = new ProcessBuilder(BridgeHarnessIT.HARNESS.toAbsolutePath().toString(),
                String.valueOf(QemuBridgeIT.freePort()))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("LD_LIBRARY_PATH", prefix.resolve("lib").toString());
        pb.environment().put("SPICE_JAVA_OPTS", "-Xlog:class+load=info:file=" + loads + " " + extraOptions);
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "harness timed out");
        String stderr = Files.readString(err);
        assertEquals(0, p.exitValue(), stderr);
        List<String> transcript = Files.readAllLines(out);
        assertEquals(Files.readAllLines(BridgeHarnessIT.EXPECTED), transcript, stderr);
        return new Run(transcript, stderr, Files.readAllLines(loads));
    }

    static long fromCache(Run run) {
        return run.classLoads().stream().filter(l -> l.contains(" org.spicejava.") && l.endsWith("source: shared objects file")).count();
    }

    @Test
    void installedTreeUsesItsCacheAndRunsWithoutOneThatDoesNotFit() throws Exception {
        Process install = new ProcessBuilder("../scripts/install", prefix.toString()).redirectErrorStream(true).start();
        String installOut = new String(install.getInputStream().readAllBytes());
        assertTrue(install.waitFor(120, TimeUnit.SECONDS) && install.exitValue() == 0, installOut);
        Path cache = prefix.resolve("lib/spice-java/spice-java.aot");
        assertTrue(Files.size(cache) > 1_000_000, "the tree ships an AOT cache");

        Run fitting = bridgeHarness();
        assertTrue(fitting.stderr().contains("AOT cache " + cache + " in use"), fitting.stderr());
        assertTrue(fromCache(fitting) > 200, "our classes come from the cache: " + fromCache(fitting));

        // Options beyond properties and logging leave the cache out: with this one the JVM would exit at start.
        Run otherSettings = bridgeHarness("-Xms2m");
        assertTrue(otherSettings.stderr().contains("SPICE_JAVA_OPTS changes JVM settings: the AOT cache is not used"),
                otherSettings.stderr());
        assertEquals(0, fromCache(otherSettings));

        Path fittingCache = prefix.resolve("fitting.aot");
        Files.copy(cache, fittingCache);
        Files.write(cache, new byte[4096], StandardOpenOption.WRITE); // a header no JVM accepts
        Run unmappable = bridgeHarness();
        assertTrue(unmappable.stderr().contains("AOT cache " + cache + " does not fit this JVM or these jars and is not used"),
                unmappable.stderr());
        assertEquals(0, fromCache(unmappable));

        Files.copy(fittingCache, cache, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (FileSystem jar = FileSystems.newFileSystem(prefix.resolve("lib/spice-java/spice-core.jar"))) {
            Files.writeString(jar.getPath("rebuilt.txt"), "a jar rebuilt after the training run");
        }
        Run otherJars = bridgeHarness();
        assertTrue(otherJars.stderr().contains("the AOT cache " + cache + " was made from other jars and is not used"),
                otherJars.stderr());
        assertFalse(otherJars.stderr().contains("in use"), otherJars.stderr());
        assertEquals(0, fromCache(otherJars));
    }
}
