package org.spicejava.ffi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.spicejava.core.host.NetworkStack;
import org.spicejava.core.net.tls.SecureTransport;
import org.spicejava.core.net.tls.TlsFiles;
import org.spicejava.core.net.tls.TlsServer;
import org.spicejava.core.net.tls.TlsSetupException;

/**
 * The OpenSSL server transport on a real non-blocking socket, against the JDK's TLS client: the handshake as reads
 * arrive, data both ways (a payload far larger than the socket's buffers, so writes stop on a full socket and
 * resume with the record OpenSSL kept), the cipher's bits, close_notify, a client that speaks no TLS, and the
 * context's set-up from spice_server_set_tls's files (encrypted keys, DH parameters, cipher strings) as the
 * reference's OpenSSL set-up takes them. The key fixtures are spice-core's (made by its make-keys.sh).
 */
class OpenSslTransportTest {
    static final Path KEYS = Path.of("../spice-core/src/test/resources/org/spicejava/core/net/tls");
    static final String PASSWORD = "spice-test-pass";
    static OpenSsl ssl;
    static SSLContext client;

    final LibcNetwork network = new LibcNetwork();
    int listenFd = -1;
    int fd = -1;
    SecureTransport transport;
    TlsServer server;

    @BeforeAll
    static void library() throws Exception {
        ssl = OpenSsl.library();
        assertNotNull(ssl, OpenSsl.LIBRARY + " must load (Debian's libssl3)");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (String cert : new String[] {"rsa-cert.pem", "ec-cert.pem"}) {
            try (InputStream in = Files.newInputStream(KEYS.resolve(cert))) {
                trust.setCertificateEntry(cert, CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
    }

    @AfterEach
    void close() {
        if (transport != null) {
            transport.close();
        }
        if (server != null) {
            server.close();
        }
        for (int f : new int[] {fd, listenFd}) {
            if (f >= 0) {
                network.close(f);
            }
        }
    }

    static TlsFiles files(String key, String password, String dh, String ciphers) {
        String cert = KEYS.resolve(key.startsWith("ec") ? "ec-cert.pem" : "rsa-cert.pem").toString();
        return new TlsFiles(cert, cert, KEYS.resolve(key).toString(), password, dh, ciphers);
    }

    /** A client of the JDK on a thread of its own, connected to a server transport on an accepted fd. */
    SSLSocket connect(TlsFiles files, String protocol) throws Exception {
        server = ssl.load(files);
        listenFd = network.listen("127.0.0.1", 0, NetworkStack.FAMILY_IPV4);
        SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1",
                network.localAddress(listenFd).getPort());
        socket.setEnabledProtocols(new String[] {protocol});
        socket.setSoTimeout(20_000);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((fd = network.accept(listenFd)) < 0) {
            assertTrue(System.nanoTime() < deadline, "no connection accepted");
            Thread.sleep(5);
        }
        transport = server.open(network, fd);
        return socket;
    }

    /** Reads from the transport until {@code n} bytes came (the handshake runs inside), as a loop would. */
    byte[] readServer(int n) throws Exception {
        ByteBuffer in = ByteBuffer.allocate(n);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (in.hasRemaining()) {
            transport.flush();
            int got = transport.read(in);
            assertTrue(got >= 0, "the stream ended after " + in.position() + " bytes");
            if (got == 0) {
                assertTrue(System.nanoTime() < deadline, "timed out after " + in.position() + " bytes");
                Thread.sleep(1);
            }
        }
        return in.array();
    }

    /**
     * Writes all of {@code data} as a connection does, offering what was not taken again, in slices; returns how
     * often the socket was full.
     */
    int writeServer(byte[] data, int slice) throws Exception {
        int stalls = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int at = 0; at < data.length; at += slice) {
            ByteBuffer src = ByteBuffer.wrap(data, at, Math.min(slice, data.length - at));
            while (src.hasRemaining()) {
                transport.flush();
                if (transport.write(src) == 0) {
                    stalls++;
                    assertTrue(transport.wantsWritable(true), "a full socket must ask for a writable event");
                    assertTrue(System.nanoTime() < deadline, "timed out writing");
                    Thread.sleep(1);
                }
            }
        }
        return stalls;
    }

    /** The client writes one byte on a thread of its own (its handshake needs the server's reads meanwhile). */
    static void sendAsync(SSLSocket socket, int b) {
        CompletableFuture.runAsync(() -> {
            try {
                socket.getOutputStream().write(b);
                socket.getOutputStream().flush();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }

    @ParameterizedTest
    @CsvSource({"TLSv1.3, TLS_AES_256_GCM_SHA384, 256", "TLSv1.3, TLS_AES_128_GCM_SHA256, 128",
            "TLSv1.2, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 256"})
    void handshakeAndDataBothWays(String protocol, String suite, int bits) throws Exception {
        SSLSocket socket = connect(files("rsa-pkcs8.pem", null, null, null), protocol);
        socket.setEnabledCipherSuites(new String[] {suite});
        byte[] hello = "REDQ link message".getBytes(StandardCharsets.US_ASCII);
        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
            try {
                socket.getOutputStream().write(hello);
                socket.getOutputStream().flush();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        assertArrayEquals(hello, readServer(hello.length));
        sent.get(20, TimeUnit.SECONDS);
        assertEquals(protocol, socket.getSession().getProtocol());
        assertEquals(suite, socket.getSession().getCipherSuite());
        assertEquals(bits, transport.cipherBits());
        assertTrue(transport.secure());

        // 24 MiB in slices of 1 MiB: far more than loopback's socket buffers hold while the client sleeps first
        byte[] payload = new byte[24 << 20];
        new Random(7).nextBytes(payload);
        CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
            try {
                Thread.sleep(300);
                return socket.getInputStream().readNBytes(payload.length);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(writeServer(payload, 1 << 20) > 0, "the socket never filled up: no write was retried");
        assertArrayEquals(payload, received.get(30, TimeUnit.SECONDS));
        assertTrue(!transport.wantsWritable(false), "nothing left for the socket");

        transport.close(); // close_notify: the client's stream ends
        transport = null;
        assertEquals(-1, socket.getInputStream().read());
        socket.close();
    }

    @Test
    void clientCloseNotifyEndsTheStream() throws Exception {
        SSLSocket socket = connect(files("rsa-pkcs8.pem", null, null, null), "TLSv1.3");
        sendAsync(socket, 1);
        assertArrayEquals(new byte[] {1}, readServer(1));
        socket.close();
        ByteBuffer in = ByteBuffer.allocate(16);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int n;
        while ((n = transport.read(in)) == 0) {
            assertTrue(System.nanoTime() < deadline, "no end of stream");
            Thread.sleep(1);
        }
        assertEquals(-1, n);
    }

    @Test
    void aClientThatSpeaksNoTlsFailsTheRead() throws Exception {
        server = ssl.load(files("rsa-pkcs8.pem", null, null, null));
        listenFd = network.listen("127.0.0.1", 0, NetworkStack.FAMILY_IPV4);
        try (Socket plain = new Socket("127.0.0.1", network.localAddress(listenFd).getPort())) {
            plain.getOutputStream().write("REDQ\u0002\u0000\u0000\u0000 not a ClientHello at all, sorry"
                    .getBytes(StandardCharsets.US_ASCII));
            while ((fd = network.accept(listenFd)) < 0) {
                Thread.sleep(5);
            }
            transport = server.open(network, fd);
            ByteBuffer in = ByteBuffer.allocate(64);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            IOException e = assertThrows(IOException.class, () -> {
                while (transport.read(in) == 0) {
                    assertTrue(System.nanoTime() < deadline, "the garbage was not refused");
                    Thread.sleep(1);
                }
            });
            assertTrue(e.getMessage().startsWith("TLS read"), e.getMessage());
        }
    }

    @ParameterizedTest
    @CsvSource({"rsa-pkcs1-aes256.pem", "rsa-pkcs1-des3.pem", "rsa-pkcs8-enc.pem", "rsa-pkcs8-enc-v1.pem",
            "ec-sec1-aes256.pem"})
    void encryptedKeysLoadWithTheirPasswordOnly(String key) throws Exception {
        ssl.load(files(key, PASSWORD, null, null)).close();
        for (String wrong : new String[] {"not-the-password", "", null}) {
            TlsSetupException e = assertThrows(TlsSetupException.class, () -> ssl.load(files(key, wrong, null, null)));
            assertTrue(e.getMessage().startsWith("cannot use the private key"), e.getMessage());
        }
    }

    @Test
    void anEcKeyServes() throws Exception {
        SSLSocket socket = connect(files("ec-sec1.pem", null, null, null), "TLSv1.3");
        sendAsync(socket, 42);
        assertArrayEquals(new byte[] {42}, readServer(1));
        socket.close();
    }

    @Test
    void cipherStringsAsOpenSslReadsThem() throws Exception {
        // static RSA suites: the JDK disables them, OpenSSL (and so the reference) accepts the string
        ssl.load(files("rsa-pkcs8.pem", null, null, "AES256-SHA")).close();
        ssl.load(files("rsa-pkcs8.pem", null, null, "HIGH:!aNULL:!MD5")).close();
        TlsSetupException e = assertThrows(TlsSetupException.class,
                () -> ssl.load(files("rsa-pkcs8.pem", null, null, "NOSUCHCIPHER")));
        assertTrue(e.getMessage().contains("selects no cipher"), e.getMessage());
    }

    @Test
    void missingFilesAndDhParameters(@TempDir Path dir) throws Exception {
        assertThrows(TlsSetupException.class,
                () -> ssl.load(new TlsFiles("/nonexistent/ca.pem", KEYS.resolve("rsa-cert.pem").toString(),
                        KEYS.resolve("rsa-pkcs8.pem").toString(), null, null, null)));
        assertThrows(TlsSetupException.class, () -> ssl.load(files("rsa-pkcs8.pem", null, "/nonexistent/dh.pem",
                null)));
        Path notDh = dir.resolve("dh.pem");
        Files.writeString(notDh, "-----BEGIN DH PARAMETERS-----\nAAAA\n-----END DH PARAMETERS-----\n");
        assertThrows(TlsSetupException.class, () -> ssl.load(files("rsa-pkcs8.pem", null, notDh.toString(), null)));
        Path dh = dir.resolve("dh2048.pem");
        Process p = new ProcessBuilder("openssl", "dhparam", "-dsaparam", "-out", dh.toString(), "2048")
                .redirectErrorStream(true).start();
        p.getInputStream().transferTo(OutputStream.nullOutputStream());
        assertEquals(0, p.waitFor(), "openssl dhparam");
        SSLSocket socket = connect(files("rsa-pkcs8.pem", null, dh.toString(), null), "TLSv1.2");
        socket.setEnabledCipherSuites(new String[] {"TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"});
        sendAsync(socket, 7);
        assertArrayEquals(new byte[] {7}, readServer(1));
        assertEquals("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", socket.getSession().getCipherSuite());
        socket.close();
    }
}
