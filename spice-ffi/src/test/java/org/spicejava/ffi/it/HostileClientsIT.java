package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile clients against QEMU with our library: each is refused or dropped, QEMU keeps running, a well-behaved
 * client still links afterwards, and QEMU holds no more file descriptors than before.
 */
class HostileClientsIT {
    @TempDir
    Path work;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    static int fdCount(long pid) throws IOException {
        try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return (int) s.count();
        }
    }

    /** Reads the server's answer until it closes; returns the link error of an error reply, or -1. */
    static int answerThenClose(Socket s) throws IOException {
        s.setSoTimeout(10_000);
        byte[] all = s.getInputStream().readAllBytes();
        return all.length >= 20 ? ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getInt(16) : -1;
    }

    static void assertWellBehavedClientLinks(int port) throws Exception {
        try (RawSpiceClient client = new RawSpiceClient(port)) {
            assertEquals(0, client.link(0, 1, 0, 0, ""), "main channel links");
            Object[] first = client.message();
            assertEquals(103, first[0], "MAIN_INIT comes first");
        }
    }

    @Test
    void hostileClientsAreDroppedAndQemuKeepsServing() throws Exception {
        QemuBridgeIT.Run run = QemuBridgeIT.start(work, started, true, "std", List.of(), "disable-ticketing=on");
        QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"query-status\"}");
        int port = run.port();
        assertWellBehavedClientLinks(port);
        Thread.sleep(300);
        int fdsBefore = fdCount(run.process().pid());

        // Garbage before the link header (an HTTP request): INVALID_MAGIC (2), then closed.
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(2, answerThenClose(s));
        }
        // Right magic, huge declared size: INVALID_DATA (3).
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(RawSpiceClient.le(16).putInt(RawSpiceClient.MAGIC).putInt(2).putInt(2)
                    .putInt(0x7fffffff).array());
            assertEquals(3, answerThenClose(s));
        }
        // Wrong major version: VERSION_MISMATCH (4).
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(RawSpiceClient.le(16).putInt(RawSpiceClient.MAGIC).putInt(9).putInt(2)
                    .putInt(18).array());
            assertEquals(4, answerThenClose(s));
        }
        // A link message cut in the middle, then the client disappears.
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(RawSpiceClient.le(16 + 9).putInt(RawSpiceClient.MAGIC).putInt(2).putInt(2).putInt(18)
                    .putInt(0).put((byte) 1).put((byte) 0).putShort((short) 0).put((byte) 0).array());
            out.flush();
        }
        // A channel with a connection id no session has: BAD_CONNECTION_ID (8) as the link result.
        try (RawSpiceClient c = new RawSpiceClient(port)) {
            assertEquals(8, c.link(12345, 3, 0, 0, ""));
        }
        // A linked main channel that declares a huge message is dropped.
        try (RawSpiceClient c = new RawSpiceClient(port)) {
            assertEquals(0, c.link(0, 1, 0, 0, ""));
            c.out.write(RawSpiceClient.le(6).putShort((short) 104).putInt(-1).array());
            c.socket.setSoTimeout(10_000);
            // Whatever was queued (INIT...), then EOF; a server that kept the channel open makes this time out.
            assertDoesNotThrow(() -> c.in.readAllBytes(), "the main channel was closed");
        }
        // The same channel linked twice in one session: the second is refused, as the reference refuses it,
        // so one client cannot hold many channels' worth of queued messages.
        try (RawSpiceClient main = new RawSpiceClient(port)) {
            int session = main.linkMainAndAttach();
            try (RawSpiceClient first = new RawSpiceClient(port); RawSpiceClient again = new RawSpiceClient(port)) {
                assertEquals(0, first.link(session, 3, 0, 0, ""), "the inputs channel links once");
                assertEquals(9, again.link(session, 3, 0, 0, ""), "CHANNEL_NOT_AVAILABLE for the duplicate");
            }
        }
        // Silent clients and a flood: 200 connections at once, most of them never send anything.
        List<Socket> flood = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            try {
                flood.add(new Socket("127.0.0.1", port));
            } catch (IOException refused) {
                // the backlog may refuse some: that is a refusal too
            }
        }
        Thread.sleep(500);
        assertTrue(run.process().isAlive(), "QEMU survived the flood");
        for (Socket s : flood) {
            s.close();
        }
        Thread.sleep(1000);

        assertWellBehavedClientLinks(port);
        Thread.sleep(500);
        assertTrue(run.process().isAlive(), "QEMU is still running");
        assertEquals(fdsBefore, fdCount(run.process().pid()), "no file descriptor leaked");
        String err = Files.readString(run.stderr());
        assertTrue(err.contains("link refused (INVALID_MAGIC)"), "a clear log line for bad input:\n" + err);
        assertTrue(err.contains("message type 104 declares"), "a clear log line for the huge message:\n" + err);
        assertTrue(err.contains("already linked"), "a clear log line for the duplicate channel:\n" + err);
        assertTrue(!err.contains("\tat "), "no Java stack trace:\n" + err);
        QemuBridgeIT.qmp(run.qmp(), "{\"execute\":\"quit\"}");
        assertEquals(0, QemuBridgeIT.waitExit(run.process()));
    }
}
