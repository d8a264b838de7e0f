package org.spicejava.core.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntConsumer;

import org.junit.jupiter.api.Test;
import org.spicejava.core.net.DetachedSocket;
import org.spicejava.core.sasl.FakeSaslServer;
import org.spicejava.core.server.SpiceServer;

/**
 * A client session through SASL with the server's own connection handling (SocketConnection, the link stage,
 * Sessions) over a fake socket and a fake SASL library: the exchange in the clear, then the link result and the
 * main channel's messages through the security layer, and the context disposed when the connection closes.
 */
class SessionsSaslTest {
    static final int CLIENT_FD = 7;

    /** The host's loop and one client socket, by hand: the test fires readiness and reads what was written. */
    static final class Host extends DetachedSocket {
        final Map<Integer, IntConsumer> watches = new HashMap<>();
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        ByteBuffer incoming = ByteBuffer.allocate(0);
        boolean clientClosed;
        /** The client went away: every write fails as on a reset socket. */
        boolean failWrites;
        int nextFd = 100;

        void clientSends(byte[] bytes) {
            incoming = ByteBuffer.wrap(bytes);
            watches.get(CLIENT_FD).accept(READ);
        }

        /** What the server wrote since the last call. */
        byte[] take() {
            byte[] out = written.toByteArray();
            written.reset();
            return out;
        }

        @Override
        public Watch newWatch(int fd, int mask, IntConsumer onEvents) {
            watches.put(fd, onEvents);
            return new Watch() {
                @Override
                public void updateMask(int m) {
                }

                @Override
                public void remove() {
                    watches.remove(fd);
                }
            };
        }

        @Override
        public int read(int fd, ByteBuffer dst) {
            int n = Math.min(dst.remaining(), incoming.remaining());
            dst.put(dst.position(), incoming, incoming.position(), n).position(dst.position() + n);
            incoming.position(incoming.position() + n);
            return n;
        }

        @Override
        public int write(int fd, ByteBuffer src) throws java.io.IOException {
            if (failWrites) {
                throw new java.io.IOException("Broken pipe");
            }
            byte[] b = new byte[src.remaining()];
            src.get(b);
            written.writeBytes(b);
            return b.length;
        }

        @Override
        public void close(int fd) {
            if (fd == CLIENT_FD) {
                clientClosed = true;
            }
        }

        @Override
        public int openWakeup() {
            return nextFd++;
        }

        @Override
        public InetSocketAddress localAddress(int fd) {
            return new InetSocketAddress("127.0.0.1", 5900);
        }

        @Override
        public InetSocketAddress peerAddress(int fd) {
            return new InetSocketAddress("127.0.0.1", 40000);
        }
    }

    static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** The types of the mini-header messages in {@code stream}, in order. */
    static java.util.List<Integer> messageTypes(ByteBuffer stream) {
        java.util.List<Integer> types = new java.util.ArrayList<>();
        while (stream.remaining() >= 6) {
            types.add(Short.toUnsignedInt(stream.getShort()));
            int size = stream.getInt();
            stream.position(stream.position() + Math.min(size, stream.remaining()));
        }
        return types;
    }

