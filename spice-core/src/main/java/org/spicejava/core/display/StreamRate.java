package org.spicejava.core.display;

/**
 * The bit rate one client's link allows for one video stream, and which frames go out at it. The rate starts from
 * the session's network test (as the reference's get_initial_bit_rate), falls when the client reports late or
 * dropped frames or when frames had to be dropped before they were sent (the client did not keep up), and climbs
 * again after a stable spell. Frames are paced with a token bucket: a frame goes out when the bytes sent so far
 * fit the rate; otherwise it is skipped before it is encoded, so the frame rate falls instead of the delay growing.
 * Pure state, time in nanoseconds passed in; display worker thread.
 */
final class StreamRate {
    /** The lowest and highest rates we aim at (bits per second). */
    static final long MIN_BIT_RATE = 128_000;
    static final long MAX_BIT_RATE = 200_000_000;
    /** RED_STREAM_DEFAULT_HIGH_START_BIT_RATE / LOW: when no network test ran. */
    static final long DEFAULT_START = 10L * 1024 * 1024;
    static final long DEFAULT_LOW_START = 5L * 512 * 1024;
    /** RED_STREAM_CHANNEL_CAPACITY: the share of the link the streams may take; the rest is for other messages. */
    static final double CHANNEL_CAPACITY = 0.8;
    /** A frame shown this many ms after its time counts as late (MJPEG_VIDEO_DELAY_TH). */
    static final int LATE_DELAY_MS = -15;
    /** A rate must hold this long without bad news before it may climb (MJPEG_CLIENT_POSITIVE_REPORT_TIMEOUT). */
    static final long STABLE_NS = 2_000_000_000L;
    /**
     * Bad reports in a stream's first seconds are ignored (MJPEG_WARMUP_TIME): what was queued before the stream
     * started makes its first frames late, which says nothing about the rate.
     */
    static final long WARMUP_NS = 3_000_000_000L;
    /**
     * Frames replaced before they were sent count against the rate only once the stream flows: after the warm-up
     * and a first on-time report, or after this long for clients that do not report. Until then the link is busy
     * with what was queued before the stream (a whole screen, on a slow link: seconds).
     */
    static final long UNREPORTED_FLOW_NS = 10_000_000_000L;
    /** Frames dropped before sending, as a share of all frames in a second, that lower the rate (the reference's). */
    static final double SERVER_DROP_LIMIT = 0.1;
    /** How much a rate falls, and climbs, per step. */
    static final double DECREASE = 0.75;
    static final double INCREASE = 1.2;
    /** The bucket holds at most this much of a second's bytes (a short burst after a quiet spell). */
    static final double BURST_SECONDS = 0.25;

    private long bitRate;
    private double tokens;
    private long lastRefill;
    private long lastChange;
    private final long start;
    /** The multimedia time of the first frame sent at the current rate, or -1 before one was sent. */
    private long changeFrameTime = -1;
    /** A report said frames arrive on time: the backlog from before the stream is gone. */
    private boolean onTime;
    /** Bytes and frames sent since the last rate change, to measure what the stream really uses. */
    private long sentBytes;
    private int sentFrames;
    private long sentSince;
    /** Frames dropped before sending, and frames sent, in the current second. */
    private int serverDrops;
    private int serverFrames;
    private long serverSince;

    StreamRate(long startBitRate, long now) {
        bitRate = clamp(startBitRate);
        tokens = burst();
        lastRefill = now;
        lastChange = now;
        start = now;
        sentSince = now;
        serverSince = now;
    }

    /**
     * The rate a new stream of {@code streamPixels} starts at: the measured link (or the default for its class),
     * its capacity share, and the stream's part of all live streams' pixels.
     */
    static long startBitRate(Long testedBitsPerSecond, boolean lowBandwidth, long streamPixels, long allPixels) {
        long link = testedBitsPerSecond != null && testedBitsPerSecond > 0 ? testedBitsPerSecond
                : lowBandwidth ? DEFAULT_LOW_START : DEFAULT_START;
        double share = allPixels > 0 ? Math.min(1.0, (double) streamPixels / allPixels) : 1.0;
        return clamp((long) (CHANNEL_CAPACITY * link * share));
    }

