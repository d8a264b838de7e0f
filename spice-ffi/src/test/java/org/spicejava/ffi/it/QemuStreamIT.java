package org.spicejava.ffi.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Video streaming against real peers: the QXL guest of {@code scripts/make-qxl-guest} in its animate mode redraws a
 * 320x240 photo-like region at 25 fps for 6 s through the qxl DRM driver; spice-gtk counts the stream messages its
 * display channel gets ({@code scripts/stream-check}), from Debian's reference library and from ours. In its scroll
 * mode the guest scrolls sharp text-like content through copies of one whole-width region instead: under
 * {@code streaming-video=filter} that is no video for either library, under {@code all} it is. (What the client
 * shows of a stream: {@link QemuStreamQualityIT}.)
 */
class QemuStreamIT {
    static final Path STREAM_CHECK = Path.of("../scripts/stream-check").toAbsolutePath();
    static final Pattern RESULT = Pattern.compile("creates=(\\d+) destroys=(\\d+) frames=(\\d+)");

    record Counts(int creates, int destroys, int frames, String line) {
    }

    @BeforeAll
    static void guest() throws Exception {
        QemuQxlGuestIT.buildGuest();
    }

    static Counts check(String lib, String streaming) throws Exception {
        return check(lib, streaming, "animate,6");
    }

    /** One run of the guest's {@code kms} mode (spice_java_kms, e.g. "scroll,6"). */
    static Counts check(String lib, String streaming, String kms) throws Exception {
        Process p = new ProcessBuilder(STREAM_CHECK.toString(), QemuQxlGuestIT.GUEST_DIR.toString(), lib, streaming,
                kms).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(3, TimeUnit.MINUTES), "stream-check did not finish");
        assertEquals(0, p.exitValue(), "stream-check failed: " + out);
        Matcher m = RESULT.matcher(out);
        assertTrue(m.find(), "no counts in: " + out);
        System.out.println("QemuStreamIT: " + out.strip());
        return new Counts(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                out.strip());
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void ourStreamsAreTheReferencesStreams() throws Exception {
        Counts reference = check("reference", "all");
        Counts ours = check(QemuBridgeIT.OUR_LIB_DIR.toString(), "all");
        Counts filtered = check(QemuBridgeIT.OUR_LIB_DIR.toString(), "filter");
        Counts off = check(QemuBridgeIT.OUR_LIB_DIR.toString(), "off");
        assertAll(
                () -> assertEquals(1, reference.creates(), "the reference streams the region: " + reference.line()),
                () -> assertEquals(reference.creates(), ours.creates(), ours.line()),
                () -> assertEquals(reference.destroys(), ours.destroys(), "the stream ends: " + ours.line()),
                // 150 guest frames; the first 20 detect the stream. TCG timing may merge or split a few.
                () -> assertTrue(Math.abs(ours.frames() - reference.frames()) <= 15,
                        "frames: ours " + ours.frames() + ", reference " + reference.frames()),
                () -> assertEquals(1, filtered.creates(), "a photo-like region streams under filter too: "
                        + filtered.line()),
                () -> assertEquals(0, off.creates(), "no stream when streaming is off: " + off.line()));
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void scrollingTextIsNoVideoUnderFilter() throws Exception {
        String ours = QemuBridgeIT.OUR_LIB_DIR.toString();
        Counts referenceFilter = check("reference", "filter", "scroll,6");
        Counts oursFilter = check(ours, "filter", "scroll,6");
        Counts oursAll = check(ours, "all", "scroll,6"); // the content does make a stream when nothing filters
        assertAll(
                () -> assertEquals(0, referenceFilter.creates(), "the reference: text is no video under filter: "
                        + referenceFilter.line()),
                () -> assertEquals(0, oursFilter.creates(), "ours: text is no video under filter: "
                        + oursFilter.line()),
                () -> assertEquals(1, oursAll.creates(), "ours streams anything under all: " + oursAll.line()));
    }
}
