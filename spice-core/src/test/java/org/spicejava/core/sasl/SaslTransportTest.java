package org.spicejava.core.sasl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.spicejava.core.net.Transport;

/** The SASL security layer over an in-memory transport, with the fake layer of {@link FakeSaslServer}. */
class SaslTransportTest {
    /** A socket in memory: what the peer sent (read out in chunks of {@code readChunk}), what we wrote. */
    static final class Pipe implements Transport {
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        ByteBuffer incoming = ByteBuffer.allocate(0);
        int readChunk = Integer.MAX_VALUE;
        /** How many bytes the socket takes before it is full (then writes take 0). */
        long room = Long.MAX_VALUE;
        boolean closed;
        boolean eof;

        void peerSends(byte[] bytes) {
            ByteBuffer more = ByteBuffer.allocate(incoming.remaining() + bytes.length);
            more.put(incoming).put(bytes).flip();
            incoming = more;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (!incoming.hasRemaining()) {
                return eof ? -1 : 0;
            }
            int n = Math.min(Math.min(dst.remaining(), incoming.remaining()), readChunk);
            dst.put(dst.position(), incoming, incoming.position(), n).position(dst.position() + n);
            incoming.position(incoming.position() + n);
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            int n = (int) Math.min(room, src.remaining());
            byte[] b = new byte[n];
            src.get(b);
            written.writeBytes(b);
            room -= n;
            return n;
        }

        @Override
        public boolean wantsWritable(boolean queued) {
            return queued;
        }

        @Override
        public void flush() {
        }

        @Override
        public boolean hasBufferedInput() {
            return false;
        }

        @Override
        public boolean secure() {
            return false;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    static SaslTransport layer(Pipe pipe, FakeSaslServer sasl, long plain, byte[] undecoded) throws SaslException {
        return new SaslTransport(pipe, sasl, SaslTransport.maxEncode(sasl), plain, undecoded);
    }

    static byte[] readAll(SaslTransport t, int room) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer dst = ByteBuffer.allocate(room);
        int n;
        while ((n = t.read(dst.clear())) > 0) {
            out.write(dst.array(), 0, n);
        }
        return out.toByteArray();
    }

