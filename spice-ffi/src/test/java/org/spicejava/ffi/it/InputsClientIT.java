package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real spice-gtk client (scripts/spice-input-client.py) against the C inputs harness: keys, extended keys, mouse
 * motion, buttons and wheel arrive in the host's callbacks in order, the LED set by the host reaches the client,
 * and the ticket decides who may connect. Run against the reference and ours; the event sequences must be equal.
 */
class InputsClientIT {
    static final Path HARNESS = Path.of(System.getProperty("native.build.dir", "../native-headers/build"), "inputs_harness");
    static final Path CLIENT = Path.of("../scripts/spice-input-client.py").toAbsolutePath();

    @TempDir
    Path dir;

    record Run(List<String> host, String client) {
    }

    Run run(boolean ours, String serverPassword, String clientPassword) throws Exception {
        return run(ours, serverPassword, clientPassword, false);
    }

    /** {@code tablet}: the host adds a tablet and the client asks for client mouse mode. */
    Run run(boolean ours, String serverPassword, String clientPassword, boolean tablet) throws Exception {
        Peers.clients();
        int port = QemuBridgeIT.freePort();
        Path hostOut = dir.resolve((ours ? "ours" : "ref") + "-host.txt");
        ProcessBuilder hostPb = serverPassword == null
                ? new ProcessBuilder(HARNESS.toAbsolutePath().toString(), String.valueOf(port))
                : new ProcessBuilder(HARNESS.toAbsolutePath().toString(), String.valueOf(port), serverPassword);
        hostPb.redirectOutput(hostOut.toFile()).redirectError(dir.resolve("host-err.txt").toFile());
        QemuBridgeIT.withLibrary(hostPb, ours);
        if (tablet) {
            hostPb.environment().put("HARNESS_TABLET", "1");
        }
        Process host = hostPb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.readString(hostOut).contains("ready")) {
                assertTrue(host.isAlive() && System.nanoTime() < deadline, "host did not start");
                Thread.sleep(20);
            }
            List<String> command = new java.util.ArrayList<>(List.of("/usr/bin/python3", CLIENT.toString()));
            if (tablet) {
                command.add("--client-mouse");
            }
            command.add(String.valueOf(port));
            if (clientPassword != null) {
                command.add(clientPassword);
            }
            ProcessBuilder clientPb = new ProcessBuilder(command);
            Process client = clientPb.redirectErrorStream(true).start();
            String clientOut = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(client.waitFor(30, TimeUnit.SECONDS));
            if (clientPassword == null || clientPassword.equals(serverPassword)) {
                assertTrue(host.waitFor(20, TimeUnit.SECONDS), "host did not see the final key");
            }
            return new Run(Files.readAllLines(hostOut), clientOut);
        } finally {
            host.destroyForcibly();
        }
    }

    @Test
    void sameInputEventsAndLedsAsTheReference() throws Exception {
        Run reference = run(false, null, null);
        Run ours = run(true, null, null);
        assertTrue(reference.host().contains("key e0"), "reference run is meaningful: " + reference.host());
        assertTrue(reference.client().contains("client modifiers 4"), reference.client());
        assertEquals(reference.host(), ours.host());
        assertTrue(ours.client().contains("client modifiers 4"), "the host's Caps Lock LED reached the client:\n"
                + ours.client());
        assertEquals(List.of("key 01", "key 81", "key e0", "key 48", "key e0", "key c8",
                "mouse motion dx=5 dy=-3 dz=0 buttons=0"), ours.host().subList(3, 10));
    }

    @Test
    void rightPasswordConnectsWrongOneIsRefused() throws Exception {
        for (boolean ours : new boolean[] {false, true}) {
            Run good = run(ours, "s3cret", "s3cret");
            assertTrue(good.host().contains("done"), (ours ? "ours" : "reference") + ": " + good.host());
            Run bad = run(ours, "s3cret", "wrong");
            assertTrue(bad.client().contains("error-auth"), (ours ? "ours" : "reference") + ": " + bad.client());
            assertTrue(bad.host().stream().noneMatch(l -> l.startsWith("key")), bad.host().toString());
        }
    }

    @Test
    void tabletWithoutDisplayKeepsServerMouseModeLikeTheReference() throws Exception {
        // The reference allows client mouse mode only with one display whose primary surface allows it.
        Run reference = run(false, null, null, true);
        Run ours = run(true, null, null, true);
        assertTrue(reference.client().contains("client mouse-mode 1"), reference.client());
        assertTrue(ours.client().contains("client mouse-mode 1"), ours.client());
        assertTrue(reference.host().contains("key 90"), "reference run is meaningful: " + reference.host());
        assertEquals(reference.host(), ours.host());
    }
}
