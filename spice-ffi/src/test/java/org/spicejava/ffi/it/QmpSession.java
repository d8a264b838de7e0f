package org.spicejava.ffi.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One QMP connection kept open (QemuBridgeIT.qmp opens one per call): commands in order, each reply parsed, and
 * the events QEMU sends meanwhile kept with their receive times, so a test can wait for SPICE_MIGRATE_COMPLETED.
 */
final class QmpSession implements AutoCloseable {
    private final SocketChannel channel;
    private final BufferedReader in;
    private final Writer out;
    private final List<Event> events = new ArrayList<>();

    /** An event and when this side read it (System.nanoTime). */
    record Event(String name, Map<?, ?> data, long readAt) {
    }

    private QmpSession(SocketChannel channel) {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        this.out = Channels.newWriter(channel, StandardCharsets.UTF_8);
    }

    /**
     * Connects to the QMP socket of {@code run} (waiting up to 30 s) and negotiates capabilities. A QEMU that exits
     * first, or never answers, fails with what it printed last and, if it still runs, its JVM's threads, so that a
     * start-up that dies or hangs in the library says where.
     */
    static QmpSession open(QemuBridgeIT.Run run) throws Exception {
        Path socket = run.qmp();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            if (Files.exists(socket)) {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    ch.connect(UnixDomainSocketAddress.of(socket));
                    QmpSession s = new QmpSession(ch);
                    s.in.readLine(); // greeting
                    s.execute("qmp_capabilities", Map.of());
                    return s;
                } catch (IOException e) {
                    ch.close();
                }
            }
            if (!run.process().isAlive()) {
                throw new IOException("QEMU exited with " + run.process().exitValue()
                        + " before its QMP socket answered; its stderr ends: " + tail(run.stderr()));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("QMP socket " + socket + " did not answer in 30 s; QEMU still runs; its stderr"
                        + " ends: " + tail(run.stderr()) + "\n" + threads(run.process()));
            }
            Thread.sleep(50);
        }
    }

    private static String tail(Path file) throws IOException {
        List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 12), lines.size()));
    }

    /**
     * Every thread's native stack as gdb prints it (the shim starts the JVM with -Xrs, so jcmd cannot attach):
     * enough to tell a start-up stuck in the JVM, in a library's loader or in QEMU.
     */
    private static String threads(Process qemu) {
        try {
            Process p = new ProcessBuilder("timeout", "60", "gdb", "-p", Long.toString(qemu.pid()), "-batch",
                    "-ex", "thread apply all bt 30").redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            p.waitFor();
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException | InterruptedException e) {
            return "no stacks: " + e;
        }
    }

    /** Runs a command and returns its reply (a map with "return" or "error"). */
    Map<?, ?> execute(String command, Map<String, ?> arguments) throws IOException {
        out.write(Json.write(Map.of("execute", command, "arguments", arguments)) + "\n");
        out.flush();
        while (true) {
            String line = in.readLine();
            if (line == null) {
                throw new IOException("QMP closed during " + command);
            }
            Map<?, ?> reply = (Map<?, ?>) Json.parse(line);
            if (reply.containsKey("event")) {
                events.add(new Event((String) reply.get("event"), (Map<?, ?>) reply.get("data"), System.nanoTime()));
                continue;
            }
            return reply;
        }
    }

    /** The "return" value of a command that must succeed. */
    Object returns(String command, Map<String, ?> arguments) throws IOException {
        Map<?, ?> reply = execute(command, arguments);
        if (!reply.containsKey("return")) {
            throw new IOException(command + " failed: " + reply);
        }
        return reply.get("return");
    }

    /** The migration's status from query-migrate ("active", "completed", "failed", "cancelled", ...). */
    String migrationStatus() throws IOException {
        Object status = Json.at(returns("query-migrate", Map.of()), "status");
        return status == null ? "none" : (String) status;
    }

    /** Polls query-migrate until the migration ends; returns the final status. */
    String awaitMigration(long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            String status = migrationStatus();
            if (status.equals("completed") || status.equals("failed") || status.equals("cancelled")
                    || System.nanoTime() > deadline) {
                return status;
            }
            Thread.sleep(50);
        }
    }

    List<Event> events() throws IOException {
        returns("query-status", Map.of()); // reads what arrived meanwhile
        return List.copyOf(events);
    }

    boolean sawEvent(String name) throws IOException {
        return events().stream().anyMatch(e -> e.name().equals(name));
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