    @Test
    void bytesQueuedBeforeTheLayerGoOutInTheClearThenEverythingIsEncoded() throws Exception {
        Pipe pipe = new Pipe();
        FakeSaslServer sasl = new FakeSaslServer();
        SaslTransport t = layer(pipe, sasl, 6, new byte[0]);
        ByteBuffer queued = ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        while (queued.hasRemaining()) {
            assertTrue(t.write(queued) > 0);
        }
        byte[] out = pipe.written.toByteArray();
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6}, Arrays.copyOf(out, 6), "the first 6 bytes unencoded");
        assertArrayEquals(FakeSaslServer.frame(new byte[] {7, 8, 9}), Arrays.copyOfRange(out, 6, out.length));
    }

    @Test
    void largeWritesAreEncodedInBlocksTheLibraryTakes() throws Exception {
        Pipe pipe = new Pipe();
        FakeSaslServer sasl = new FakeSaslServer();
        sasl.maxOutput = 100;
        SaslTransport t = layer(pipe, sasl, 0, new byte[0]);
        byte[] message = new byte[1000];
        new Random(7).nextBytes(message);
        ByteBuffer src = ByteBuffer.wrap(message);
        assertEquals(1000, t.write(src), "block after block while the socket takes them");
        byte[] wire = pipe.written.toByteArray();
        assertEquals(1000 + 10 * 4, wire.length, "ten frames of 100 bytes");
        assertArrayEquals(message, FakeSaslServer.unframe(wire));
    }

    @Test
    void aFullSocketHoldsOneEncodedBlockAndAsksForWritable() throws Exception {
        Pipe pipe = new Pipe();
        pipe.room = 10;
        FakeSaslServer sasl = new FakeSaslServer();
        SaslTransport t = layer(pipe, sasl, 0, new byte[0]);
        ByteBuffer src = ByteBuffer.wrap("hello, world".getBytes(StandardCharsets.US_ASCII));
        assertEquals(12, t.write(src), "taken and encoded, though not all written");
        assertTrue(t.wantsWritable(false), "an encoded block waits for the socket");
        assertEquals(0, t.write(ByteBuffer.wrap(new byte[] {1})), "nothing more until it is out");
        pipe.room = Long.MAX_VALUE;
        t.flush();
        assertFalse(t.wantsWritable(false));
        assertArrayEquals("hello, world".getBytes(StandardCharsets.US_ASCII),
                FakeSaslServer.unframe(pipe.written.toByteArray()));
    }

    @Test
    void readsDecodeAcrossAnySplitAndKeepWhatDoesNotFit() throws Exception {
        byte[] a = new byte[5000];
        new Random(1).nextBytes(a);
        byte[] b = "second".getBytes(StandardCharsets.US_ASCII);
        byte[] wire = concat(FakeSaslServer.frame(a), FakeSaslServer.frame(b));
        for (int chunk : new int[] {1, 3, 4096, Integer.MAX_VALUE}) {
            Pipe pipe = new Pipe();
            pipe.readChunk = chunk;
            pipe.peerSends(wire);
            SaslTransport t = layer(pipe, new FakeSaslServer(), 0, new byte[0]);
            ByteBuffer small = ByteBuffer.allocate(7);
            assertEquals(7, t.read(small), "chunk " + chunk);
            assertTrue(t.hasBufferedInput(), "decoded bytes wait inside: no socket event will announce them");
            byte[] rest = readAll(t, 1000);
            assertArrayEquals(concat(a, b), concat(Arrays.copyOf(small.array(), 7), rest), "chunk " + chunk);
        }
    }

    @Test
    void bytesReadBeforeTheLayerStartedAreDecodedFirst() throws Exception {
        byte[] wire = FakeSaslServer.frame("early+late".getBytes(StandardCharsets.US_ASCII));
        Pipe pipe = new Pipe();
        pipe.peerSends(Arrays.copyOfRange(wire, 5, wire.length));
        SaslTransport t = layer(pipe, new FakeSaslServer(), 0, Arrays.copyOf(wire, 5));
        assertTrue(t.hasBufferedInput());
        assertArrayEquals("early+late".getBytes(StandardCharsets.US_ASCII), readAll(t, 100));
    }

    @Test
    void aBadPacketEndsTheConnectionAndCloseDisposesOnce() throws Exception {
        Pipe pipe = new Pipe();
        pipe.peerSends(new byte[] {0x7f, 0, 0, 0, 1, 2, 3});
        FakeSaslServer sasl = new FakeSaslServer();
        SaslTransport t = layer(pipe, sasl, 0, new byte[0]);
        assertThrows(IOException.class, () -> t.read(ByteBuffer.allocate(100)));
        t.close();
        t.close();
        assertTrue(pipe.closed);
        assertEquals(1, sasl.closes);
    }

    @Test
    void endOfStreamAfterDecodedBytes() throws Exception {
        Pipe pipe = new Pipe();
        pipe.peerSends(FakeSaslServer.frame(new byte[] {9}));
        pipe.eof = true;
        SaslTransport t = layer(pipe, new FakeSaslServer(), 0, new byte[0]);
        ByteBuffer dst = ByteBuffer.allocate(10);
        assertEquals(1, t.read(dst));
        assertEquals(-1, t.read(dst));
    }

    @Test
    void maxEncodeIsTheLibrarysBoundCapped() throws Exception {
        FakeSaslServer sasl = new FakeSaslServer();
        sasl.maxOutput = 1 << 20;
        assertEquals(SaslTransport.MAX_ENCODE, SaslTransport.maxEncode(sasl));
        sasl.maxOutput = 0;
        assertThrows(SaslException.class, () -> SaslTransport.maxEncode(sasl));
    }

    @Test
    void addressesAsCyrusReadsThem() {
        assertEquals("127.0.0.1;5900", SaslLinks.address(new java.net.InetSocketAddress("127.0.0.1", 5900)));
        assertEquals("0:0:0:0:0:0:0:1;5901", SaslLinks.address(new java.net.InetSocketAddress("::1", 5901)));
        assertEquals("localhost;", SaslLinks.address(null), "a unix socket, as the reference");
        assertEquals(128, SaslLinks.cipherBits("TLS_AES_128_GCM_SHA256"));
        assertEquals(256, SaslLinks.cipherBits("TLS_AES_256_GCM_SHA384"));
        assertEquals(256, SaslLinks.cipherBits("TLS_CHACHA20_POLY1305_SHA256"));
        assertEquals(128, SaslLinks.cipherBits("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
        assertEquals(0, SaslLinks.cipherBits("SSL_NULL_WITH_NULL_NULL"));
    }

    @Test
    void initNeedsALibrary() {
        assertFalse(SaslLinks.init(null, "qemu"));
        FakeSaslServer.Library library = new FakeSaslServer.Library(new FakeSaslServer());
        assertTrue(SaslLinks.init(library, null));
        assertEquals("spice", library.appName, "the reference's default application name");
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
