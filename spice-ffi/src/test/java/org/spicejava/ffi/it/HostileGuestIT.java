package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The hostile-guest harness (native-headers/harness/hostile_guest.c): one crafted bad QXL command or spice_qxl_*
 * call per named case, over memslots with an inaccessible page on either side. Ours must survive every case,
 * release every command exactly once (surface creates of live surfaces at the final reset), log each drop, and
 * still draw a valid fill after each case. The reference runs the same cases; where it aborts (it does on some
 * bad input) the abort is recorded and printed, and the run resumes with the next case.
 */
class HostileGuestIT {
    static final Path HARNESS = Path.of(System.getProperty("native.build.dir", "../native-headers/build"),
            "hostile_guest");
    static final Path DIR = Path.of("target", "hostile-guest-it").toAbsolutePath();
    static final int TIMEOUT_SECONDS = 120;
    /**
     * Cases whose input ours takes as valid or harmless, so there is no drop to log: well-formed edge cases, a hint
     * field ours does not use (surfaces_dest), a short palette (missing entries are black), update_area rectangles
     * (ours keeps every surface current and reports its dirty area), destroy_surface_wait (a no-op sync) and a huge
     * bitmap whose data is all there (drawn, or refused by a decode budget: either way it must not stall).
     */
    static final Set<String> ACCEPTED = Set.of("edge_last_byte_in", "surface_at_slot_edge", "message_unterminated",
            "huge_bitmap_1bit_with_data",
            "draw_surfaces_dest_out_of_range", "palette_too_short",
            "update_area_rect_huge", "update_area_rect_inverted", "destroy_surface_wait_missing");
    /** A case's result line: "case NAME survived ... ok" or "... FAIL(why)". */
    static final Pattern RESULT = Pattern.compile("case (\\S+) survived (.*)");
    /** How ours' log says it did not act on a command or call (DisplayWorker, QxlControl). */
    static final Pattern DROP_LINE = Pattern.compile("WARN .*(dropped|refused|does not exist|ignored)");
    static final Pattern RELEASED = Pattern.compile(
            "released (\\d+) of (\\d+) \\(never (\\d+), double (\\d+), bad (\\d+), unreadable-released (\\d+)\\)");
    private static Outcome ours;

    /** One harness process: how it ended, what it printed. */
    record Run(int exit, List<String> out, String err) {
        /** The result line's text after "survived " by case, in order. */
        Map<String, String> results() {
            Map<String, String> m = new LinkedHashMap<>();
            for (String line : out) {
                Matcher r = RESULT.matcher(line);
                if (r.matches()) {
                    m.put(r.group(1), r.group(2));
                }
            }
            return m;
        }

        /** The case that was running when the process ended, or null. */
        String lastBegun() {
            return HostileGuestIT.lastBegun(out);
        }

        /** What the server logged while the case ran (stderr from its begin marker to the next). */
        String logOf(String name) {
            int from = err.indexOf("case " + name + " begin\n");
            if (from < 0) {
                return "";
            }
            int to = err.indexOf("\ncase ", from + 1);
            return err.substring(from, to < 0 ? err.length() : to);
        }
    }

    static Run run(boolean ours, String tag, List<String> args) throws Exception {
        Files.createDirectories(DIR);
        Path out = DIR.resolve(tag + ".txt");
        Path err = DIR.resolve(tag + "-err.txt");
        List<String> command = new ArrayList<>(List.of(HARNESS.toAbsolutePath().toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .directory(DIR.toFile()); // a JVM crash report (hs_err_pid*.log) lands beside the outputs
        QemuBridgeIT.withLibrary(pb, ours);
        Process p = pb.start();
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                fail(tag + ": the harness hung (still running after " + TIMEOUT_SECONDS + " s) in case "
                        + lastBegun(Files.readAllLines(out)));
            }
        } finally {
            p.destroyForcibly();
        }
        return new Run(p.exitValue(), Files.readAllLines(out), Files.readString(err));
    }

    /** The last case whose "begin" line is among {@code out}, or null. */
    static String lastBegun(List<String> out) {
        String last = null;
        for (String line : out) {
            if (line.startsWith("case ") && line.endsWith(" begin")) {
                last = line.substring(5, line.length() - 6);
            }
        }
        return last;
    }

    static List<String> cases() throws Exception {
        Run list = run(false, "list", List.of("--list"));
        assertEquals(0, list.exit(), "hostile_guest --list");
        assertTrue(list.out().size() > 30, "cases: " + list.out());
        return list.out();
    }

    /** Results by case over one or more runs: a case during which the process died reads "DIED (exit N): why". */
    record Outcome(Map<String, String> results, List<Run> runs) {
        boolean died(String name) {
            return results.getOrDefault(name, "").startsWith("DIED");
        }
    }