    long bitRate() {
        return bitRate;
    }

    /** True once a report said frames arrive on time: what was queued before the stream has gone through. */
    boolean flowedOnTime() {
        return onTime;
    }

    /** True when a frame may be encoded and sent at {@code now}; false: skip it. */
    boolean admit(long now) {
        refill(now);
        return tokens >= 0;
    }

    /** A frame of {@code bytes} for multimedia time {@code mmTime} went out. */
    void sent(long bytes, int mmTime, long now) {
        if (changeFrameTime < 0) {
            changeFrameTime = Integer.toUnsignedLong(mmTime);
        }
        refill(now);
        tokens -= bytes;
        sentBytes += bytes;
        sentFrames++;
        serverFrames++;
        checkServerDrops(now);
    }

    /** A frame was dropped unsent because a newer one replaced it in the client's queue. */
    void serverDrop(long now) {
        serverDrops++;
        checkServerDrops(now);
    }

    /**
     * A STREAM_REPORT: {@code drops} frames the client dropped, and how early (positive) or late (negative) in ms
     * the last frame of the window (of multimedia time {@code endMmTime}) arrived for its time. Bad news is ignored
     * during the warm-up and when it is about frames sent before the last change (the reference's rules: those
     * frames were on their way at the old rate). Returns true when the rate changed.
     */
    boolean clientReport(int frames, long drops, int endMmTime, int lastDelayMs, long now) {
        if (drops == 0 && lastDelayMs >= LATE_DELAY_MS) {
            onTime = true;
        }
        if (drops > 0 || lastDelayMs < LATE_DELAY_MS) {
            if (now - start < WARMUP_NS || changeFrameTime < 0
                    || Integer.toUnsignedLong(endMmTime) < changeFrameTime) {
                return false;
            }
            decrease(now);
            return true;
        }
        if (frames <= 0 || now - lastChange < STABLE_NS) {
            return false;
        }
        if (usedRate(now) < 0.6 * bitRate) { // the stream does not use what it has: measure afresh from here
            sentBytes = 0;
            sentFrames = 0;
            sentSince = now;
            return false;
        }
        bitRate = clamp((long) (bitRate * INCREASE));
        changed(now);
        return true;
    }

    private void checkServerDrops(long now) {
        if (now - serverSince < 1_000_000_000L) {
            return;
        }
        // With no frame of ours sent at all, the link is busy with other data (the screen sent before the stream,
        // on a slow link): the stream's rate is not what holds it up.
        int total = serverDrops + serverFrames;
        boolean flowing = now - start >= WARMUP_NS && (onTime || now - start >= UNREPORTED_FLOW_NS);
        if (flowing && serverFrames > 0 && (double) serverDrops / total > SERVER_DROP_LIMIT) {
            decrease(now);
        }
        serverDrops = 0;
        serverFrames = 0;
        serverSince = now;
    }

    /**
     * Lowers the rate below what the stream was seen to use when that is less than the target, but to no less than
     * half the target in one step: what it used may have been held down by other data on the link.
     */
    private void decrease(long now) {
        long used = usedRate(now);
        long base = used > 0 ? Math.max(Math.min(bitRate, used), bitRate / 2) : bitRate;
        bitRate = clamp((long) (base * DECREASE));
        tokens = Math.min(tokens, burst());
        changed(now);
    }

    /** Bits per second sent since the last change, or 0 when too little was sent to tell. */
    private long usedRate(long now) {
        long span = now - sentSince;
        if (sentFrames < 3 || span < 200_000_000L) {
            return 0;
        }
        return (long) (sentBytes * 8 * 1e9 / span);
    }

    private void changed(long now) {
        lastChange = now;
        changeFrameTime = -1;
        sentBytes = 0;
        sentFrames = 0;
        sentSince = now;
    }

    private void refill(long now) {
        long dt = Math.max(0, now - lastRefill);
        lastRefill = now;
        tokens = Math.min(burst(), tokens + bitRate / 8.0 * dt / 1e9);
    }

    private double burst() {
        return bitRate / 8.0 * BURST_SECONDS;
    }

    private static long clamp(long rate) {
        return Math.max(MIN_BIT_RATE, Math.min(MAX_BIT_RATE, rate));
    }
}
