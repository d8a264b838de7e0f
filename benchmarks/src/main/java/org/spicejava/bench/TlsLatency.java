package org.spicejava.bench;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * What a TLS handshake costs, the reference library against ours, against native-headers' inputs harness with a
 * TLS port (HARNESS_TLS_PORT, HARNESS_X509_DIR): the time from TCP connect to MAIN_INIT on the main channel over
 * the plain port and over TLS 1.3 and 1.2 (a fresh client context each time, so every handshake is a full one,
 * no resumption), the TLS handshake alone, the very first TLS connection of a fresh server (ours: a cold JVM),
 * and the harness process's CPU time per connection (all its threads: the server's and, for ours, the JVM's,
 * including the 100 ms idle after each connection, so compare differences). The client's own JSSE is warmed up
 * first against an in-process server, then each harness gets WARMUP TLS connections before the measured ones;
 * plain, TLS 1.3 and TLS 1.2 connections alternate so that drift (JIT, machine load) hits them alike.
 * Usage: TlsLatency HARNESS OUR_LIB_DIR X509_DIR [CONNECTIONS per kind, default 40] [WARMUP, default 40]
 */
public final class TlsLatency {
    private TlsLatency() {
    }

    /** Medians in ms, CPU in ms per connection. */
    record Figures(double firstTls, double plain, double tls13, double tls13Handshake, double tls12,
                   double tls12Handshake, double cpuPlain, double cpuTls13, double cpuTls12) {
    }

    public static void main(String[] args) throws Exception {
        String harness = args[0];
        String ourLib = args[1];
        Path x509 = Path.of(args[2]);
        int n = args.length > 3 ? Integer.parseInt(args[3]) : 40;
        int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 40;
        warmClient(x509);
        Figures ref = measure(harness, null, x509, n, warmup);
        Figures ours = measure(harness, ourLib, x509, n, warmup);
        System.out.printf("%-44s %10s %10s %7s%n", "median, " + n + " connections each (" + warmup + " warm-up)",
                "reference", "ours", "ratio");
        row("first TLS 1.3 connect-to-MAIN_INIT ms", ref.firstTls(), ours.firstTls());
        row("plain connect-to-MAIN_INIT ms", ref.plain(), ours.plain());
        row("TLS 1.3 connect-to-MAIN_INIT ms", ref.tls13(), ours.tls13());
        row("TLS 1.3 handshake ms", ref.tls13Handshake(), ours.tls13Handshake());
        row("TLS 1.2 connect-to-MAIN_INIT ms", ref.tls12(), ours.tls12());
        row("TLS 1.2 handshake ms", ref.tls12Handshake(), ours.tls12Handshake());
        row("server CPU ms per plain connection", ref.cpuPlain(), ours.cpuPlain());
        row("server CPU ms per TLS 1.3 connection", ref.cpuTls13(), ours.cpuTls13());
        row("server CPU ms per TLS 1.2 connection", ref.cpuTls12(), ours.cpuTls12());
        System.out.printf("TLS 1.3 / plain connect-to-MAIN_INIT: reference %.2f, ours %.2f%n",
                ref.tls13() / ref.plain(), ours.tls13() / ours.plain());
        System.out.printf("TLS 1.3 extra server CPU per connection ms: reference %.2f, ours %.2f%n",
                ref.cpuTls13() - ref.cpuPlain(), ours.cpuTls13() - ours.cpuPlain());
    }

    static void row(String what, double ref, double ours) {
        System.out.printf("%-44s %10.2f %10.2f %7.2f%n", what, ref, ours, ours / ref);
    }

