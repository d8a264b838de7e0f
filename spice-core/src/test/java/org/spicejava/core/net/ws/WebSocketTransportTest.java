package org.spicejava.core.net.ws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.spicejava.core.net.ws.WsFrames.Frame;

/**
 * RFC 6455 framing of {@link WebSocketTransport} over a fake socket: the client's masked frames become the byte
 * stream the channels read however the bytes arrive, the channels' writes become unmasked binary frames however
 * little the socket takes, pings are answered, a close ends the stream, and what a client must not send ends the
 * connection with an IOException.
 */
class WebSocketTransportTest {
    private static final byte[] REPLY = "HTTP/1.1 101 Switching Protocols\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final FakeTransport socket = new FakeTransport();
    private final WebSocketTransport ws = new WebSocketTransport(socket, REPLY);

    /** A fresh transport whose upgrade reply is already out, so the socket holds only frames from now on. */
    private WebSocketTransport replied() throws IOException {
        ws.flush();
        assertArrayEquals(REPLY, socket.takeWritten());
        return ws;
    }

    /** Reads everything decodable now through a buffer of {@code dstSize} bytes; -1 read at the end is kept out. */
    private static byte[] readAll(WebSocketTransport t, int dstSize) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer dst = ByteBuffer.allocate(dstSize);
        while (true) {
            int n = t.read(dst);
            assertTrue(n >= -1, "read returned " + n);
            assertEquals(Math.max(n, 0), dst.position(), "read's count matches the bytes put");
            out.write(dst.array(), 0, dst.position());
            dst.clear();
            if (n <= 0) {
                return out.toByteArray();
            }
        }
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void theUpgradeReplyGoesOutBeforeAnyFrame() throws IOException {
        socket.writeBudget = 5;
        assertTrue(ws.wantsWritable(false), "the reply waits for the socket");
        assertEquals(0, ws.write(ByteBuffer.wrap(ascii("data"))), "no frame before the reply is out");
        assertTrue(ws.wantsWritable(false));
        socket.writeLimit = 3;
        socket.writeBudget = Long.MAX_VALUE;
        ws.flush();
        assertFalse(ws.wantsWritable(false));
        assertArrayEquals(REPLY, socket.takeWritten());
        assertEquals(4, ws.write(ByteBuffer.wrap(ascii("data"))));
        ws.flush();
        assertEquals(List.of("Frame[fin=true, op=2, 4 bytes]"),
                WsFrames.serverFrames(socket.written()).stream().map(Frame::toString).toList());
    }

    /** Three frames (7-bit, 16-bit and 64-bit lengths) cut once at every byte boundary of the stream. */
    @Test
    void framesSplitAtEveryByteBoundaryDecodeTheSame() throws IOException {
        byte[] a = bytes(100, 1);
        byte[] b = bytes(300, 2);
        byte[] c = bytes(70_000, 3);
        byte[] stream = WsFrames.concat(WsFrames.binary(a), WsFrames.binary(b), WsFrames.binary(c));
        byte[] expected = WsFrames.concat(a, b, c);
        // Every cut in the headers and around them, then a stride through the long payload.
        for (int cut = 0; cut <= stream.length; cut += cut < 600 || cut > stream.length - 50 ? 1 : 997) {
            FakeTransport s = new FakeTransport();
            WebSocketTransport t = new WebSocketTransport(s, new byte[0]);
            s.receive(Arrays.copyOfRange(stream, 0, cut));
            byte[] first = readAll(t, 8192);
            s.receive(Arrays.copyOfRange(stream, cut, stream.length));
            byte[] second = readAll(t, 8192);
            assertArrayEquals(expected, WsFrames.concat(first, second), "cut at " + cut);
        }
    }

