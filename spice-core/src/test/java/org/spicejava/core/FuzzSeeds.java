package org.spicejava.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a fuzz test's seed inputs where the fuzzing library replays them in the normal suite:
 * {@code <resources>/<package path>/<TestClass>Inputs/<method>/seed-<name>}. Each fuzz test's main method calls
 * this (scripts/fuzz seeds), so the committed seeds can be made again from code that says what they are.
 */
public final class FuzzSeeds {
    private FuzzSeeds() {
    }

    public static void write(Path resources, Class<?> test, String method, Map<String, byte[]> seeds)
            throws IOException {
        Path dir = resources.resolve(test.getPackageName().replace('.', '/'))
                .resolve(test.getSimpleName() + "Inputs").resolve(method);
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
            Files.write(dir.resolve("seed-" + e.getKey()), e.getValue());
        }
    }
}
