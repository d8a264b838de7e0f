package org.spicejava.ffi.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The fault tests' figures, one row per library and fault, printed as a table for both libraries of a run: QEMU's
 * open fds and RSS before and after the fault, the RSS growth split into guest RAM with TCG's translation cache
 * ("guest+TCG") and the rest ("other": QEMU's and the SPICE server's own memory, and the video memory), and the
 * recovery time.
 */
final class FaultFigures {
    record Row(String lib, String fault, FaultGuest.Usage before, FaultGuest.Usage after, FaultRecovery.Result recovery,
               String note) {
        /** {@code after} and {@code recovery} are null when QEMU died in the fault. */
        long otherGrowthKb() {
            return after.otherKb() - before.otherKb();
        }

        long guestGrowthKb() {
            return after.guestRamKb() - before.guestRamKb() + after.tcgKb() - before.tcgKb();
        }
    }

    private final List<Row> rows = new ArrayList<>();

    synchronized void add(Row row) {
        rows.add(row);
    }

    synchronized List<Row> rows() {
        return List.copyOf(rows);
    }

    synchronized String table() {
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "%-9s | %-28s | %9s | %8s | %10s | %9s | %9s | %9s | %11s | %s%n",
                "library", "fault", "fd before", "fd after", "RSS before", "RSS after", "guest+TCG", "other",
                "recovery", "note"));
        t.append("-".repeat(150)).append('\n');
        for (Row r : rows) {
            if (r.after() == null) {
                t.append(String.format(Locale.ROOT, "%-9s | %-28s | %9d | %8s | %7d MB | %9s | %9s | %9s | %11s | %s%n",
                        r.lib(), r.fault(), r.before().fds(), "-", r.before().rssKb() / 1024, "-", "-", "-", "-",
                        r.note()));
                continue;
            }
            String recovery = r.recovery() == null ? "-" : r.recovery().recovered()
                    ? r.recovery().millis() + " ms" : "NONE (" + QemuDisplayIT.percent(r.recovery().equal()) + ")";
            t.append(String.format(Locale.ROOT, "%-9s | %-28s | %9d | %8d | %7d MB | %6d MB | %+6.1f MB | %+6.1f MB | %11s | %s%n",
                    r.lib(), r.fault(), r.before().fds(), r.after().fds(), r.before().rssKb() / 1024,
                    r.after().rssKb() / 1024, r.guestGrowthKb() / 1024.0, r.otherGrowthKb() / 1024.0, recovery,
                    r.note()));
        }
        return t.toString();
    }

    void write(Path file, String heading) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, heading + "\n" + table());
    }
}
