package org.spicejava.ffi.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's Chromium, headless, driven through the DevTools protocol over a WebSocket (the JDK's client): one page
 * whose console lines and uncaught exceptions are kept (dialogs are dismissed), JavaScript evaluated in it, keys
 * typed into it. Works
 * without a display: {@code --headless=new}, and {@code --no-sandbox} since tests may run as root. The browser's
 * own profile and log live in the directory it is started in; {@link #close} kills it.
 */
final class Chromium implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final long CALL_SECONDS = 30;

    private final Process process;
    private final WebSocket socket;
    private final Map<Integer, CompletableFuture<Object>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final List<String> console = Collections.synchronizedList(new ArrayList<>());
    private String session;

    private Chromium(Process process, WebSocket.Builder builder, URI endpoint) throws Exception {
        this.process = process;
        this.socket = builder.buildAsync(endpoint, new Listener()).get(CALL_SECONDS, TimeUnit.SECONDS);
    }

    static void require() {
        Peers.require(Files.isExecutable(BINARY), "chromium (" + BINARY + ")");
    }

    /** Starts the browser with its profile in {@code dir} and attaches to a fresh blank page. */
    static Chromium start(Path dir, List<Process> started, String... extraFlags) throws Exception {
        require();
        Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
        List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--headless=new", "--no-sandbox",
                "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--password-store=basic", "--window-size=1024,768", "--remote-debugging-port=0",
                "--user-data-dir=" + profile));
        command.addAll(List.of(extraFlags));
        command.add("about:blank");
        Files.deleteIfExists(profile.resolve("DevToolsActivePort")); // a profile used before keeps the old port
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("chromium.log").toFile()).start();
        started.add(p);
        // The browser writes its DevTools port and path here once it listens.
        Path active = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<String> lines = List.of();
        while (lines.size() < 2) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException("Chromium did not open its DevTools port (exit "
                        + (p.isAlive() ? "none" : p.exitValue()) + "); log: "
                        + Files.readString(dir.resolve("chromium.log")));
            }
            Thread.sleep(50);
            if (Files.exists(active)) {
                lines = Files.readAllLines(active);
            }
        }
        URI endpoint = URI.create("ws://127.0.0.1:" + lines.get(0).trim() + lines.get(1).trim());
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(CALL_SECONDS));
        try {
            Chromium chromium = new Chromium(p, builder, endpoint);
            chromium.attach();
            return chromium;
        } catch (Exception | Error e) {
            p.destroyForcibly();
            throw e;
        }
    }

    private void attach() throws Exception {
        Object target = call(null, "Target.createTarget", Map.of("url", "about:blank"));
        Object attached = call(null, "Target.attachToTarget",
                Map.of("targetId", Json.at(target, "targetId"), "flatten", true));
        session = (String) Json.at(attached, "sessionId");
        page("Runtime.enable", Map.of());
        page("Page.enable", Map.of());
    }

    /** A DevTools command on the page; returns its result. */
    Object page(String method, Map<String, Object> params) throws Exception {
        return call(session, method, params);
    }

    private Object call(String sessionId, String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("id", id);
        message.put("method", method);
        message.put("params", params);
        if (sessionId != null) {
            message.put("sessionId", sessionId);
        }
        CompletableFuture<Object> reply = new CompletableFuture<>();
        pending.put(id, reply);
        synchronized (socket) {
            socket.sendText(Json.write(message), true).get(CALL_SECONDS, TimeUnit.SECONDS);
        }
        try {
            return reply.get(CALL_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IOException("Chromium did not answer " + method + " within " + CALL_SECONDS + " s", e);
        } finally {
            pending.remove(id);
        }
    }

    /** Loads {@code url} in the page (returns when the browser has started loading it). */
    void navigate(String url) throws Exception {
        Object result = page("Page.navigate", Map.of("url", url));
        Object error = Json.at(result, "errorText");
        if (error != null) {
            throw new IOException("Chromium could not load " + url + ": " + error);
        }
    }

    /** Runs {@code script} in every document the page loads from now on, before the document's own scripts. */
    void beforeEachDocument(String script) throws Exception {
        page("Page.addScriptToEvaluateOnNewDocument", Map.of("source", script));
    }

    /** Evaluates a JavaScript expression (a promise is awaited); returns its value as JSON shapes. */
    Object evaluate(String expression) throws Exception {
        Object result = page("Runtime.evaluate",
                Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
        Object exception = Json.at(result, "exceptionDetails");
        if (exception != null) {
            throw new IOException("JavaScript failed: " + Json.write(exception));
        }
        return Json.at(result, "result", "value");
    }

    /** Presses and releases a key as the user would (a DOM keydown/keyup with this key code) in the focused element. */
    void typeKey(String key, String code, int keyCode) throws Exception {
        for (String type : List.of("rawKeyDown", "keyUp")) {
            page("Input.dispatchKeyEvent", Map.of("type", type, "key", key, "code", code,
                    "windowsVirtualKeyCode", keyCode, "nativeVirtualKeyCode", keyCode));
        }
    }

    /** What the page printed to its console and its uncaught exceptions, so far. */
    List<String> console() {
        synchronized (console) {
            return List.copyOf(console);
        }
    }

    @Override
    public void close() {
        socket.abort();
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void onMessage(String text) {
        Object message = Json.parse(text);
        Object id = Json.at(message, "id");
        if (id instanceof Double d) {
            CompletableFuture<Object> reply = pending.get(d.intValue());
            if (reply != null) {
                Object error = Json.at(message, "error");
                if (error != null) {
                    reply.completeExceptionally(new IOException("DevTools error: " + Json.write(error)));
                } else {
                    reply.complete(Json.at(message, "result"));
                }
            }
            return;
        }
        String method = (String) Json.at(message, "method");
        if ("Runtime.consoleAPICalled".equals(method)) {
            StringBuilder line = new StringBuilder("console." + Json.at(message, "params", "type") + ":");
            if (Json.at(message, "params", "args") instanceof List<?> args) {
                for (Object arg : args) {
                    Object value = Json.at(arg, "value");
                    line.append(' ').append(value != null ? value : Json.at(arg, "description"));
                }
            }
            console.add(line.toString());
        } else if ("Page.javascriptDialogOpening".equals(method)) {
            // alert/prompt would block the page (and every evaluation) until answered: dismiss it, from another
            // thread since this one delivers the answer.
            console.add("dialog: " + Json.at(message, "params", "message"));
            CompletableFuture.runAsync(() -> {
                try {
                    page("Page.handleJavaScriptDialog", Map.of("accept", false));
                } catch (Exception e) {
                    console.add("dialog not dismissed: " + e);
                }
            });
        } else if ("Runtime.exceptionThrown".equals(method)) {
            Object details = Json.at(message, "params", "exceptionDetails");
            Object description = Json.at(details, "exception", "description");
            console.add("exception: " + (description != null ? description : Json.at(details, "text")));
        }
    }

    /** Collects a message's parts (large ones come in several) and hands each whole message on. */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder parts = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            parts.append(data);
            if (last) {
                String text = parts.toString();
                parts.setLength(0);
                try {
                    onMessage(text);
                } catch (RuntimeException e) {
                    console.add("DevTools message not understood: " + e);
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            pending.values().forEach(f -> f.completeExceptionally(error));
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            pending.values().forEach(f -> f.completeExceptionally(new IOException("DevTools closed: " + reason)));
            return null;
        }
    }
}
