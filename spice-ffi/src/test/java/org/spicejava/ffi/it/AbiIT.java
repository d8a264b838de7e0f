package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** Our libspice-server.so.1 exports exactly the reference's (version, symbol) set and version chain. */
class AbiIT {
    static final Path REFERENCE = Path.of("/lib/x86_64-linux-gnu/libspice-server.so.1");
    static final Path OURS = Path.of(System.getProperty("dist.dir", "../target/spice-java"), "lib/libspice-server.so.1");

    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", command) + "\n" + out);
        return out;
    }

    /** "VERSION symbol" for every defined function in the dynamic symbol table. */
    static Set<String> exportedFunctions(Path lib) throws Exception {
        Set<String> result = new TreeSet<>();
        for (String line : run("objdump", "-T", lib.toString()).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (line.contains(" DF ") && line.contains(".text") && f.length >= 2) {
                result.add(f[f.length - 2] + " " + f[f.length - 1]);
            }
        }
        return result;
    }

    /** The version definitions: each node with the parent it names. */
    static List<String> versionChain(Path lib) throws Exception {
        List<String> nodes = new ArrayList<>();
        boolean inDefs = false;
        for (String line : run("objdump", "-p", lib.toString()).split("\n")) {
            if (line.startsWith("Version definitions")) {
                inDefs = true;
            } else if (line.startsWith("Version References")) {
                break;
            } else if (inDefs && !line.isBlank()) {
                String[] f = line.trim().split("\\s+");
                nodes.add(line.startsWith("\t") ? "  parent " + f[0] : f[f.length - 1] + " flags " + f[1]);
            }
        }
        return nodes;
    }

    @Test
    void sameVersionedFunctions() throws Exception {
        Peers.reference();
        Set<String> reference = exportedFunctions(REFERENCE);
        Set<String> ours = exportedFunctions(OURS);
        assertEquals(97, reference.size(), "the reference exports 97 functions");
        assertEquals(reference, ours);
    }

    @Test
    void sameVersionDefinitionChain() throws Exception {
        Peers.reference();
        List<String> reference = versionChain(REFERENCE);
        assertEquals(23 + 21, reference.size(), "soname node, 22 versions, 21 parent links");
        assertEquals(reference, versionChain(OURS));
    }

    @Test
    void onlyLibcDependencies() throws Exception {
        String deps = run("objdump", "-p", OURS.toString());
        List<String> needed = deps.lines().filter(l -> l.trim().startsWith("NEEDED")).map(l -> l.trim().split("\\s+")[1]).toList();
        assertTrue(needed.stream().allMatch(n -> n.startsWith("libc.so") || n.startsWith("libdl.so")
                || n.startsWith("libpthread.so")), "libjvm must be dlopened, not linked: " + needed);
        assertTrue(deps.contains("SONAME               libspice-server.so.1"), deps);
    }
}
