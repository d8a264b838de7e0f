package org.spicejava.ffi.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.spicejava.ffi.it.QemuDisplayIT.Image;

/**
 * How long after a fault a fresh client (spicy-screenshot) first sees what QEMU shows: its picture, taken between two
 * QMP screendumps, equals one of them in at least 99.9% of pixels. Tries again until a deadline, since the screen may
 * still change (a rebooting guest) or the server may not answer yet.
 */
final class FaultRecovery {
    static final long DEADLINE_SECONDS = 45;

    /** {@code millis} is -1 when no client saw the screen in time; {@code equal} is the best share seen. */
    record Result(long millis, double equal, int attempts, String lastProblem) {
        boolean recovered() {
            return millis >= 0;
        }
    }

    private final QemuDisplayIT display;

    FaultRecovery(QemuDisplayIT display) {
        this.display = display;
    }

    /** Measures from {@code faultEnd} (System.nanoTime()). */
    Result measure(FaultGuest guest, Path dir, long faultEnd) throws Exception {
        Files.createDirectories(dir);
        long deadline = faultEnd + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        double best = 0;
        String problem = "no attempt";
        int attempt = 0;
        while (System.nanoTime() < deadline && guest.run.process().isAlive()) {
            attempt++;
            String base = "attempt-" + (attempt % 4); // keeps the last few images for a failure
            try {
                Image before = display.screendump(guest.run, dir.resolve(base + "-screendump-before.ppm"));
                Image client = display.clientPicture(guest.run, dir.resolve(base + "-client.ppm"),
                        dir.resolve(base + "-client.log"), "fresh client");
                long seen = System.nanoTime();
                Image after = display.screendump(guest.run, dir.resolve(base + "-screendump-after.ppm"));
                double eq = Math.max(client.equality(before), client.equality(after));
                best = Math.max(best, eq);
                if (eq >= QemuDisplayIT.MIN_EQUAL) {
                    return new Result(TimeUnit.NANOSECONDS.toMillis(seen - faultEnd), eq, attempt, null);
                }
                problem = "client " + client.size() + " equal to screendump " + after.size() + " in "
                        + QemuDisplayIT.percent(eq);
            } catch (AssertionError failedAttempt) { // no picture from this client or no screendump: try again
                problem = failedAttempt.getMessage();
            }
            Thread.sleep(200);
        }
        return new Result(-1, best, attempt, problem);
    }
}
