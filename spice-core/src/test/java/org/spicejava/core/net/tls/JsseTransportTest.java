package org.spicejava.core.net.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.spicejava.core.host.EventLoop;
import org.spicejava.core.net.SocketConnection;

/**
 * A server {@link JsseTransport} under a {@link SocketConnection}, against a JSSE client engine, over an in-memory
 * non-blocking socket ({@link TlsPipe}) whose writes take partial counts and 0: the handshake, data both ways,
 * close_notify each way, a client that speaks no TLS, client renegotiation under TLS 1.2 and a connection handed
 * over to another loop mid-stream (what a display channel does when it moves to its worker).
 */
class JsseTransportTest {
    static JsseTls setup;
    static SSLContext clientContext;

    static String resource(String name) {
        try {
            return Path.of(JsseTransportTest.class.getResource(name).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll
    static void contexts() throws Exception {
        setup = JsseTls.load(new TlsFiles(resource("rsa-cert.pem"), resource("rsa-cert.pem"), resource("rsa-pkcs8.pem"),
                null, null, null));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        List<Certificate> certs = PemKeys.certificates(PemKeysTest.fixture("rsa-cert.pem"));
        trust.setCertificateEntry("ca", certs.getFirst());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, tmf.getTrustManagers(), null);
    }

    /** The client side: a JSSE engine in client mode that writes straight into the pipe and reads what it holds. */
    static final class Client {
        final SSLEngine engine;
        final TlsPipe pipe;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private ByteBuffer netIn;
        private ByteBuffer appIn;
        private ByteBuffer pending = ByteBuffer.allocate(0);
        SSLException failure;
        int handshakesFinished;

        Client(TlsPipe pipe, String... protocols) {
            this.pipe = pipe;
            engine = clientContext.createSSLEngine("127.0.0.1", 5901);
            engine.setUseClientMode(true);
            engine.setEnabledProtocols(protocols);
            netIn = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
            try {
                engine.beginHandshake();
            } catch (SSLException e) {
                throw new IllegalStateException(e);
            }
        }

        void send(byte[] data) {
            ByteBuffer joined = ByteBuffer.allocate(pending.remaining() + data.length);
            joined.put(pending).put(data).flip();
            pending = joined;
        }

        boolean established() {
            HandshakeStatus hs = engine.getHandshakeStatus();
            return handshakesFinished > 0 && (hs == HandshakeStatus.NOT_HANDSHAKING || hs == HandshakeStatus.FINISHED);
        }

        /** Runs the engine until it makes no more progress; true when it did anything. */
        boolean step() {
            boolean any = false;
            while (failure == null) {
                boolean progress = false;
                try {
                    HandshakeStatus hs = engine.getHandshakeStatus();
                    if (hs == HandshakeStatus.NEED_TASK) {
                        Runnable task;
                        while ((task = engine.getDelegatedTask()) != null) {
                            task.run();
                        }
                        progress = true;
                    }
                    if (!engine.isOutboundDone() && (hs == HandshakeStatus.NEED_WRAP || pending.hasRemaining())) {
                        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
                        SSLEngineResult r = engine.wrap(pending, out);
                        count(r);
                        out.flip();
                        pipe.toServer.add(out, out.remaining());
                        progress |= r.bytesProduced() > 0 || r.bytesConsumed() > 0;
                    }
                    byte[] arrived = pipe.clientReceives();
                    if (netIn.remaining() < arrived.length) {
                        netIn = ByteBuffer.allocate(netIn.position() + arrived.length).put(netIn.flip());
                    }
                    netIn.put(arrived);
                    if (netIn.position() > 0 && !engine.isInboundDone()) {
                        netIn.flip();
                        SSLEngineResult r;
                        try {
                            r = engine.unwrap(netIn, appIn);
                        } finally {
                            netIn.compact();
                        }
                        count(r);
                        appIn.flip();
                        received.write(appIn.array(), 0, appIn.limit());
                        appIn.clear();
                        progress |= r.bytesProduced() > 0 || r.bytesConsumed() > 0;
                    }
                } catch (SSLException e) {
                    failure = e;
                    progress = true;
                }
                any |= progress;
                if (!progress) {
                    break;
                }
            }
            return any;
        }

        private void count(SSLEngineResult r) {
            if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                handshakesFinished++;
            }
        }

        byte[] take() {
            byte[] b = received.toByteArray();
            received.reset();
            return b;
        }
    }

    /** A server connection over TLS on {@code pipe}: its engine, the bytes it received and why it closed. */
    static final class Server {
        final SSLEngine engine = setup.newEngine();
        final TlsPipe pipe;
        final JsseTransport transport;
        final SocketConnection connection;
        final TlsPipe.Sink sink = new TlsPipe.Sink();
        String closeReason;

        Server(TlsPipe pipe) {
            this.pipe = pipe;
            transport = new JsseTransport(engine, pipe, TlsPipe.FD);
            connection = new SocketConnection(TlsPipe.FD, pipe, pipe, 64L << 20);
            connection.useTransport(transport);
            connection.start(sink::onData, reason -> closeReason = reason);
        }
    }

    /**
     * Alternates client and server (poll rounds) until {@code done}; false when both sides stop making progress
     * first. An exception out of the server's watch callback fails the test: none may escape to the host.
     */
    static boolean run(TlsPipe pipe, Client client, BooleanSupplier done) {
        for (int round = 0; round < 2_000_000; round++) {
            if (done.getAsBoolean()) {
                return true;
            }
            boolean progress = client != null && client.step();
            int events = 0;
            while (events < 64 && pipe.pump()) {
                events++;
            }
            progress |= events > 0;
            if (!progress && pipe.toClient.size() == 0) {
                return done.getAsBoolean();
            }
        }
        throw new AssertionError("no end after 2M rounds: a busy loop");
    }

    static String state(Server s, Client c) {
        return "server handshake " + s.engine.getHandshakeStatus() + ", watch mask " + s.pipe.mask() + ", closed "
                + s.closeReason + "; client handshake " + c.engine.getHandshakeStatus() + ", failure " + c.failure
                + "; bytes waiting for the client " + s.pipe.toClient.size() + ", for the server "
                + s.pipe.toServer.size();
    }

    static void handshake(Server server, Client client) {
        assertTrue(run(server.pipe, client, client::established), "handshake did not finish: " + state(server, client));
        assertTrue(server.connection.secure());
        assertNull(server.closeReason);
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    // ------------------------------------------------------------------ handshake and data

    @ParameterizedTest(name = "{0}, socket buffer {1}, writes up to {2}, reads up to {3}, {4} of writes EAGAIN")
    @CsvSource({
        "TLSv1.3, 8388608, 8388608, 1048576, 0",
        "TLSv1.2, 8388608, 8388608, 1048576, 0",
        "TLSv1.3, 65536, 9000, 3000, 0.2",
        "TLSv1.2, 65536, 9000, 3000, 0.2",
        "TLSv1.3, 4096, 1500, 700, 0.3",
        "TLSv1.2, 4096, 1500, 700, 0.3",
    })
    void dataBothWays(String protocol, int capacity, int maxWrite, int maxRead, double zeroWrites) {
        TlsPipe pipe = new TlsPipe(capacity ^ maxWrite, capacity, maxWrite, maxRead, zeroWrites);
        Server server = new Server(pipe);
        Client client = new Client(pipe, protocol);
        handshake(server, client);
        assertEquals(protocol, server.engine.getSession().getProtocol());

        byte[] up = randomBytes(1 << 20, 1);
        for (int at = 0; at < up.length; at += 50_000) {
            client.send(Arrays.copyOfRange(up, at, Math.min(up.length, at + 50_000)));
        }
        assertTrue(run(pipe, client, () -> server.sink.size() == up.length),
                "client to server: " + server.sink.size() + " of " + up.length + "; " + state(server, client));
        assertArrayEquals(up, server.sink.bytes.toByteArray());

        int[] sizes = {1, 100, 16384, 16385, 70_000, 1_000_000, 3_000_000, 7};
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        AtomicInteger written = new AtomicInteger();
        for (int i = 0; i < sizes.length; i++) {
            byte[] message = randomBytes(sizes[i], 100 + i);
            expected.writeBytes(message);
            server.connection.send(ByteBuffer.wrap(message), written::incrementAndGet);
        }
        assertTrue(run(pipe, client, () -> client.received.size() == expected.size()),
                "server to client: " + client.received.size() + " of " + expected.size() + "; " + state(server, client));
        assertArrayEquals(expected.toByteArray(), client.take());
        assertEquals(sizes.length, written.get(), "every send's completion ran");
        assertEquals(0, server.connection.queuedBytes());
        assertNull(server.closeReason);
        assertEquals(EventLoop.READ, pipe.mask(), "idle: no write watch left (it would spin the host's loop)");
        if (zeroWrites > 0) {
            assertTrue(pipe.zeroWriteCalls > 0, "the socket refused some writes");
        }
    }

    /** Both directions at once: the client sends while the server's large output is still queued. */
    @Test
    void interleavedTraffic() {
        TlsPipe pipe = new TlsPipe(7, 8192, 3000, 1000, 0.25);
        Server server = new Server(pipe);
        Client client = new Client(pipe, "TLSv1.3");
        handshake(server, client);
        byte[] down = randomBytes(2_000_000, 3);
        byte[] up = randomBytes(500_000, 4);
        server.connection.send(ByteBuffer.wrap(down));
        client.send(up);
        assertTrue(run(pipe, client, () -> server.sink.size() == up.length && client.received.size() == down.length),
                state(server, client));
        assertArrayEquals(up, server.sink.bytes.toByteArray());
        assertArrayEquals(down, client.take());
    }

    /**
     * The handshake over a socket that takes a few bytes per write and often none: every handshake record the
     * server has to send must get out, even when the socket drains between two of them.
     */
    @ParameterizedTest(name = "{0}, writes up to {1} bytes")
    @CsvSource({"TLSv1.3, 1000", "TLSv1.2, 1000", "TLSv1.3, 100", "TLSv1.2, 100", "TLSv1.3, 7", "TLSv1.2, 7"})
    void handshakeThroughTinyWrites(String protocol, int maxWrite) {
        TlsPipe pipe = new TlsPipe(maxWrite, 4 * maxWrite, maxWrite, 50, 0.3);
        Server server = new Server(pipe);
        Client client = new Client(pipe, protocol);
        handshake(server, client);
        client.send("ping".getBytes(StandardCharsets.US_ASCII));
        server.connection.send(ByteBuffer.wrap("pong".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(run(pipe, client, () -> server.sink.size() == 4 && client.received.size() == 4),
                state(server, client));
    }

    // ------------------------------------------------------------------ closing

    /**
     * The client says close_notify and keeps its socket open (as a TLS stack may, waiting for ours): the server
     * closes the connection, after delivering what came before, as the reference does on SSL_ERROR_ZERO_RETURN.
     */
    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void closeNotifyFromTheClientClosesTheConnection(String protocol) {
        TlsPipe pipe = TlsPipe.roomy();
        Server server = new Server(pipe);
        Client client = new Client(pipe, protocol);
        handshake(server, client);
        byte[] last = "last words".getBytes(StandardCharsets.US_ASCII);
        client.send(last);
        client.step();
        client.engine.closeOutbound();
        client.step(); // the data and close_notify arrive in one read
        assertEquals(0, server.sink.size());
        assertTrue(run(pipe, client, () -> server.closeReason != null),
                "close_notify did not close the connection: " + state(server, client));
        assertArrayEquals(last, server.sink.bytes.toByteArray());
        assertTrue(pipe.serverClosed);
    }

    /** close_notify, then the socket's end: the connection closes (the easy case). */
    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void closeNotifyThenEndOfStream(String protocol) {
        TlsPipe pipe = TlsPipe.roomy();
        Server server = new Server(pipe);
        Client client = new Client(pipe, protocol);
        handshake(server, client);
        client.engine.closeOutbound();
        client.step();
        pipe.clientClosed = true;
        assertTrue(run(pipe, client, () -> server.closeReason != null), state(server, client));
        assertTrue(pipe.serverClosed);
    }

    /** The end of the stream without close_notify (a killed client) closes too. */
    @Test
    void endOfStreamWithoutCloseNotify() {
        TlsPipe pipe = TlsPipe.roomy();
        Server server = new Server(pipe);
        Client client = new Client(pipe, "TLSv1.3");
        handshake(server, client);
        pipe.clientClosed = true;
        assertTrue(run(pipe, client, () -> server.closeReason != null), state(server, client));
    }

    /** The server closing says close_notify first, which the client reads as the end of the session. */
    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void serverCloseSendsCloseNotify(String protocol) {
        TlsPipe pipe = TlsPipe.roomy();
        Server server = new Server(pipe);
        Client client = new Client(pipe, protocol);
        handshake(server, client);
        server.connection.send(ByteBuffer.wrap("bye".getBytes(StandardCharsets.US_ASCII)));
        server.connection.close("test ends");
        client.step();
        assertArrayEquals("bye".getBytes(StandardCharsets.US_ASCII), client.take());
        assertTrue(client.engine.isInboundDone(), "close_notify received");
        assertNull(client.failure);
    }

    // ------------------------------------------------------------------ clients that speak no TLS

    static byte[] hex(String s) {
        return java.util.HexFormat.of().parseHex(s);
    }

    /**
     * Bytes that are no ClientHello: the connection closes with a reason and no exception reaches the loop (the
     * watch callback would throw it into {@link #run}); whatever the server wrote back is a TLS alert.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "spice-link",     // a plain SPICE client on the TLS port: "REDQ" and a link header
        "http",
        "random-5",
        "random-20000",
        "ssl2-hello",
        "record-too-long", // a handshake record header claiming 65535 bytes
        "alert-first",
        "appdata-first",
    })
    void garbageInsteadOfClientHello(String kind) {
        byte[] payload = switch (kind) {
            case "spice-link" -> hex("5245445102000000020000001a0000000000000001000100000000001200000007000000");
            case "http" -> "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            case "random-5" -> randomBytes(5, 5);
            case "random-20000" -> randomBytes(20000, 6);
            // an SSLv2-format ClientHello for TLS 1.0: 8 cipher specs, no session id, a 16-byte challenge
            case "ssl2-hello" -> hex("8031" + "010301" + "0018" + "0000" + "0010"
                    + "0100800300800700c0060040020080040080000039000038" + "00112233445566778899aabbccddeeff");
            case "record-too-long" -> {
                byte[] b = new byte[65540];
                b[0] = 0x16;
                b[1] = 3;
                b[2] = 1;
                b[3] = (byte) 0xff;
                b[4] = (byte) 0xff;
                yield b;
            }
            case "alert-first" -> hex("15030100020228");
            case "appdata-first" -> hex("1703030010000102030405060708090a0b0c0d0e0f");
            default -> throw new IllegalArgumentException(kind);
        };
        TlsPipe pipe = TlsPipe.roomy();
        Server server = new Server(pipe);
        pipe.toServer.add(payload);
        run(pipe, null, () -> server.closeReason != null);
        assertNotNull(server.closeReason, kind + ": the connection stays open; " + pipe.toServer.size() + " unread");
        assertTrue(pipe.serverClosed);
        assertTrue(server.closeReason.startsWith("read failed: "), server.closeReason);
        byte[] reply = pipe.clientReceives();
        if (reply.length > 0) {
            assertEquals(0x15, reply[0], kind + ": the server answered with a TLS alert record");
        }
    }

    /** A ClientHello cut short and then the end of the stream. */
    @Test
    void truncatedClientHelloThenEnd() {
        TlsPipe scratch = TlsPipe.roomy();
        Client probe = new Client(scratch, "TLSv1.3");
        probe.step();
        byte[] hello = new byte[scratch.toServer.size()];
        scratch.toServer.take(ByteBuffer.wrap(hello), hello.length);
        TlsPipe pipe = TlsPipe.roomy();
        Server server = new Server(pipe);
        pipe.toServer.add(Arrays.copyOf(hello, hello.length / 2));
        run(pipe, null, () -> false);
        assertNull(server.closeReason, "half a ClientHello: wait for the rest");
        pipe.clientClosed = true;
        run(pipe, null, () -> server.closeReason != null);
        assertNotNull(server.closeReason);
    }

    // ------------------------------------------------------------------ renegotiation

    /**
     * A TLS 1.2 client asks to renegotiate: refused (the reference sets SSL_OP_NO_RENEGOTIATION; JSSE with
     * jdk.tls.rejectClientInitiatedRenegotiation answers handshake_failure). The second handshake never finishes.
     */
    @Test
    void clientRenegotiationRefusedUnderTls12() {
        TlsPipe pipe = TlsPipe.roomy();
        Server server = new Server(pipe);
        Client client = new Client(pipe, "TLSv1.2");
        handshake(server, client);
        client.send("before".getBytes(StandardCharsets.US_ASCII));
        assertTrue(run(pipe, client, () -> server.sink.size() == 6));
        int handshakes = client.handshakesFinished;
        try {
            client.engine.beginHandshake();
        } catch (SSLException e) {
            throw new AssertionError(e);
        }
        run(pipe, client, () -> server.closeReason != null || client.failure != null
                || client.handshakesFinished > handshakes);
        assertEquals(handshakes, client.handshakesFinished, "the renegotiation completed: " + state(server, client));
        assertTrue(server.closeReason != null || client.failure != null, state(server, client));
        assertNotNull(server.closeReason, "a client that renegotiates is dropped");
        assertTrue(server.closeReason.contains("renegotiation"), server.closeReason);
    }

    /** The refusal reaches the client as a fatal alert before the socket closes, so it can say why. */
    @Test
    void refusedRenegotiationReachesTheClientAsAnAlert() throws SSLException {
        TlsPipe pipe = TlsPipe.roomy();
        Server server = new Server(pipe);
        Client client = new Client(pipe, "TLSv1.2");
        handshake(server, client);
        client.engine.beginHandshake();
        run(pipe, client, () -> server.closeReason != null);
        client.step();
        assertNotNull(client.failure, "the client heard nothing: " + state(server, client));
        assertTrue(client.failure.getMessage().contains("handshake_failure"), client.failure.getMessage());
    }

    // ------------------------------------------------------------------ hand-over to another loop

    /**
     * The link stage hands a connection to a display worker's loop while bytes of the next message already sit
     * decrypted inside the transport: they arrive on the new loop, and the session goes on both ways.
     */
    @ParameterizedTest(name = "{0} bytes after the first message")
    @ValueSource(ints = {100, 10_000, 30_000})
    void handOverMidStream(int size) {
        TlsPipe pipe = TlsPipe.roomy();
        Server server = new Server(pipe);
        Client client = new Client(pipe, "TLSv1.3");
        handshake(server, client);
        TlsPipe.Sink second = new TlsPipe.Sink();
        String[] secondClose = {null};
        SocketConnection[] adopted = {null};
        server.connection.setReader(data -> {
            byte[] first = new byte[Math.min(10, data.remaining())];
            data.get(first);
            server.sink.bytes.writeBytes(first);
            if (server.sink.size() == 10 && adopted[0] == null) {
                SocketConnection.Handover h = server.connection.handOver();
                adopted[0] = SocketConnection.adopt(h, pipe);
                adopted[0].start(second::onData, reason -> secondClose[0] = reason);
            }
        });
        // one record: the server reads it whole, its reader gets the first 4 KB of it
        byte[] message = (("A".repeat(10)) + "B".repeat(size)).getBytes(StandardCharsets.US_ASCII);
        client.send(message);
        assertTrue(run(pipe, client, () -> second.size() == size),
                "after the hand-over, " + second.size() + " of " + size + " bytes arrived");
        assertEquals("A".repeat(10), server.sink.bytes.toString(StandardCharsets.US_ASCII));
        assertEquals("B".repeat(size), second.bytes.toString(StandardCharsets.US_ASCII));
        adopted[0].send(ByteBuffer.wrap("from the worker".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(run(pipe, client, () -> client.received.size() == 15));
        assertEquals("from the worker", client.received.toString(StandardCharsets.US_ASCII));
        assertNull(secondClose[0]);
        assertFalse(pipe.serverClosed);
    }
}
