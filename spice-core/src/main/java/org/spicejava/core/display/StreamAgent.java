package org.spicejava.core.display;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.compress.VideoEncoder;
import org.spicejava.core.display.draw.Bitmap;

/**
 * One live stream as one client gets it (the reference's VideoStreamAgent): its encoder, its rate, and the id its
 * STREAM_REPORTs must carry. Owned by the client's display channel, on the display worker.
 */
final class StreamAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamAgent.class);
    /** RED_STREAM_CLIENT_REPORT_WINDOW (frames) and RED_STREAM_CLIENT_REPORT_TIMEOUT (ms) asked of the client. */
    static final int REPORT_WINDOW = 5;
    static final int REPORT_TIMEOUT_MS = 1000;

    /** What became of a frame. */
    enum Outcome { SENT, SKIPPED, FAILED }

    final int streamId;
    final int reportId;
    private final VideoEncoder encoder;
    private final StreamRate rate;
    private boolean failed;
    /** The rate the encoder was last told. */
    private long toldRate;
    private int frames;
    private int skipped;

    StreamAgent(int streamId, int reportId, VideoEncoder encoder, StreamRate rate) {
        this.streamId = streamId;
        this.reportId = reportId;
        this.encoder = encoder;
        this.rate = rate;
        this.toldRate = rate.bitRate();
    }

    int codecType() {
        return encoder.codecType();
    }

    long bitRate() {
        return rate.bitRate();
    }

    /** Frames sent and skipped so far (logs, tests). */
    int frames() {
        return frames;
    }

    int skipped() {
        return skipped;
    }

    /** A frame's outcome, and its bytes when SENT. */
    record Encoded(Outcome outcome, MemorySegment data) {
        static final Encoded SKIP = new Encoded(Outcome.SKIPPED, null);
        static final Encoded FAIL = new Encoded(Outcome.FAILED, null);
    }

    /**
     * Encodes a frame when the rate allows it at {@code now}. SKIPPED: send nothing. FAILED: send the picture as a
     * draw; after a failure every later frame goes as a draw too, so an inter-frame decoder never sees a gap.
     */
    Encoded encode(Bitmap frame, int mmTime, SegmentAllocator alloc, long now) {
        if (failed) {
            return Encoded.FAIL;
        }
        if (!rate.admit(now)) {
            skipped++;
            return Encoded.SKIP;
        }
        MemorySegment out;
        try {
            out = encoder.encode(frame, mmTime, alloc);
        } catch (RuntimeException e) {
            LOG.error("stream {}: encoder threw", streamId, e);
            out = null;
        }
        if (out == null) {
            LOG.error("stream {}: the codec {} encoder failed; this client gets the stream's frames as draws",
                    streamId, codecType());
            disable();
            return Encoded.FAIL;
        }
        frames++;
        rate.sent(out.byteSize(), mmTime, now);
        tellRate();
        return new Encoded(Outcome.SENT, out);
    }

    /** From now on every frame goes as a draw (the encoder failed, or the client cannot decode the stream). */
    void disable() {
        if (!failed) {
            failed = true;
            encoder.close();
        }
    }

    /** A queued frame of this stream was replaced by a newer one before it was sent. */
    void dropped(long now) {
        if (failed) {
            return;
        }
        rate.serverDrop(now);
        tellRate();
    }

    /** The client's STREAM_REPORT (already matched to this stream and report id). */
    void report(int reportFrames, long drops, int endMmTime, int lastDelayMs, long now) {
        if (!failed) {
            rate.clientReport(reportFrames, drops, endMmTime, lastDelayMs, now);
            tellRate();
        }
    }

    /** The encoder aims at the rate's current figure from its next frame. */
    private void tellRate() {
        if (rate.bitRate() != toldRate) {
            LOG.debug("stream {}: rate {} -> {} kbit/s", streamId, toldRate / 1000, rate.bitRate() / 1000);
            toldRate = rate.bitRate();
            encoder.bitRate(toldRate);
        }
    }

    @Override
    public void close() {
        disable();
    }
}
