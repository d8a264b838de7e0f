package org.spicejava.core.channel;

import java.util.function.IntConsumer;

/**
 * What a client session's network test found (the reference's latency and bitrate_per_sec of its main channel
 * client). Written once by the main channel on the main-loop thread, read by the session's display channels on
 * their display worker threads: the result is an immutable record behind a volatile field.
 *
 * <p>Until a test completes, and when it gave no usable figure, the link counts as fast, as in the reference (its
 * bitrate starts at all ones).
 *
 * <p>It also carries the display channels' requests for more multimedia latency (a stream's first frames reach the
 * client late, behind what the link still carried) to the main channel, which tells the client its clock.
 */
public final class NetworkEstimate {
    /** Below this many bits per second a link is "low bandwidth" (the reference: 10 * 1024 * 1024, a TODO). */
    public static final long LOW_BANDWIDTH_BITS_PER_SECOND = 10L * 1024 * 1024;

    /** A completed test: the smaller round trip of the two empty pings, and the rate the large one showed. */
    public record Result(long latencyMicros, long bitsPerSecond) {
        public boolean lowBandwidth() {
            return bitsPerSecond < LOW_BANDWIDTH_BITS_PER_SECOND;
        }
    }

    private volatile Result result;
    private volatile IntConsumer latencyRequests = ms -> { };

    /** Main-loop thread. */
    public void publish(Result value) {
        result = value;
    }

    /** The completed test's result, or null before (or without) one. Any thread. */
    public Result result() {
        return result;
    }

    /** True when a completed test measured less than {@link #LOW_BANDWIDTH_BITS_PER_SECOND}. Any thread. */
    public boolean lowBandwidth() {
        Result r = result;
        return r != null && r.lowBandwidth();
    }

    /** Where {@link #needMoreLatency} goes: the session's main channel (set when it links). */
    public void onLatencyNeeded(IntConsumer mainChannel) {
        latencyRequests = mainChannel;
    }

    /** The client should play media {@code ms} later than it does. Any thread. */
    public void needMoreLatency(int ms) {
        latencyRequests.accept(ms);
    }
}