    static SSLContext clientContext(Path x509) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(x509.resolve("ca-cert.pem"))) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Full handshakes against an in-process JSSE server until the client's TLS code is compiled. */
    static void warmClient(Path x509) throws Exception {
        java.security.PrivateKey key = org.spicejava.core.net.tls.PemKeys.privateKey(
                Files.readAllBytes(x509.resolve("server-key.pem")), null);
        java.security.cert.Certificate[] chain = org.spicejava.core.net.tls.PemKeys.certificates(
                Files.readAllBytes(x509.resolve("server-cert.pem"))).toArray(java.security.cert.Certificate[]::new);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("k", key, new char[0], chain);
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, new char[0]);
        SSLContext serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);
        try (javax.net.ssl.SSLServerSocket server = (javax.net.ssl.SSLServerSocket) serverContext
                .getServerSocketFactory().createServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread accepter = Thread.ofPlatform().daemon().start(() -> {
                while (!server.isClosed()) {
                    try (SSLSocket s = (SSLSocket) server.accept()) {
                        s.startHandshake();
                        s.getOutputStream().write(1);
                        s.getInputStream().read();
                    } catch (java.io.IOException e) {
                        // the next one
                    }
                }
            });
            for (int i = 0; i < 200; i++) {
                SSLContext context = clientContext(x509);
                try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1",
                        server.getLocalPort())) {
                    s.setEnabledProtocols(new String[] {i % 2 == 0 ? "TLSv1.3" : "TLSv1.2"});
                    s.startHandshake();
                    s.getInputStream().read();
                    s.getOutputStream().write(1);
                }
            }
            server.close();
            accepter.join(1000);
        }
    }

    static Figures measure(String harness, String libDir, Path x509, int n, int warmup) throws Exception {
        int port = freePort();
        int tlsPort = freePort();
        ProcessBuilder pb = new ProcessBuilder(harness, String.valueOf(port))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("HARNESS_SECONDS", "600");
        pb.environment().put("HARNESS_TLS_PORT", String.valueOf(tlsPort));
        pb.environment().put("HARNESS_X509_DIR", x509.toString());
        pb.environment().remove("LD_LIBRARY_PATH");
        if (libDir != null) {
            pb.environment().put("LD_LIBRARY_PATH", libDir);
        }
        Process host = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(host.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.equals("ready")) {
            if (line.startsWith("init failed")) {
                throw new IllegalStateException("harness: " + line);
            }
        }
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (out.readLine() != null) {
                    // keep the pipe drained
                }
            } catch (java.io.IOException ignored) {
                // host ended
            }
        });
        try {
            double first = connect(x509, tlsPort, "TLSv1.3")[1];
            double[] plain = new double[n];
            double[] tls13 = new double[n];
            double[] tls13hs = new double[n];
            double[] tls12 = new double[n];
            double[] tls12hs = new double[n];
            double[] cpu = new double[3];
            for (int i = 0; i < warmup; i++) { // not counted (ours: the JIT compiles the handshake's code)
                connect(x509, tlsPort, i % 2 == 0 ? "TLSv1.3" : "TLSv1.2");
            }
            for (int i = 0; i < n; i++) {
                double c0 = cpuMs(host);
                plain[i] = connect(x509, port, null)[1];
                double c1 = cpuMs(host);
                double[] t13 = connect(x509, tlsPort, "TLSv1.3");
                double c2 = cpuMs(host);
                double[] t12 = connect(x509, tlsPort, "TLSv1.2");
                double c3 = cpuMs(host);
                tls13hs[i] = t13[0];
                tls13[i] = t13[1];
                tls12hs[i] = t12[0];
                tls12[i] = t12[1];
                cpu[0] += c1 - c0;
                cpu[1] += c2 - c1;
                cpu[2] += c3 - c2;
            }
            return new Figures(first, SessionLatency.median(plain), SessionLatency.median(tls13),
                    SessionLatency.median(tls13hs), SessionLatency.median(tls12), SessionLatency.median(tls12hs),
                    cpu[0] / n, cpu[1] / n, cpu[2] / n);
        } finally {
            host.destroy();
            host.waitFor(5, TimeUnit.SECONDS);
        }
    }

    static double cpuMs(Process p) {
        return p.info().totalCpuDuration().orElse(Duration.ZERO).toNanos() / 1e6;
    }

    /**
     * One main channel connection, closed after MAIN_INIT: {handshake ms (0 for plain), connect-to-MAIN_INIT ms}.
     * Waits after closing so the server drops the session before the next one (the reference resets otherwise).
     */
    static double[] connect(Path x509, int port, String protocol) throws Exception {
        SSLContext context = protocol == null ? null : clientContext(x509); // a fresh one: no session to resume
        long t0 = System.nanoTime();
        double handshake = 0;
        Socket tcp = new Socket("127.0.0.1", port);
        tcp.setTcpNoDelay(true); // before the handshake: TLS 1.2's client flight goes out as several small writes
        Socket s = context == null ? tcp : context.getSocketFactory().createSocket(tcp, "127.0.0.1", port, true);
        if (s instanceof SSLSocket tls) {
            tls.setEnabledProtocols(new String[] {protocol});
            tls.startHandshake();
            handshake = (System.nanoTime() - t0) / 1e6;
        }
        try (s) {
            s.setSoTimeout(10_000);
            SessionLatency.link(s, 0, 1);
            SessionLatency.message(s.getInputStream());
            double total = (System.nanoTime() - t0) / 1e6;
            return new double[] {handshake, total};
        } finally {
            Thread.sleep(100);
        }
    }
}
