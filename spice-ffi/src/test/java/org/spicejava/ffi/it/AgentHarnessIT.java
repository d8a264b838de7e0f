package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The guest-agent path, differentially: the C agent harness (native-headers/harness/agent_harness.c, whose fake
 * vdagent answers at once) against the reference library and ours, with a raw client ({@link RawAgentClient}):
 * 64-byte clipboard round trips and an 8 MiB file transfer, then a few 1 MiB clipboard texts (512 pieces each way
 * through both token windows). The runs are done once, before the tests ({@link AgentWorkload} explains the
 * figures). About 15 s.
 *
 * <p>Timing is compared with the reference measured in the same test, never against fixed figures alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentHarnessIT {
    static final Path HARNESS = Path.of(System.getProperty("native.build.dir", "../native-headers/build"), "agent_harness");
    static final int WARM_UP = 300;
    static final int ROUNDS = 200;
    static final long TRANSFER_BYTES = 8L << 20;
    static final int BIG_CLIP_BYTES = 1 << 20;
    static final int BIG_ROUNDS = 5;
    /** The harnesses' output stays here for a look after a failure. */
    static final Path DIR = Path.of("target/agent-harness-it").toAbsolutePath();
    /** Runs by name: "reference", "ours", "reference big", "ours big". */
    final Map<String, AgentWorkload.Result> runs = new LinkedHashMap<>();

    @BeforeAll
    void runTheWorkloads() throws Exception {
        Peers.reference();
        Peers.requireFile(HARNESS, "the agent harness (make -C native-headers)");
        Files.createDirectories(DIR);
        for (boolean ours : new boolean[] {false, true}) {
            runs.put(ours ? "ours" : "reference", run(new AgentWorkload.Spec(ours, WARM_UP, ROUNDS, 64,
                    TRANSFER_BYTES)));
        }
        for (boolean ours : new boolean[] {false, true}) {
            runs.put(ours ? "ours big" : "reference big", run(new AgentWorkload.Spec(ours, 1, BIG_ROUNDS,
                    BIG_CLIP_BYTES, 0)));
        }
        runs.values().forEach(r -> System.out.println(r.summary()));
        System.out.println(AgentWorkload.ratios(runs.get("reference"), runs.get("ours")));
    }

    private static AgentWorkload.Result run(AgentWorkload.Spec spec) throws Exception {
        return AgentWorkload.run(HARNESS, QemuBridgeIT.OUR_LIB_DIR, DIR, spec);
    }

    @Test
    void everyClipboardRequestGetsItsOwnTextBack() {
        List<String> problems = new ArrayList<>();
        runs.forEach((name, r) -> {
            if (r.failure() != null) {
                problems.add(name + ": the client failed: " + r.failure());
            }
            if (r.wrongTexts() != 0) {
                problems.add(name + ": " + r.wrongTexts() + " clipboard texts not the harness's for that request");
            }
            if (r.agentBad() != 0) {
                problems.add(name + ": the agent counted " + r.agentBad() + " malformed messages (or did not end)");
            }
        });
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void theFileTransferCompletesWithEveryByte() {
        for (String name : List.of("reference", "ours")) {
            AgentWorkload.Result r = runs.get(name);
            assertTrue(r.xferSucceeded(), name + ": no SUCCESS from the agent: " + r.summary());
            assertTrue(r.agentXferBytes() == TRANSFER_BYTES, name + ": the agent counted " + r.agentXferBytes()
                    + " bytes of " + TRANSFER_BYTES);
        }
    }

    /**
     * Our median round trip within three times the reference's and 1 ms. A busy machine (another test's QEMU) delays
     * either host at random, so a pair that misses is run again once, as a new pair, and that pair decides.
     */
    @Test
    void roundTripIsNoSlowerThanTheReferenceByMoreThanTheMargin() throws Exception {
        AgentWorkload.Result ref = runs.get("reference");
        AgentWorkload.Result ours = runs.get("ours");
        if (!withinMargin(ref, ours)) {
            String first = medians(ref, ours);
            ref = run(new AgentWorkload.Spec(false, WARM_UP, ROUNDS, 64, 0));
            ours = run(new AgentWorkload.Spec(true, WARM_UP, ROUNDS, 64, 0));
            System.out.println("round trips again after " + first + ":\n" + ref.summary() + "\n" + ours.summary());
        }
        assertTrue(withinMargin(ref, ours), medians(ref, ours));
    }

    static boolean withinMargin(AgentWorkload.Result ref, AgentWorkload.Result ours) {
        return ours.rttMedianUs() <= 3 * ref.rttMedianUs() + 1000;
    }

    static String medians(AgentWorkload.Result ref, AgentWorkload.Result ours) {
        return String.format(Locale.ROOT, "median round trip: ours %.1f us, the reference's %.1f us (ratio %.2f)",
                ours.rttMedianUs(), ref.rttMedianUs(), ours.rttMedianUs() / ref.rttMedianUs());
    }
}
