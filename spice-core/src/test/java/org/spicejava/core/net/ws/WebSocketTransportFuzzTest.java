package org.spicejava.core.net.ws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.spicejava.core.net.ws.WsFrames.BINARY;
import static org.spicejava.core.net.ws.WsFrames.CLOSE;
import static org.spicejava.core.net.ws.WsFrames.CONTINUATION;
import static org.spicejava.core.net.ws.WsFrames.FIN;
import static org.spicejava.core.net.ws.WsFrames.PING;
import static org.spicejava.core.net.ws.WsFrames.PONG;
import static org.spicejava.core.net.ws.WsFrames.TEXT;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.spicejava.core.FuzzSeeds;
import org.spicejava.core.net.ws.WsFrames.End;
import org.spicejava.core.net.ws.WsFrames.Frame;
import org.spicejava.core.net.ws.WsFrames.Model;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * A browser client's byte stream after the upgrade, through {@link WebSocketTransport} over a fake socket. Input
 * layout: byte 0 says how bytes arrive and leave (bits 0-5: the socket's read size - 1; bit 6: the socket is full
 * every other round; bit 7: the server writes between reads), byte 1 is the channel's read buffer size - 1, the rest
 * is the client's stream. Whatever arrives: only IOException escapes; the bytes the channel reads are exactly the
 * data frames' payloads up to a close or a violation ({@link WsFrames#model}, written from the RFC); a violation the
 * RFC forbids ends the connection; the server's output is well-formed frames (the channel's bytes in order, pongs
 * echoing pings, one close, last); control answers stay bounded (at most one per read), so a ping flood costs no
 * memory. The upgrade request is fuzzed too: any first bytes give a refusal or a well-formed 101.
 */
class WebSocketTransportFuzzTest {
    static final byte[] REPLY = "HTTP/1.1 101 Switching Protocols\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** The server's writes, cycled: sizes cross every length encoding. */
    private static final int[] WRITE_SIZES = {1, 125, 126, 300, 70_000};
    /** What the server writes: a slice of this pattern, starting where the round says. */
    private static final byte[] PATTERN = pattern(70_000 + 256);

    @FuzzTest
    void clientStream(byte[] input) throws IOException {
        int flags = input.length > 0 ? input[0] & 0xff : 0;
        int chunk = (flags & 0x3f) + 1;
        boolean fullEveryOtherRound = (flags & 0x40) != 0;
        boolean serverWrites = (flags & 0x80) != 0;
        int dstSize = (input.length > 1 ? input[1] & 0xff : 0) + 1;
        byte[] stream = input.length > 2 ? Arrays.copyOfRange(input, 2, input.length) : new byte[0];

        FakeTransport socket = new FakeTransport();
        WebSocketTransport ws = new WebSocketTransport(socket, REPLY);
        ByteBuffer dst = ByteBuffer.allocate(dstSize);
        ByteArrayOutputStream decoded = new ByteArrayOutputStream();
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        IOException failure = null;
        boolean writeRefused = false;
        int readCalls = 0;
        int round = 0;
        boolean ended = false;
        try {
            for (int at = 0; at <= stream.length && !ended; at += chunk, round++) {
                socket.writeBudget = fullEveryOtherRound && round % 2 == 1 ? 0 : Long.MAX_VALUE;
                socket.receive(Arrays.copyOfRange(stream, Math.min(at, stream.length),
                        Math.min(at + chunk, stream.length)));
                while (true) {
                    readCalls++;
                    int n = ws.read(dst);
                    decoded.write(dst.array(), 0, dst.position());
                    assertEquals(Math.max(n, 0), dst.position(), "read's count is what it put");
                    dst.clear();
                    if (n < 0) {
                        ended = true;
                    }
                    if (n <= 0) {
                        break;
                    }
                }
                if (serverWrites && !ended && !writeRefused) {
                    int from = round & 0xff;
                    ByteBuffer src = ByteBuffer.wrap(PATTERN, from, WRITE_SIZES[round % WRITE_SIZES.length]);
                    try {
                        int n = ws.write(src);
                        assertTrue(n >= 0 && n <= WebSocketTransport.MAX_FRAME, "write took " + n);
                        assertEquals(from + n, src.position());
                        sent.write(PATTERN, from, n);
                    } catch (IOException e) {
                        writeRefused = true; // allowed after the client's close only
                    }
                }
            }
        } catch (IOException e) {
            failure = e;
            decoded.write(dst.array(), 0, dst.position()); // put before the violation was found
        }

        Model model = WsFrames.model(stream);
        String what = String.format(Locale.ROOT, "read size %d, buffer %d, model %s, failure %s", chunk, dstSize,
                model.end(), failure);
        assertArrayEquals(model.data(), decoded.toByteArray(), "the channel reads the data frames' payload; " + what);
        if (model.end() == End.VIOLATION) {
            assertNotNull(failure, "a frame the RFC forbids ends the connection; " + what);
        } else if (model.end() != End.CUT_HEADER) {
            assertEquals(null, failure, what);
        }
        assertTrue(!writeRefused || model.end() == End.CLOSE, "writes fail only after a close; " + what);
        if (model.end() == End.CLOSE && failure == null) {
            assertEquals(-1, ws.read(ByteBuffer.allocate(16)), "the stream ends after the close; " + what);
        }

        // Whatever is pending goes out (so the output can be checked whole), then goodbye as the connection says it.
        socket.writeBudget = Long.MAX_VALUE;
        ws.flush();
        ws.close();
        checkOutput(socket.written(), sent.toByteArray(), model, readCalls, what);
    }

