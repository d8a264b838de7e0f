package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Debian's QEMU with our library (and, for comparison, the reference): it starts, QMP query-spice answers, QMP quit
 * and SIGTERM end it with the reference's exit code, and it leaves no hs_err file and nothing in its TMPDIR.
 */
class QemuBridgeIT {
    static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");
    static final Path OUR_LIB_DIR = Path.of(System.getProperty("dist.dir", "../target/spice-java"), "lib").toAbsolutePath();

    /** Makes {@code pb} load our library ({@code ours}) or Debian's reference, whatever the caller's environment. */
    static ProcessBuilder withLibrary(ProcessBuilder pb, boolean ours) {
        return withLibrary(pb, ours ? OUR_LIB_DIR : null);
    }

    /** As above, with our library from {@code ourLib}, or the reference when it is null. */
    static ProcessBuilder withLibrary(ProcessBuilder pb, Path ourLib) {
        pb.environment().remove("LD_LIBRARY_PATH");
        if (ourLib != null) {
            pb.environment().put("LD_LIBRARY_PATH", ourLib.toString());
        }
        return pb;
    }

    @TempDir
    Path work;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    record Run(Process process, Path qmp, Path tmp, Path stderr, int port) {
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    Run start(boolean ours, String vga, String... extraEnv) throws Exception {
        return start(work, started, ours, vga, List.of(), "disable-ticketing=on", extraEnv);
    }

    /** Starts QEMU in {@code work} with our library or the reference, extra arguments and spice options. */
    static Run start(Path work, List<Process> started, boolean ours, String vga, List<String> extraArgs,
                     String spiceOptions, String... extraEnv) throws Exception {
        Peers.qemu();
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(QEMU.toString(), "-machine", "accel=kvm:tcg", "-display",
                "none", "-nodefaults", "-vga", vga, "-m", "128",
                "-spice", "port=" + port + ",addr=127.0.0.1," + spiceOptions,
                "-qmp", "unix:" + qmpSocket(work) + ",server=on,wait=off"));
        command.addAll(extraArgs);
        return launch(work, started, ours, command, port, extraEnv);
    }

    /** Where a QEMU started by {@link #launch} in {@code dir} has to put its QMP socket. */
    static Path qmpSocket(Path dir) {
        return dir.resolve("qmp.sock");
    }