    static byte[] text(String s) {
        return (s + "\0").getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aSessionRunsThroughTheSecurityLayer() throws Exception {
        Host host = new Host();
        FakeSaslServer sasl = new FakeSaslServer();
        FakeSaslServer.Library library = new FakeSaslServer.Library(sasl);
        SpiceServer server = new SpiceServer();
        server.config().setSasl(true);
        server.config().setSaslAppName("qemu");
        server.useSasl(library);
        Sessions sessions = new Sessions(server, (event, info) -> { });
        assertEquals(0, server.init(SpiceServer.CORE_MAJOR, host, host, name -> null, sessions));
        assertEquals("qemu", library.appName, "SASL set up at init with the host's application name");

        sessions.adopt(CLIENT_FD, false, false);
        int caps = 1 | 1 << 2 | 1 << 3; // auth selection, SASL, mini header
        ByteBuffer link = ByteBuffer.allocate(16 + 22).order(ByteOrder.LITTLE_ENDIAN);
        link.putInt(0x51444552).putInt(2).putInt(2).putInt(22);
        link.putInt(0).put((byte) 1).put((byte) 0).putInt(1).putInt(0).putInt(18).putInt(caps);
        host.clientSends(link.array());
        ByteBuffer reply = ByteBuffer.wrap(host.take()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(caps, reply.getInt(16 + 178), "SASL advertised");
        host.clientSends(u32(2));
        assertArrayEquals(concat(u32(18), ",DIGEST-MD5,PLAIN,".getBytes(StandardCharsets.US_ASCII)), host.take());
        assertEquals("127.0.0.1;5900", library.local);
        assertEquals("127.0.0.1;40000", library.remote);

        // The first step and the last arrive together with nothing after: the challenge, then the verdict.
        host.clientSends(concat(u32(10), "DIGEST-MD5".getBytes(StandardCharsets.US_ASCII), u32(0)));
        byte[] challenge = host.take();
        assertEquals(FakeSaslServer.CHALLENGE.length + 1, ByteBuffer.wrap(challenge).order(ByteOrder.LITTLE_ENDIAN)
                .getInt(0));
        byte[] response = text("alice:secret");
        host.clientSends(concat(u32(response.length), response));
        ByteBuffer out = ByteBuffer.wrap(host.take()).order(ByteOrder.LITTLE_ENDIAN);
        int successLength = out.getInt();
        out.position(out.position() + successLength);
        assertEquals(1, out.get(), "complete");
        assertEquals(0, out.getInt(), "accepted, in the clear");
        byte[] rest = new byte[out.remaining()];
        out.get(rest);
        ByteBuffer after = ByteBuffer.wrap(FakeSaslServer.unframe(rest)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, after.getInt(), "the link result, through the layer");
        assertEquals(103, messageTypes(after.slice().order(ByteOrder.LITTLE_ENDIAN)).getFirst(),
                "then MAIN_INIT, through the layer");
        assertEquals(1, server.numClients());

        // What the client sends now is decoded: ATTACH_CHANNELS brings CHANNELS_LIST.
        host.clientSends(FakeSaslServer.frame(ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) 104).putInt(0).array()));
        byte[] all = concat(FakeSaslServer.unframe(rest), FakeSaslServer.unframe(host.take()));
        assertTrue(messageTypes(ByteBuffer.wrap(all, 4, all.length - 4).slice().order(ByteOrder.LITTLE_ENDIAN))
                .contains(104), "CHANNELS_LIST: " + messageTypes(ByteBuffer.wrap(all, 4, all.length - 4).slice()
                .order(ByteOrder.LITTLE_ENDIAN)) + " " + all.length);
        assertEquals(0, sasl.closes);

        sessions.disconnectAll();
        assertTrue(host.clientClosed);
        assertEquals(1, sasl.closes, "the layer's context is disposed with the connection");
    }

    @Test
    void aWrongPasswordClosesAndDisposes() {
        Host host = new Host();
        FakeSaslServer sasl = new FakeSaslServer();
        SpiceServer server = new SpiceServer();
        server.config().setSasl(true);
        server.useSasl(new FakeSaslServer.Library(sasl));
        Sessions sessions = new Sessions(server, (event, info) -> { });
        assertEquals(0, server.init(SpiceServer.CORE_MAJOR, host, host, name -> null, sessions));
        sessions.adopt(CLIENT_FD, false, false);
        ByteBuffer link = ByteBuffer.allocate(16 + 22).order(ByteOrder.LITTLE_ENDIAN);
        link.putInt(0x51444552).putInt(2).putInt(2).putInt(22);
        link.putInt(0).put((byte) 1).put((byte) 0).putInt(1).putInt(0).putInt(18).putInt(1 | 1 << 2 | 1 << 3);
        byte[] response = text("alice:nope");
        host.clientSends(concat(link.array(), u32(2), u32(10), "DIGEST-MD5".getBytes(StandardCharsets.US_ASCII),
                u32(0), u32(response.length), response));
        assertTrue(host.clientClosed);
        assertEquals(1, sasl.closes);
        assertEquals(0, server.numClients());
    }

    @Test
    void initFailsWhenSaslCannotBeUsed() {
        Host host = new Host();
        SpiceServer server = new SpiceServer();
        server.config().setSasl(true);
        FakeSaslServer.Library library = new FakeSaslServer.Library(new FakeSaslServer());
        library.initResult = false;
        server.useSasl(library);
        assertEquals(-1, server.init(SpiceServer.CORE_MAJOR, host, host, name -> null,
                new Sessions(server, (event, info) -> { })));
        assertFalse(library.appName == null, "asked");
        assertEquals("spice", library.appName, "the reference's default application name");
    }
}
