package org.spicejava.core.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.spicejava.core.sasl.FakeSaslServer;
import org.spicejava.core.sasl.SaslServer;

/** The link stage as bytes in, bytes out: no sockets. */
class LinkStageTest {
    /** Records what the stage did. */
    static final class Recorder implements LinkStage.Host {
        final ByteBuffer sent = ByteBuffer.allocate(16384).order(ByteOrder.LITTLE_ENDIAN);
        LinkError refused;
        LinkMessage message;
        byte[] password;
        LinkError policy = LinkError.OK;

        @Override
        public void send(ByteBuffer bytes) {
            sent.put(bytes);
        }

        @Override
        public LinkError check(LinkMessage m) {
            return policy;
        }

        @Override
        public void refused(LinkError error, String reason) {
            refused = error;
        }

        @Override
        public void authenticated(LinkMessage m, byte[] p) {
            message = m;
            password = p;
        }

        /** Work handed back to "the loop": run by the test when it chooses. */
        final List<Runnable> resumed = new ArrayList<>();

        @Override
        public void resumeOnLoop(Runnable task) {
            resumed.add(task);
        }

        /** What openSasl gives (null: the context cannot be made), the TLS under the link, the SASL verdict. */
        FakeSaslServer sasl = new FakeSaslServer();
        int tlsBits = -1;
        int saslOpened;
        boolean saslAuthenticated;
        SaslServer layer;

        @Override
        public SaslServer openSasl() {
            saslOpened++;
            return sasl;
        }

        @Override
        public int tlsCipherBits() {
            return tlsBits;
        }

        byte[] undecoded;

        @Override
        public void authenticatedBySasl(LinkMessage m, SaslServer l, byte[] u) {
            message = m;
            layer = l;
            undecoded = u;
            saslAuthenticated = true;
        }
    }

    /** One key for every link of these tests: generating RSA keys is slow, and each test checks one link. */
    static final TicketKey KEY = new JdkTicketKey();