    /** The server's bytes: the reply, then the channel's data, pongs for pings and one close at the end. */
    static void checkOutput(byte[] out, byte[] sent, Model model, int readCalls, String what) {
        assertTrue(out.length >= REPLY.length, what);
        assertArrayEquals(REPLY, Arrays.copyOf(out, REPLY.length), "the reply comes first; " + what);
        List<Frame> frames = WsFrames.serverFrames(Arrays.copyOfRange(out, REPLY.length, out.length));
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int ping = 0;
        int controls = 0;
        for (int i = 0; i < frames.size(); i++) {
            Frame f = frames.get(i);
            assertTrue(f.fin(), "the server sends whole frames; " + what);
            switch (f.opcode()) {
                case BINARY -> data.writeBytes(f.payload());
                case PONG -> {
                    controls++;
                    // Each pong answers one of the pings, in order (a later ping may replace an unsent pong).
                    while (ping < model.pings().size() && !Arrays.equals(model.pings().get(ping), f.payload())) {
                        ping++;
                    }
                    assertTrue(ping < model.pings().size(), "a pong without its ping; " + what);
                    ping++;
                }
                case CLOSE -> {
                    controls++;
                    assertEquals(frames.size() - 1, i, "nothing after the close; " + what);
                    byte[] expected = model.end() == End.CLOSE ? closeEcho(model.close()) : new byte[] {3, (byte) 0xe8};
                    assertTrue(Arrays.equals(expected, f.payload()) || Arrays.equals(new byte[] {3, (byte) 0xe8},
                            f.payload()), "the close echoes the client's status, or says normal closure; " + what);
                }
                default -> throw new AssertionError("the server sent opcode " + f.opcode() + "; " + what);
            }
        }
        assertTrue(!frames.isEmpty() && frames.getLast().opcode() == CLOSE, "the last frame is a close; " + what);
        assertArrayEquals(sent, data.toByteArray(), "the channel's bytes, in order; " + what);
        assertTrue(controls <= readCalls + 1, controls + " control frames for " + readCalls + " reads; " + what);
    }

