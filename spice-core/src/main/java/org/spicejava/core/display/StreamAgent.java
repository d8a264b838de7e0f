package org.spicejava.core.display;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

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
    /** The most of the rate's bytes a frame may wait behind before it leaves this host. */
    static final long MAX_BACKLOG_MS = 150;
    /** Latency asked beyond a late frame's lateness, so the next frames are not just as late. */
    static final int LATENCY_MARGIN_MS = 100;

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
    /** Asks the session for more multimedia latency (ms). */
    private final IntConsumer moreLatency;
    /** The multimedia time of the newest frame offered, and the first one stamped after latency was last asked. */
    private int lastMmTime;
    private int latencyAskedFrom = Integer.MIN_VALUE;
    private boolean latencyAsked;

    StreamAgent(int streamId, int reportId, VideoEncoder encoder, StreamRate rate, IntConsumer moreLatency) {
        this.streamId = streamId;
        this.reportId = reportId;
        this.encoder = encoder;
        this.rate = rate;
        this.moreLatency = moreLatency;
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
     * Encodes a frame when the rate allows it at {@code now} and the client's connection has no more than
     * {@link #MAX_BACKLOG_MS} of the rate's bytes still to send ({@code backlogBytes}): a frame queued behind more
     * would reach the client late, after its time, and be dropped there. SKIPPED: send nothing. FAILED: send the
     * picture as a draw; after a failure every later frame goes as a draw too, so an inter-frame decoder never sees
     * a gap.
     */
    Encoded encode(Bitmap frame, int mmTime, SegmentAllocator alloc, long now, LongSupplier backlogBytes) {
        if (failed) {
            return Encoded.FAIL;
        }
        lastMmTime = mmTime;
        encoder.offered(mmTime);
        if (!rate.admit(now) || backlogBytes.getAsLong() > rate.bitRate() / 8 * MAX_BACKLOG_MS / 1000) {
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

    /**
     * The client's STREAM_REPORT (already matched to this stream and report id). Until frames first arrive on time,
     * a late frame asks the session for that much more multimedia latency (and a margin): a stream's first frames
     * queue behind whatever the link still carried, often a whole screen on a slow link, and the client drops a
     * frame that comes after its time. Later lateness is the rate's business (see {@link StreamRate}). A report on
     * frames stamped before the last request asks nothing more: they were on their way under the old clock.
     */
    void report(int reportFrames, long drops, int endMmTime, int lastDelayMs, long now) {
        if (failed) {
            return;
        }
        boolean flowing = rate.flowedOnTime();
        rate.clientReport(reportFrames, drops, endMmTime, lastDelayMs, now);
        if (!flowing && lastDelayMs < StreamRate.LATE_DELAY_MS
                && (!latencyAsked || endMmTime - latencyAskedFrom >= 0)) {
            moreLatency.accept((int) Math.min(Integer.MAX_VALUE, LATENCY_MARGIN_MS - (long) lastDelayMs));
            latencyAsked = true;
            latencyAskedFrom = lastMmTime + 1;
        }
        tellRate();
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