    /** A client's link header + SpiceLinkMess with the given caps. */
    static byte[] clientLink(int magic, int major, int connectionId, int type, int id, int[] common, int[] channel) {
        int size = 18 + 4 * (common.length + channel.length);
        ByteBuffer b = ByteBuffer.allocate(16 + size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(magic).putInt(major).putInt(2).putInt(size);
        b.putInt(connectionId).put((byte) type).put((byte) id).putInt(common.length).putInt(channel.length).putInt(18);
        for (int c : common) {
            b.putInt(c);
        }
        for (int c : channel) {
            b.putInt(c);
        }
        return b.array();
    }

    static void feed(LinkStage stage, ByteBuffer pending, byte b) {
        pending.put(b).flip();
        stage.onData(pending);
        pending.compact();
    }

    static LinkStage stage(Recorder r) {
        return new LinkStage(r, type -> new int[] {0x6}, () -> CompletableFuture.completedFuture(KEY));
    }

    @Test
    void aKeyStillBeingGeneratedNeverBlocksTheLoop() {
        Recorder r = new Recorder();
        CompletableFuture<TicketKey> key = new CompletableFuture<>();
        LinkStage stage = new LinkStage(r, type -> new int[] {0x6}, () -> key);
        stage.onData(ByteBuffer.wrap(clientLink(0x51444552, 2, 0, 1, 0, new int[] {0b1011}, new int[0])));
        assertEquals(0, r.sent.position(), "no reply until the key exists, and onData returned meanwhile");
        key.complete(KEY);
        assertEquals(1, r.resumed.size(), "the reply is made on the loop, not on the generator's thread");
        r.resumed.getFirst().run();
        ByteBuffer reply = r.sent.flip();
        assertEquals(0, reply.getInt(16), "link result OK");
        byte[] der = new byte[TicketKey.PUBLIC_KEY_BYTES];
        reply.get(20, der);
        assertArrayEquals(KEY.publicKeyDer(), der);
    }

    @Test
    void fullHandshakeFedOneByteAtATime() throws Exception {
        Recorder r = new Recorder();
        LinkStage stage = stage(r);
        byte[] link = clientLink(LinkStage.MAGIC, 2, 0, 1, 0, new int[] {0b1011}, new int[] {0x2});
        // As a socket delivers it: one byte more each time, unconsumed bytes kept (compact), as SocketConnection does.
        ByteBuffer pending = ByteBuffer.allocate(1024);
        for (byte b : link) {
            feed(stage, pending, b);
        }
        ByteBuffer reply = r.sent.flip();
        assertEquals(LinkStage.MAGIC, reply.getInt(0));
        assertEquals(2, reply.getInt(4));
        assertEquals(178 + 8, reply.getInt(12), "reply size: fixed part + one common + one channel cap word");
        assertEquals(0, reply.getInt(16), "error OK");
        byte[] key = new byte[TicketKey.PUBLIC_KEY_BYTES];
        reply.get(20, key);
        assertEquals(1, reply.getInt(16 + 166));
        assertEquals(1, reply.getInt(16 + 170));
        assertEquals(178, reply.getInt(16 + 174));
        assertEquals(0b1011, reply.getInt(16 + 178), "auth selection, spice auth, mini header");
        assertEquals(0x6, reply.getInt(16 + 182));

        byte[] mechanism = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(1).array();
        byte[] ticket = TicketKey.encrypt(key, "secret\0".getBytes(StandardCharsets.UTF_8));
        ByteBuffer rest = ByteBuffer.allocate(4 + 128).put(mechanism).put(ticket).flip();
        while (rest.hasRemaining()) {
            feed(stage, pending, rest.get());
        }
        assertTrue(stage.done());
        assertNull(r.refused);
        assertArrayEquals("secret".getBytes(StandardCharsets.UTF_8), r.password);
        assertEquals(1, r.message.channelType());
        assertTrue(r.message.hasCommonCap(LinkStage.CAP_MINI_HEADER));
        assertTrue(r.message.hasChannelCap(1));
    }

    @Test
    void clientWithoutAuthSelectionSendsTheTicketDirectly() throws Exception {
        Recorder r = new Recorder();
        LinkStage stage = stage(r);
        stage.onData(ByteBuffer.wrap(clientLink(LinkStage.MAGIC, 2, 7, 3, 0, new int[0], new int[0])));
        byte[] key = new byte[TicketKey.PUBLIC_KEY_BYTES];
        r.sent.flip().get(20, key);
        stage.onData(ByteBuffer.wrap(TicketKey.encrypt(key, new byte[1])));
        assertEquals(0, r.password.length, "empty password");
        assertEquals(7, r.message.connectionId());
    }

    @Test
    void garbledTicketIsNotAPassword() {
        Recorder r = new Recorder();
        LinkStage stage = stage(r);
        stage.onData(ByteBuffer.wrap(clientLink(LinkStage.MAGIC, 2, 0, 1, 0, new int[0], new int[0])));
        stage.onData(ByteBuffer.wrap(new byte[128]));
        assertTrue(stage.done());
        assertNull(r.password);
    }

    static LinkError errorReply(Recorder r) {
        ByteBuffer reply = r.sent.flip();
        assertEquals(16 + 178, reply.remaining(), "header and an all-zero reply but the error");
        return LinkError.values()[reply.getInt(16)];
    }

    @Test
    void wrongMagicIsRefusedAtOnce() {
        Recorder r = new Recorder();
        stage(r).onData(ByteBuffer.wrap("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(LinkError.INVALID_MAGIC, r.refused);
        assertEquals(LinkError.INVALID_MAGIC, errorReply(r));
    }

    @Test
    void versionMismatch() {
        Recorder r = new Recorder();
        stage(r).onData(ByteBuffer.wrap(clientLink(LinkStage.MAGIC, 3, 0, 1, 0, new int[0], new int[0])));
        assertEquals(LinkError.VERSION_MISMATCH, r.refused);
        assertEquals(LinkError.VERSION_MISMATCH, errorReply(r));
        Recorder zero = new Recorder();
        stage(zero).onData(ByteBuffer.wrap(clientLink(LinkStage.MAGIC, 0, 0, 1, 0, new int[0], new int[0])));
        assertEquals(LinkError.VERSION_MISMATCH, zero.refused);
        assertEquals(0, zero.sent.position(), "major 0 gets no reply, as in the reference");
    }

    @Test
    void hugeOrTinyDeclaredSizesAreRefusedBeforeReading() {
        for (int size : new int[] {17, 4097, -1}) {
            Recorder r = new Recorder();
            ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(LinkStage.MAGIC).putInt(2).putInt(2).putInt(size).flip();
            stage(r).onData(header);
            assertEquals(LinkError.INVALID_DATA, r.refused, "size " + size);
        }
    }

    @Test
    void capabilitiesOutsideTheMessageAreRefused() {
        Recorder r = new Recorder();
        byte[] link = clientLink(LinkStage.MAGIC, 2, 0, 1, 0, new int[] {1}, new int[0]);
        ByteBuffer.wrap(link).order(ByteOrder.LITTLE_ENDIAN).putInt(16 + 6, 2000); // claims 2000 common words
        stage(r).onData(ByteBuffer.wrap(link));
        assertEquals(LinkError.INVALID_DATA, r.refused);
    }

    @Test
    void truncatedInputWaitsAndUnknownAuthIsRefused() {
        Recorder r = new Recorder();
        LinkStage stage = stage(r);
        byte[] link = clientLink(LinkStage.MAGIC, 2, 0, 1, 0, new int[] {1}, new int[0]);
        ByteBuffer in = ByteBuffer.allocate(link.length + 4);
        in.put(link, 0, link.length - 1).flip();
        stage.onData(in);
        assertEquals(0, r.sent.position(), "nothing answered before the whole link message");
        assertEquals(link.length - 1 - LinkStage.HEADER_BYTES, in.remaining(), "the incomplete message is left unread");
        in.compact().put(link[link.length - 1]).flip();
        stage.onData(in);
        assertEquals(0, in.remaining());
        stage.onData(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 2)); // SASL: not offered
        assertEquals(LinkError.INVALID_DATA, r.refused);
    }

    @Test
    void policyRefusalIsAnsweredBeforeTheKey() {
        Recorder r = new Recorder();
        r.policy = LinkError.NEED_SECURED;
        stage(r).onData(ByteBuffer.wrap(clientLink(LinkStage.MAGIC, 2, 0, 2, 0, new int[0], new int[0])));
        assertEquals(LinkError.NEED_SECURED, r.refused);
        assertEquals(LinkError.NEED_SECURED, errorReply(r));
    }

    @Test
    void resultIsFourBytes() {
        ByteBuffer result = LinkStage.result(LinkError.PERMISSION_DENIED);
        assertEquals(4, result.remaining());
        assertEquals(7, result.order(ByteOrder.LITTLE_ENDIAN).getInt(0));
        List<Integer> codes = new ArrayList<>();
        for (LinkError e : LinkError.values()) {
            codes.add(e.code());
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), codes);
    }
}
