package org.spicejava.ffi.it;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import javax.net.ssl.SSLContext;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

/**
 * A directory served read-only over HTTP or HTTPS on 127.0.0.1 (the JDK's server), as a browser client's page
 * comes from a web server: module scripts need an http(s) origin and a JavaScript content type, file:// will not do.
 */
final class StaticFiles implements AutoCloseable {
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "png", "image/png",
            "svg", "image/svg+xml");

    private final HttpServer server;
    private final Path root;
    private final ExecutorService threads = Executors.newCachedThreadPool();

    private StaticFiles(HttpServer server, Path root) {
        this.server = server;
        this.root = root.toAbsolutePath().normalize();
        server.createContext("/", this::serve);
        server.setExecutor(threads); // a browser asks for many module scripts at once
        server.start();
    }

    /** Serves {@code root} over plain HTTP. */
    static StaticFiles http(Path root) throws IOException {
        return new StaticFiles(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16), root);
    }

    /** Serves {@code root} over HTTPS with the key and certificate of {@code tls}. */
    static StaticFiles https(Path root, SSLContext tls) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        return new StaticFiles(server, root);
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            Path file = root.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
            if (!exchange.getRequestMethod().equals("GET") || !file.startsWith(root) || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            String name = file.getFileName().toString();
            String type = TYPES.getOrDefault(name.substring(name.lastIndexOf('.') + 1), "application/octet-stream");
            exchange.getResponseHeaders().set("Content-Type", type);
            byte[] body = Files.readAllBytes(file);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