    /** Runs every case, resuming after the case during which the process died, until all have run. */
    static Outcome runAll(boolean ours, String tag) throws Exception {
        List<String> remaining = cases();
        Map<String, String> results = new LinkedHashMap<>();
        List<Run> runs = new ArrayList<>();
        while (!remaining.isEmpty()) {
            Run run = run(ours, tag + "-" + runs.size(), remaining);
            runs.add(run);
            results.putAll(run.results());
            if (run.exit() == 0) {
                break;
            }
            String died = run.lastBegun();
            if (died == null || results.containsKey(died)) {
                fail(tag + ": the harness failed outside a case (exit " + run.exit() + "):\n" + tail(run.err()));
            }
            results.put(died, "DIED (exit " + run.exit() + "): " + lastServerError(run.out(), run.err()));
            remaining = remaining.subList(remaining.indexOf(died) + 1, remaining.size());
        }
        return new Outcome(results, runs);
    }

    static synchronized Outcome ours() throws Exception {
        if (ours == null) {
            ours = runAll(true, "ours");
        }
        return ours;
    }

    @TestFactory
    Stream<DynamicTest> oursSurvivesEachCaseAndReleasesItsCommands() throws Exception {
        List<String> cases = cases();
        Outcome outcome = ours();
        return cases.stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            String result = outcome.results().get(name);
            String log = outcome.runs().stream().map(r -> r.logOf(name)).reduce("", String::concat);
            assertTrue(result != null, name + ": no result line\n" + log);
            assertTrue(result.endsWith(" ok"), name + ": " + result + "\n" + log);
            if (!ACCEPTED.contains(name)) {
                assertTrue(DROP_LINE.matcher(log).find(), name + ": ours logged no drop:\n" + log);
            }
        }));
    }

    @Test
    void oursEndsNormallyWithEveryCommandReleasedOnce() throws Exception {
        Outcome outcome = ours();
        List<String> died = outcome.results().keySet().stream().filter(outcome::died).toList();
        assertEquals(List.of(), died, "ours died during these cases");
        Run run = outcome.runs().getFirst();
        assertEquals(0, run.exit(), "ours' harness exit; stderr:\n" + tail(run.err()));
        assertTrue(run.out().contains("done"), String.join("\n", run.out()));
        String released = run.out().stream().filter(l -> l.startsWith("released ")).findFirst().orElse("none");
        Matcher m = RELEASED.matcher(released);
        assertTrue(m.matches(), released);
        assertEquals(m.group(2) + " of " + m.group(2) + " never 0 double 0 bad 0 unreadable 0",
                m.group(1) + " of " + m.group(2) + " never " + m.group(3) + " double " + m.group(4) + " bad "
                        + m.group(5) + " unreadable " + m.group(6), released);
    }

    /**
     * The reference over the same cases, resumed after each abort, printed side by side with ours (and written to
     * target/hostile-guest-it/summary.txt). It aborts on a stale memslot generation and on a COPY from a surface
     * that does not exist (where ours drops the command), and draws the valid bitmap that ends on a slot's last
     * byte.
     */
    @Test
    void referenceAbortsOnSomeCasesWhereOursDropsTheCommand() throws Exception {
        Peers.reference();
        Map<String, String> reference = runAll(false, "reference").results();
        String table = table(reference, ours().results());
        Files.writeString(DIR.resolve("summary.txt"), table);
        System.out.println(table);
        String edge = reference.get("edge_last_byte_in");
        assertTrue(edge.endsWith(" ok"), "reference: " + edge);
        for (String aborts : List.of("stale_generation_image", "stale_generation_command",
                "copy_source_surface_missing")) {
            assertTrue(reference.get(aborts).startsWith("DIED"), aborts + ": reference " + reference.get(aborts));
        }
    }

    /** The guard pages work: the harness reading one byte past a slot dies of SIGSEGV. */
    @Test
    void aReadPastASlotKillsTheHarness() throws Exception {
        Run run = run(false, "guard-check", List.of("--guard-check"));
        assertEquals(128 + 11, run.exit(), "exit of hostile_guest --guard-check: " + run.out());
    }

    static String table(Map<String, String> reference, Map<String, String> ours) {
        StringBuilder t = new StringBuilder(String.format("%-36s | %-90s | %s%n", "case", "ours", "reference"));
        for (Map.Entry<String, String> e : reference.entrySet()) {
            t.append(String.format("%-36s | %-90s | %s%n", e.getKey(), ours.getOrDefault(e.getKey(), "(no result)"),
                    e.getValue()));
        }
        return t.toString();
    }

    /** The reference's last critical message, or the JVM's crash summary for ours. */
    static String lastServerError(List<String> out, String err) {
        int frame = out.indexOf("# Problematic frame:");
        if (frame >= 0 && frame + 1 < out.size()) {
            String signal = out.stream().filter(l -> l.startsWith("#  SIG")).findFirst().orElse("#");
            return "JVM crash: " + signal.substring(1).trim() + "; in " + out.get(frame + 1).substring(1).trim()
                    + " (see hs_err_pid*.log in " + DIR + ")";
        }
        return err.lines().filter(l -> l.contains("CRITICAL") || l.contains("ERROR") || l.contains("assert"))
                .reduce((a, b) -> b).orElse("no message").replaceAll("^.*?\\*\\*: [0-9:.]+: ", "");
    }

    static String tail(String text) throws IOException {
        return text.length() <= 4000 ? text : text.substring(text.length() - 4000);
    }
}