    private static byte[] closeEcho(byte[] payload) {
        return payload.length >= 2 ? Arrays.copyOf(payload, 2) : new byte[0];
    }

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + i / 251);
        }
        return b;
    }

    /** Any first bytes on the port: no exception, and a reply only for a GET with a key, well-formed. */
    @FuzzTest
    void upgradeRequest(byte[] input) {
        ByteBuffer in = ByteBuffer.wrap(input);
        boolean get = WebSocketUpgrade.looksLikeGet(in);
        int length = WebSocketUpgrade.requestLength(in);
        assertEquals(0, in.position(), "looking does not consume");
        assertTrue(length == -1 || length >= 4 && length <= input.length, "length " + length);
        if (length < 0) {
            return;
        }
        String request = new String(input, 0, length, StandardCharsets.US_ASCII);
        byte[] reply = WebSocketUpgrade.reply(request);
        if (reply == null) {
            return;
        }
        assertTrue(get, "only a GET upgrades");
        assertTrue(request.toLowerCase(Locale.ROOT).contains("sec-websocket-key"), "only with a key");
        String text = new String(reply, StandardCharsets.US_ASCII);
        assertTrue(text.startsWith("HTTP/1.1 101 Switching Protocols\r\n"), text);
        assertTrue(text.matches("(?s).*\r\nSec-WebSocket-Accept: [A-Za-z0-9+/]{27}=\r\n.*"), text);
        assertEquals(text.indexOf("\r\n\r\n") + 4, text.length(), "one header block: " + text);
    }

    static byte[] input(int chunk, boolean fullEveryOtherRound, boolean serverWrites, int dstSize, byte[]... frames) {
        byte[] head = {(byte) ((chunk - 1) | (fullEveryOtherRound ? 0x40 : 0) | (serverWrites ? 0x80 : 0)),
                (byte) (dstSize - 1)};
        return WsFrames.concat(head, WsFrames.concat(frames));
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static Map<String, byte[]> clientStreamSeeds() {
        byte[] link = new byte[] {'R', 'E', 'D', 'Q', 2, 0, 0, 0, 2, 0, 0, 0, 26, 0, 0, 0}; // a link header
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("browser-session", input(64, false, true, 256, WsFrames.binary(link),
                WsFrames.binary(new byte[26]), WsFrames.client(FIN | PING, ascii("keepalive")),
                WsFrames.binary(new byte[300]), WsFrames.client(FIN | CLOSE, new byte[] {3, (byte) 0xe9})));
        seeds.put("one-byte-reads", input(1, false, false, 1,
                WsFrames.client(FIN | BINARY, ascii("seven"), new byte[] {1, 2, 3, 4}, WsFrames.MINIMAL),
                WsFrames.client(FIN | BINARY, ascii("sixteen"), new byte[] {5, 6, 7, 8}, WsFrames.LENGTH_16),
                WsFrames.client(FIN | BINARY, ascii("sixty-four"), new byte[] {9, 10, 11, 12}, WsFrames.LENGTH_64)));
        seeds.put("fragments-and-control", input(5, false, false, 3, WsFrames.client(BINARY, ascii("frag")),
                WsFrames.client(FIN | PING, new byte[0]), WsFrames.client(CONTINUATION, ascii("ment")),
                WsFrames.client(FIN | PONG, ascii("unsolicited")), WsFrames.client(FIN | CONTINUATION, ascii("ed")),
                WsFrames.client(FIN | TEXT, ascii("text"))));
        seeds.put("ping-flood-full-socket", input(3, true, true, 16, WsFrames.client(FIN | PING, new byte[125]),
                WsFrames.client(FIN | PING, ascii("a")), WsFrames.client(FIN | PING, ascii("b")),
                WsFrames.client(FIN | PING, ascii("c")), WsFrames.binary(ascii("data"))));
        seeds.put("unmasked", input(64, false, false, 64, WsFrames.binary(ascii("ok")),
                WsFrames.unmasked(FIN | BINARY, ascii("plain"))));
        seeds.put("reserved-bits", input(64, false, false, 64, WsFrames.client(FIN | 0x40 | BINARY, ascii("x"))));
        seeds.put("unknown-opcode", input(64, false, false, 64, WsFrames.client(FIN | 3, ascii("x"))));
        seeds.put("oversized-control", input(64, false, false, 64, WsFrames.client(FIN | PING, new byte[126])));
        seeds.put("fragmented-control", input(64, false, false, 64, WsFrames.client(CLOSE, new byte[0])));
        seeds.put("huge-length", input(64, false, false, 64, ByteBuffer.allocate(14).put((byte) (FIN | BINARY))
                .put((byte) 0xff).putLong(1L << 62).putInt(0x01020304).array(), ascii("payload")));
        seeds.put("negative-length", input(64, false, false, 64, ByteBuffer.allocate(14).put((byte) (FIN | BINARY))
                .put((byte) 0xff).putLong(-1).putInt(0).array()));
        seeds.put("close-then-more", input(8, false, true, 32, WsFrames.binary(ascii("bye")),
                WsFrames.client(FIN | CLOSE, new byte[0]), WsFrames.binary(ascii("after"))));
        return seeds;
    }

    static Map<String, byte[]> upgradeRequestSeeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("browser", ascii(WebSocketUpgradeTest.browserRequest(WebSocketUpgradeTest.RFC_KEY, "binary")));
        seeds.put("lowercase-no-protocol", ascii("GET / HTTP/1.1\r\nsec-websocket-key: "
                + WebSocketUpgradeTest.RFC_KEY + "\r\n\r\n"));
        seeds.put("other-protocol", ascii(WebSocketUpgradeTest.browserRequest(WebSocketUpgradeTest.RFC_KEY,
                "base64, binary")));
        seeds.put("no-key", ascii(WebSocketUpgradeTest.browserRequest(null, "binary")));
        seeds.put("link-message", new byte[] {'R', 'E', 'D', 'Q', 2, 0, 0, 0, 2, 0, 0, 0, 26, 0, 0, 0});
        return seeds;
    }

    public static void main(String[] args) throws Exception {
        FuzzSeeds.write(Path.of(args[0]), WebSocketTransportFuzzTest.class, "clientStream", clientStreamSeeds());
        FuzzSeeds.write(Path.of(args[0]), WebSocketTransportFuzzTest.class, "upgradeRequest", upgradeRequestSeeds());
    }
}