    @Test
    void aStreamArrivingOneByteAtATimeIntoOneByteReadsDecodes() throws IOException {
        byte[] a = bytes(126, 4);
        byte[] b = bytes(5, 5);
        byte[] stream = WsFrames.concat(WsFrames.binary(a), WsFrames.binary(new byte[0]), WsFrames.binary(b));
        socket.readChunk = 1;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte x : stream) {
            socket.receive(new byte[] {x});
            out.writeBytes(readAll(ws, 1));
        }
        assertArrayEquals(WsFrames.concat(a, b), out.toByteArray());
    }

    @ParameterizedTest
    @ValueSource(ints = {WsFrames.MINIMAL, WsFrames.LENGTH_16, WsFrames.LENGTH_64})
    void everyLengthEncodingIsRead(int form) throws IOException {
        for (int n : new int[] {0, 1, 125, 126, 127, 65_535, 65_536, 100_000}) {
            if (form == WsFrames.LENGTH_16 && n > 0xffff) {
                continue;
            }
            byte[] payload = bytes(n, n);
            socket.receive(WsFrames.client(FIN | BINARY, payload, new byte[] {1, 2, 3, 4}, form));
            assertArrayEquals(payload, readAll(ws, 4096), n + " bytes, length form " + form);
        }
    }

    @Test
    void eachFrameIsUnmaskedWithItsOwnKeyWhateverTheReadSizes() throws IOException {
        Random random = new Random(6);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < 50; i++) {
            byte[] payload = bytes(random.nextInt(300), i);
            byte[] mask = new byte[4];
            random.nextBytes(mask);
            socket.receive(WsFrames.client(FIN | BINARY, payload, mask, WsFrames.MINIMAL));
            expected.writeBytes(payload);
        }
        socket.readChunk = 7;
        assertArrayEquals(expected.toByteArray(), readAll(ws, 13));
    }

    @Test
    void fragmentsTextAndContinuationFramesAreDataToo() throws IOException {
        // SPICE ignores frame boundaries, as the reference does: only the bytes count.
        socket.receive(WsFrames.concat(WsFrames.client(BINARY, ascii("ab")), WsFrames.client(CONTINUATION, ascii("cd")),
                WsFrames.client(FIN | CONTINUATION, ascii("ef")), WsFrames.client(FIN | TEXT, ascii("gh"))));
        assertArrayEquals(ascii("abcdefgh"), readAll(ws, 100));
    }

    @Test
    void aPingIsAnsweredWithItsPayload() throws IOException {
        replied();
        socket.receive(WsFrames.concat(WsFrames.binary(ascii("before")), WsFrames.client(FIN | PING, ascii("are you there")),
                WsFrames.binary(ascii("after"))));
        assertArrayEquals(ascii("beforeafter"), readAll(ws, 100));
        List<Frame> out = WsFrames.serverFrames(socket.written());
        assertEquals(1, out.size(), out.toString());
        assertEquals(PONG, out.get(0).opcode());
        assertTrue(out.get(0).fin());
        assertArrayEquals(ascii("are you there"), out.get(0).payload());
    }

    @Test
    void aPingBetweenFragmentsOfAMessageIsAnswered() throws IOException {
        replied();
        socket.receive(WsFrames.concat(WsFrames.client(BINARY, ascii("ab")), WsFrames.client(FIN | PING, new byte[0]),
                WsFrames.client(FIN | CONTINUATION, ascii("cd"))));
        assertArrayEquals(ascii("abcd"), readAll(ws, 100));
        assertEquals("[Frame[fin=true, op=10, 0 bytes]]", WsFrames.serverFrames(socket.written()).toString());
    }

    @Test
    void aPongFromTheClientIsIgnored() throws IOException {
        replied();
        socket.receive(WsFrames.concat(WsFrames.client(FIN | PONG, ascii("x")), WsFrames.binary(ascii("data"))));
        assertArrayEquals(ascii("data"), readAll(ws, 100));
        assertEquals(0, socket.written().length);
    }

    @Test
    void thePongWaitsForTheFrameBeingWritten() throws IOException {
        replied();
        socket.writeBudget = 10;
        byte[] data = bytes(1000, 7);
        assertEquals(1000, ws.write(ByteBuffer.wrap(data)), "the frame is taken whole");
        assertTrue(ws.wantsWritable(false), "the rest of the frame waits for the socket");
        socket.receive(WsFrames.client(FIN | PING, ascii("ping!")));
        assertArrayEquals(new byte[0], readAll(ws, 100));
        assertEquals(0, ws.write(ByteBuffer.wrap(ascii("more"))), "nothing new while a frame is half out");
        socket.writeBudget = Long.MAX_VALUE;
        ws.flush();
        assertFalse(ws.wantsWritable(false));
        assertEquals(4, ws.write(ByteBuffer.wrap(ascii("more"))));
        List<Frame> out = WsFrames.serverFrames(socket.written());
        assertEquals(3, out.size(), out.toString());
        assertArrayEquals(data, out.get(0).payload());
        assertEquals(PONG, out.get(1).opcode(), "the pong comes after the whole data frame");
        assertArrayEquals(ascii("ping!"), out.get(1).payload());
        assertArrayEquals(ascii("more"), out.get(2).payload());
    }

    @Test
    void aPongWaitsForAFullSocketAndIsAskedFor() throws IOException {
        replied();
        socket.writeBudget = 0;
        socket.receive(WsFrames.client(FIN | PING, ascii("p")));
        readAll(ws, 100);
        assertTrue(ws.wantsWritable(false), "the pending pong needs a write event");
        socket.writeBudget = Long.MAX_VALUE;
        ws.flush();
        assertEquals("[Frame[fin=true, op=10, 1 bytes]]", WsFrames.serverFrames(socket.written()).toString());
        assertFalse(ws.wantsWritable(false));
    }

    @Test
    void aCloseIsAcknowledgedWithItsStatusThenTheStreamEnds() throws IOException {
        replied();
        socket.receive(WsFrames.concat(WsFrames.binary(ascii("last")),
                WsFrames.client(FIN | CLOSE, new byte[] {0x03, (byte) 0xe9, 'b', 'y', 'e'}),
                WsFrames.binary(ascii("ignored"))));
        ByteBuffer dst = ByteBuffer.allocate(100);
        int n = ws.read(dst);
        assertEquals(4, n, "data before the close is delivered");
        ws.flush(); // the connection flushes its transport after each read
        List<Frame> out = WsFrames.serverFrames(socket.written());
        assertEquals(1, out.size(), out.toString());
        assertEquals(CLOSE, out.get(0).opcode());
        assertArrayEquals(new byte[] {0x03, (byte) 0xe9}, out.get(0).payload(), "the client's status code, echoed");
        dst.clear();
        assertEquals(-1, ws.read(dst), "nothing after the close");
        assertEquals(-1, ws.read(dst));
    }

    @Test
    void aCloseWithoutStatusIsAcknowledgedWithout() throws IOException {
        replied();
        socket.receive(WsFrames.client(FIN | CLOSE, new byte[0]));
        ws.read(ByteBuffer.allocate(10));
        ws.flush();
        assertEquals("[Frame[fin=true, op=8, 0 bytes]]", WsFrames.serverFrames(socket.written()).toString());
        assertEquals(-1, ws.read(ByteBuffer.allocate(10)));
    }

    /**
     * After the client's close the stream is over at once: the reference's websocket_read acknowledges and returns
     * 0 (end of stream) in the same call, and RFC 6455 section 7.1.1 has the server close the TCP connection
     * first. A read that returns 0 instead leaves the connection open until the client gives up on the server
     * (Chromium waits about 2 s) or forever for a client that never closes.
     */
    @Test
    void theReadThatTakesACloseEndsTheStream() throws IOException {
        replied();
        socket.receive(WsFrames.client(FIN | CLOSE, new byte[] {0x03, (byte) 0xe8}));
        assertEquals(-1, ws.read(ByteBuffer.allocate(10)), "end of stream once the close is acknowledged");
        assertEquals(1, WsFrames.serverFrames(socket.written()).size(), "the acknowledgement went out first");
    }

    /**
     * After the close handshake nothing more can be sent; a write that returns 0 while {@code wantsWritable(true)}
     * still asks for write events makes the connection's loop spin on a writable socket for as long as the channel
     * has output queued and the client keeps its end open.
     */
    @Test
    void writesAfterTheCloseHandshakeFailInsteadOfWaitingForever() throws IOException {
        replied();
        socket.receive(WsFrames.client(FIN | CLOSE, new byte[0]));
        ws.read(ByteBuffer.allocate(10));
        IOException refused = null;
        try {
            int n = ws.write(ByteBuffer.wrap(ascii("late")));
            assertFalse(n == 0 && ws.wantsWritable(true),
                    "write takes nothing yet the transport asks for write events: a busy loop");
        } catch (IOException e) {
            refused = e;
        }
        assertTrue(refused != null, "a write after the close handshake fails");
    }

    @Test
    void closeSaysGoodbyeWithNormalClosureThenClosesTheSocket() throws IOException {
        replied();
        ws.close();
        assertEquals("[Frame[fin=true, op=8, 2 bytes]]", WsFrames.serverFrames(socket.written()).toString());
        assertArrayEquals(new byte[] {0x03, (byte) 0xe8}, WsFrames.serverFrames(socket.written()).get(0).payload());
        assertTrue(socket.closed);
    }

    @Test
    void closeAfterTheHandshakeSendsNoSecondClose() throws IOException {
        replied();
        socket.receive(WsFrames.client(FIN | CLOSE, new byte[0]));
        ws.read(ByteBuffer.allocate(10));
        ws.close();
        assertEquals(1, WsFrames.serverFrames(socket.written()).size());
        assertTrue(socket.closed);
    }

    @Test
    void theEndOfTheSocketEndsTheStreamAfterItsData() throws IOException {
        socket.receive(WsFrames.binary(ascii("tail")));
        socket.endOfStream();
        ByteBuffer dst = ByteBuffer.allocate(100);
        assertEquals(4, ws.read(dst));
        assertEquals(-1, ws.read(dst));
    }

    @Test
    void aPartialHeaderIsBufferedInput() throws IOException {
        byte[] frame = WsFrames.binary(ascii("x"));
        socket.receive(Arrays.copyOf(frame, 3));
        assertEquals(0, ws.read(ByteBuffer.allocate(10)));
        assertTrue(ws.hasBufferedInput(), "three header bytes wait inside the transport");
        socket.receive(Arrays.copyOfRange(frame, 3, frame.length));
        assertArrayEquals(ascii("x"), readAll(ws, 10));
        assertFalse(ws.hasBufferedInput());
    }

    @Test
    void aFullDestinationLeavesTheRestForTheNextRead() throws IOException {
        byte[] payload = bytes(50, 8);
        socket.receive(WsFrames.binary(payload));
        ByteBuffer dst = ByteBuffer.allocate(20);
        assertEquals(20, ws.read(dst));
        assertEquals(0, ws.read(ByteBuffer.allocate(0)));
        ByteBuffer rest = ByteBuffer.allocate(100);
        assertEquals(30, ws.read(rest));
        assertArrayEquals(payload, WsFrames.concat(dst.array(), Arrays.copyOf(rest.array(), 30)));
    }

    /** A claimed length is streamed, never allocated: 2^62 bytes cost nothing until they arrive. */
    @Test
    void aHugeAnnouncedLengthCostsNothing() throws IOException {
        ByteBuffer header = ByteBuffer.allocate(14).put((byte) (FIN | BINARY)).put((byte) (0x80 | 127))
                .putLong(1L << 62).put(new byte[4]);
        socket.receive(header.array());
        socket.receive(ascii("abc"));
        assertArrayEquals(ascii("abc"), readAll(ws, 10));
    }

    @Test
    void anUnmaskedClientFrameEndsTheConnection() {
        socket.receive(WsFrames.unmasked(FIN | BINARY, ascii("plain")));
        IOException e = assertThrows(IOException.class, () -> ws.read(ByteBuffer.allocate(10)));
        assertTrue(e.getMessage().contains("unmasked"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {0x40, 0x20, 0x10, 0x70})
    void reservedBitsEndTheConnection(int rsv) {
        socket.receive(WsFrames.client(FIN | rsv | BINARY, ascii("x")));
        assertThrows(IOException.class, () -> ws.read(ByteBuffer.allocate(10)));
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 4, 5, 6, 7, 11, 12, 13, 14, 15})
    void unknownOpcodesEndTheConnection(int opcode) {
        socket.receive(WsFrames.client(FIN | opcode, ascii("x")));
        assertThrows(IOException.class, () -> ws.read(ByteBuffer.allocate(10)));
    }

    @ParameterizedTest
    @ValueSource(ints = {CLOSE, PING, PONG})
    void controlFramesOver125BytesEndTheConnection(int opcode) {
        socket.receive(WsFrames.client(FIN | opcode, new byte[126]));
        assertThrows(IOException.class, () -> ws.read(ByteBuffer.allocate(10)));
    }

    @ParameterizedTest
    @ValueSource(ints = {CLOSE, PING, PONG})
    void fragmentedControlFramesEndTheConnection(int opcode) {
        socket.receive(WsFrames.client(opcode, ascii("x")));
        assertThrows(IOException.class, () -> ws.read(ByteBuffer.allocate(10)));
    }

    @Test
    void aLengthWithTheHighBitSetEndsTheConnection() {
        ByteBuffer header = ByteBuffer.allocate(14).put((byte) (FIN | BINARY)).put((byte) (0x80 | 127))
                .putLong(-1L).put(new byte[4]);
        socket.receive(header.array());
        assertThrows(IOException.class, () -> ws.read(ByteBuffer.allocate(10)));
    }

    @Test
    void dataBeforeAViolationIsDeliveredFirst() throws IOException {
        socket.receive(WsFrames.binary(ascii("good")));
        assertArrayEquals(ascii("good"), readAll(ws, 100));
        socket.receive(WsFrames.unmasked(FIN | BINARY, ascii("bad")));
        assertThrows(IOException.class, () -> ws.read(ByteBuffer.allocate(10)));
    }

    @Test
    void writesBecomeBinaryFramesOfAtMost64KiB() throws IOException {
        replied();
        byte[] data = bytes(200_000, 9);
        ByteBuffer src = ByteBuffer.wrap(data);
        int calls = 0;
        while (src.hasRemaining()) {
            int n = ws.write(src);
            assertTrue(n > 0 && n <= WebSocketTransport.MAX_FRAME, "took " + n);
            calls++;
        }
        assertEquals(4, calls);
        List<Frame> out = WsFrames.serverFrames(socket.written());
        assertEquals(List.of(65_536, 65_536, 65_536, 3_392), out.stream().map(f -> f.payload().length).toList());
        assertTrue(out.stream().allMatch(f -> f.fin() && f.opcode() == BINARY), out.toString());
        assertArrayEquals(data, WsFrames.concat(out.stream().map(Frame::payload).toArray(byte[][]::new)));
    }

    @Test
    void eachWriteUsesTheSmallestLengthEncoding() throws IOException {
        replied();
        for (int n : new int[] {1, 125, 126, 65_535, 65_536}) {
            assertEquals(n, ws.write(ByteBuffer.wrap(bytes(n, n))));
        }
        // serverFrames refuses a length encoded longer than needed
        assertEquals(List.of(1, 125, 126, 65_535, 65_536),
                WsFrames.serverFrames(socket.written()).stream().map(f -> f.payload().length).toList());
    }

    /** A socket that takes {@code budget} bytes per writable event, in calls of at most 7 bytes. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 9, 100, 70_000})
    void aSocketTakingLittleAtATimeGetsTheSameFrames(int budget) throws IOException {
        replied();
        socket.writeLimit = 7;
        byte[] data = bytes(150_000, 10);
        ByteBuffer src = ByteBuffer.wrap(data);
        int rounds = 0;
        while (src.hasRemaining() || ws.wantsWritable(false)) {
            socket.writeBudget = budget; // the socket became writable
            if (src.hasRemaining()) {
                int before = src.position();
                int n = ws.write(src);
                assertEquals(n, src.position() - before);
            } else {
                ws.flush();
            }
            assertTrue(++rounds < 1_000_000, "no progress");
        }
        List<Frame> out = WsFrames.serverFrames(socket.written());
        assertArrayEquals(data, WsFrames.concat(out.stream().map(Frame::payload).toArray(byte[][]::new)));
    }

    @Test
    void securityIsTheLayerBelow() {
        assertFalse(ws.secure());
    }
}
