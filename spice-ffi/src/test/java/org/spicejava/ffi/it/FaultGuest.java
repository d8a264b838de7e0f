package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * QEMU running the guest of scripts/make-fault-guest (the QXL guest plus a drawing loop on command) with a qcow2 disk
 * for savevm, and either library. Commands reach the guest through its second serial port (a unix socket); the first
 * serial port is a log file where the guest acknowledges them.
 */
final class FaultGuest implements AutoCloseable {
    static final long BOOT_SECONDS = 90;
    static final long ACK_SECONDS = 20;

    final QemuBridgeIT.Run run;
    final Path serialLog;
    private final SocketChannel commands;

    private FaultGuest(QemuBridgeIT.Run run, Path serialLog, SocketChannel commands) {
        this.run = run;
        this.serialLog = serialLog;
        this.commands = commands;
    }

    /** Boots under TCG (direct kernel boot hung under this machine's KVM); returns once the command port is open. */
    static FaultGuest boot(Path dir, List<Process> started, boolean ours, Path kernel, Path initrd, String cmdline)
            throws Exception {
        Path qmp = QemuBridgeIT.qmpSocket(dir);
        Path serial = dir.resolve("serial.log");
        Path commandSocket = dir.resolve("command.sock");
        Path disk = dir.resolve("disk.qcow2");
        Process img = new ProcessBuilder("/usr/bin/qemu-img", "create", "-q", "-f", "qcow2", disk.toString(), "64M")
                .redirectErrorStream(true).start();
        assertTrue(img.waitFor(30, TimeUnit.SECONDS) && img.exitValue() == 0,
                "qemu-img create failed: " + new String(img.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        int port = QemuBridgeIT.freePort();
        List<String> command = List.of(QemuBridgeIT.QEMU.toString(),
                // guest RAM in a named memfd, so its share of QEMU's RSS can be told apart (see usage())
                "-object", "memory-backend-memfd,id=guest-ram,size=256M",
                "-machine", "accel=tcg,memory-backend=guest-ram", "-m", "256",
                "-nodefaults", "-vga", "qxl", "-display", "none",
                "-serial", "file:" + serial, "-serial", "unix:" + commandSocket + ",server=on,wait=off",
                "-kernel", kernel.toString(), "-initrd", initrd.toString(), "-append", cmdline,
                "-drive", "if=none,id=d0,file=" + disk + ",format=qcow2", // savevm keeps its snapshots here
                "-spice", "port=" + port + ",addr=127.0.0.1,disable-ticketing=on",
                "-qmp", "unix:" + qmp + ",server=on,wait=off");
        QemuBridgeIT.Run run = QemuBridgeIT.launch(dir, started, ours, command, port);
        QemuBridgeIT.qmp(qmp, "{\"execute\":\"query-status\"}"); // the serial socket listens once QMP answers
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(commandSocket));
        return new FaultGuest(run, serial, ch);
    }

    long pid() {
        return run.process().pid();
    }

    String serial() throws IOException {
        return QemuQxlGuestIT.readOrEmpty(serialLog);
    }

    long count(String line) throws IOException {
        return serial().lines().filter(l -> l.strip().equals(line)).count();
    }

    /** Waits until the serial log holds {@code line} more than {@code before} times. */
    void awaitLine(String line, long before, long seconds, String why) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (count(line) <= before) {
            assertTrue(run.process().isAlive(), why + ": QEMU exited; stderr:\n" + QemuQxlGuestIT.readOrEmpty(run.stderr()));
            if (System.nanoTime() > deadline) {
                fail(why + ": no " + line + " on the serial port within " + seconds + " s; serial log:\n" + serial());
            }
            Thread.sleep(100);
        }
    }

    /** Waits for the guest's picture after a (re)boot: the n-th GUEST-READY. */
    void awaitReady(long readyBefore, String why) throws Exception {
        awaitLine("GUEST-READY", readyBefore, BOOT_SECONDS, why);
    }

    void draw() throws Exception {
        send("draw", "FAULT-DRAWING");
    }

    void still() throws Exception {
        send("still", "FAULT-STILL");
    }

    private void send(String word, String ack) throws Exception {
        long before = count(ack);
        commands.write(ByteBuffer.wrap((word + "\n").getBytes(StandardCharsets.US_ASCII)));
        awaitLine(ack, before, ACK_SECONDS, "guest command " + word);
    }

    String qmp(String... commands) throws Exception {
        assertTrue(run.process().isAlive(), "QEMU exited; stderr:\n" + QemuQxlGuestIT.readOrEmpty(run.stderr()));
        return QemuBridgeIT.qmp(run.qmp(), commands);
    }

    /** Runs a human monitor command (savevm, loadvm); fails if QEMU answered with an error. */
    void hmp(String commandLine) throws Exception {
        String reply = qmp("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"" + commandLine
                + "\"}}");
        assertTrue(reply.contains("\"return\": \"\""), commandLine + " failed: " + reply);
    }

    /**
     * The process's open file descriptors and resident set, with the parts of it that are guest RAM and TCG's
     * translation cache: both grow when the guest reboots or loadvm fills RAM, whatever the SPICE server does.
     */
    record Usage(int fds, long rssKb, long guestRamKb, long tcgKb) {
        /** The resident set of QEMU's and the SPICE server's own memory, including the video memory. */
        long otherKb() {
            return rssKb - guestRamKb - tcgKb;
        }
    }

    Usage usage() throws IOException {
        long rss = -1;
        for (String l : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                rss = kilobytes(l);
            }
        }
        long guestRam = 0;
        long tcg = 0;
        Matcher mapping = null;
        for (String l : Files.readAllLines(Path.of("/proc/" + pid() + "/smaps"))) {
            Matcher m = MAPPING.matcher(l);
            if (m.lookingAt()) {
                mapping = m;
            } else if (mapping != null && l.startsWith("Rss:")) {
                long size = Long.parseUnsignedLong(mapping.group(2), 16) - Long.parseUnsignedLong(mapping.group(1), 16);
                if (mapping.group(4).contains("/memfd:memory-backend-memfd")) {
                    guestRam += kilobytes(l);
                } else if (mapping.group(3).equals("rwxp") && mapping.group(4).isBlank() && size >= TCG_BUFFER_MIN) {
                    tcg += kilobytes(l); // TCG's code buffer (1 GiB); the JVM's code cache is 32 MB
                }
            }
        }
        return new Usage(HostileClientsIT.fdCount(pid()), rss, guestRam, tcg);
    }

    /** A smaps mapping line: start, end, permissions, then offset, device, inode and the name if any. */
    private static final Pattern MAPPING = Pattern.compile("([0-9a-f]+)-([0-9a-f]+) (\\S+) \\S+ \\S+ \\S+ *(.*)");
    private static final long TCG_BUFFER_MIN = 256L << 20;

    private static long kilobytes(String statusLine) {
        return Long.parseLong(statusLine.replaceAll("\\D", ""));
    }

    static List<String> javaProblems(String stderr) {
        List<String> found = new ArrayList<>();
        stderr.lines().filter(l -> l.contains("Exception") || l.startsWith("\tat ")).limit(20).forEach(found::add);
        return found;
    }

    @Override
    public void close() throws IOException {
        commands.close();
    }
}
