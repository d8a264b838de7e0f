package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;

/**
 * The fault tests' checks for one library, gathered so that every fault runs and reports its figures before the test
 * fails. A check the reference library itself does not pass is asserted for ours only; the reference's result is
 * still printed.
 */
final class FaultChecks {
    private final String lib;
    private final boolean ours;
    private final List<String> failed = new ArrayList<>();
    private final List<String> referenceOnlyPrinted = new ArrayList<>();

    FaultChecks(String lib) {
        this.lib = lib;
        this.ours = lib.equals("ours");
    }

    /** A check asserted for both libraries. */
    void check(boolean ok, String what) {
        if (!ok) {
            failed.add(what);
        }
    }

    /** A check the reference fails (see the test's comment): asserted for ours, printed for the reference. */
    void checkOurs(boolean ok, String what) {
        if (ok) {
            return;
        }
        if (ours) {
            failed.add(what);
        } else {
            referenceOnlyPrinted.add(what);
        }
    }

    void assertPassed() {
        referenceOnlyPrinted.forEach(w -> System.out.println("QemuFaultIT " + lib + " (not asserted for the reference): " + w));
        failed.forEach(w -> System.out.println("QemuFaultIT " + lib + " FAILED: " + w));
        if (!failed.isEmpty()) {
            fail(lib + " library: " + failed.size() + " fault check(s) failed:\n  " + String.join("\n  ", failed));
        }
    }
}