    /**
     * Runs a QEMU {@code command} in {@code dir} with our library or the reference: its output and stderr go to
     * files there, its TMPDIR is its own (so a test can see what it leaves), and it is killed with {@code started}.
     */
    static Run launch(Path dir, List<Process> started, boolean ours, List<String> command, int port,
                      String... extraEnv) throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Path stderr = dir.resolve("stderr.txt");
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(stderr.toFile());
        pb.environment().put("TMPDIR", tmp.toString());
        withLibrary(pb, ours);
        for (int i = 0; i + 1 < extraEnv.length; i += 2) {
            pb.environment().put(extraEnv[i], extraEnv[i + 1]);
        }
        Process p = pb.start();
        started.add(p);
        return new Run(p, qmpSocket(dir), tmp, stderr, port);
    }

    /** Sends QMP commands after the capabilities handshake and returns everything QEMU answered. */
    static String qmp(Path socket, String... commands) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(socket)) {
            assertTrue(System.nanoTime() < deadline, "QMP socket never appeared");
            Thread.sleep(50);
        }
        try (SocketChannel ch = connect(socket, deadline)) {
            StringBuilder all = new StringBuilder(readReply(ch, "\"QMP\""));
            all.append(exchange(ch, "{\"execute\":\"qmp_capabilities\"}"));
            for (String c : commands) {
                all.append(exchange(ch, c));
            }
            return all.toString();
        }
    }

    /** QEMU binds the socket a moment before it listens: a refused connection is tried again. */
    private static SocketChannel connect(Path socket, long deadline) throws Exception {
        while (true) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                return ch;
            } catch (java.net.ConnectException e) {
                ch.close();
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    private static String exchange(SocketChannel ch, String command) throws IOException {
        ch.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
        return readReply(ch, "\"return\"");
    }

    /** Reads lines until one contains {@code marker} (or "error"). */
    private static String readReply(SocketChannel ch, String marker) throws IOException {
        StringBuilder text = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        while (true) {
            int lineEnd = text.lastIndexOf("\n");
            if (lineEnd >= 0) {
                String lines = text.substring(0, lineEnd);
                if (lines.contains(marker) || lines.contains("\"error\"")) {
                    return text.toString();
                }
            }
            buf.clear();
            if (ch.read(buf) < 0) {
                return text.toString();
            }
            text.append(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
        }
    }

    static int waitExit(Process p) throws InterruptedException {
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "QEMU did not exit");
        return p.exitValue();
    }

    static Set<String> javaTmpFiles() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/tmp"))) {
            return s.map(x -> x.getFileName().toString())
                    .filter(n -> n.startsWith(".java_pid") || n.startsWith("hsperfdata_"))
                    .collect(Collectors.toSet());
        }
    }

    void assertClean(Run run, Set<String> tmpBefore) throws IOException {
        try (Stream<Path> s = Files.list(run.tmp())) {
            assertEquals(List.of(), s.toList(), "QEMU's TMPDIR must stay empty");
        }
        try (Stream<Path> s = Files.list(work)) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().startsWith("hs_err")), "JVM crash log found");
        }
        Set<String> after = javaTmpFiles();
        after.removeAll(tmpBefore);
        assertTrue(after.stream().noneMatch(n -> n.equals(".java_pid" + run.process().pid())),
                "attach file left in /tmp: " + after);
        String err = Files.readString(run.stderr());
        assertFalse(err.contains("Exception") || err.contains("\tat "), "Java exception in QEMU's stderr:\n" + err);
    }

    @ParameterizedTest(name = "{0} -vga {1}")
    @CsvSource({"reference, qxl", "ours, qxl", "reference, std", "ours, std"})
    void querySpiceThenQuit(String lib, String vga) throws Exception {
        Set<String> before = javaTmpFiles();
        Run run = start("ours".equals(lib), vga);
        String replies = qmp(run.qmp(), "{\"execute\":\"query-spice\"}", "{\"execute\":\"quit\"}");
        assertTrue(replies.contains("\"enabled\": true"), replies);
        assertTrue(replies.contains("\"port\": " + run.port()), replies);
        assertTrue(replies.contains("\"host\": \"127.0.0.1\""), replies);
        assertTrue(replies.contains("\"auth\": \"none\""), replies);
        assertEquals(0, waitExit(run.process()), Files.readString(run.stderr()));
        assertClean(run, before);
    }

    @ParameterizedTest(name = "{0} -vga {1}")
    @CsvSource({"reference, qxl", "ours, qxl", "ours, std"})
    void sigtermExitsCleanly(String lib, String vga) throws Exception {
        Set<String> before = javaTmpFiles();
        Run run = start("ours".equals(lib), vga);
        qmp(run.qmp(), "{\"execute\":\"query-status\"}");
        run.process().destroy(); // SIGTERM
        assertEquals(0, waitExit(run.process()), Files.readString(run.stderr()));
        assertClean(run, before);
    }

    @Test
    void missingJvmMakesQemuFailToInitializeSpice() throws Exception {
        Run run = start(true, "std", "SPICE_JAVA_LIBJVM", "/nonexistent/libjvm.so");
        int exit = waitExit(run.process());
        String err = Files.readString(run.stderr());
        assertTrue(exit != 0, "QEMU must not run without its SPICE server");
        assertTrue(err.contains("failed to initialize spice server"), err);
        assertTrue(err.contains("spice-java: no usable libjvm"), err);
    }
}
