package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test peers (QEMU, the reference library, spice-gtk, guest images). Under CI (the {@code CI} environment variable
 * set) a missing peer fails the test, because scripts/setup installs them all; elsewhere it skips with the reason,
 * which Surefire prints in its closing lines.
 */
public final class Peers {
    public static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");
    public static final Path REFERENCE = Path.of("/lib/x86_64-linux-gnu/libspice-server.so.1");
    public static final Path SCREENSHOT = Path.of("/usr/bin/spicy-screenshot");
    public static final Path SPICE_GI = Path.of("/usr/lib/x86_64-linux-gnu/girepository-1.0/SpiceClientGLib-2.0.typelib");

    private Peers() {
    }

    static boolean inCi() {
        String ci = System.getenv("CI");
        return ci != null && !ci.isEmpty() && !ci.equals("false");
    }

    /** Fails under CI, skips elsewhere, when {@code present} is false. */
    public static void require(boolean present, String what) {
        if (present) {
            return;
        }
        if (inCi()) {
            fail("test peer missing under CI: " + what);
        }
        assumeTrue(false, "test peer missing: " + what);
    }

    public static void requireFile(Path path, String what) {
        require(Files.exists(path), what + " (" + path + ")");
    }

    public static void qemu() {
        require(Files.isExecutable(QEMU), "qemu-system-x86");
    }

    public static void reference() {
        requireFile(REFERENCE, "the reference libspice-server1");
    }

    /** spicy-screenshot and spice-gtk's GObject introspection data for the Python clients. */
    public static void clients() {
        require(Files.isExecutable(SCREENSHOT), "spicy-screenshot (spice-client-gtk)");
        requireFile(SPICE_GI, "spice-gtk introspection data (gir1.2-spiceclientglib-2.0)");
    }
}
