package org.spicejava.core.mainchannel;

import org.spicejava.core.channel.NetworkEstimate;

/**
 * The network test the reference's main channel runs when a client connects over TCP: three PINGs sent back to
 * back, with 0 (warm-up), 0 (latency) and 250 KiB of padding (rate). The latency is the smaller round trip of the
 * first two; the rate is the large ping's padding in bits over its round trip less that latency. A large ping
 * that came back no slower than the empty ones (a loaded client or server) gives no figure: the link then counts
 * as fast, as before the test. Pure state: the caller sends the pings and feeds the PONGs with its clock.
 * Main-loop thread.
 */
public final class NetworkTest {
    /** NET_TEST_WARMUP_BYTES and NET_TEST_BYTES: the padding of the three pings. */
    public static final int WARMUP_BYTES = 0;
    public static final int RATE_BYTES = 250 * 1024;
    /** Padding of each ping, in the order they are sent. */
    static final int[] PING_PADDING = {WARMUP_BYTES, 0, RATE_BYTES};

    enum Stage { NOT_STARTED, WARMUP, LATENCY, RATE, COMPLETE, INVALID }

    private final NetworkEstimate estimate;
    private Stage stage = Stage.NOT_STARTED;
    private int expectedId;
    private long latencyMicros;

    public NetworkTest(NetworkEstimate estimate) {
        this.estimate = estimate;
    }

    /** The test's pings were sent with ids {@code firstId}, firstId + 1, firstId + 2 (see {@link #PING_PADDING}). */
    void started(int firstId) {
        expectedId = firstId;
        stage = Stage.WARMUP;
    }

    Stage stage() {
        return stage;
    }

    /** The published result once the test completed, else null. */
    NetworkEstimate.Result result() {
        return stage == Stage.COMPLETE ? estimate.result() : null;
    }

    /** True while a ping of the test awaits its PONG. */
    boolean running() {
        return stage == Stage.WARMUP || stage == Stage.LATENCY || stage == Stage.RATE;
    }

    /**
     * A PONG for ping {@code id} came back {@code roundTripMicros} after that ping was sent. Returns false when it
     * is not the test's (another ping's, or one after the test): the caller handles it as any PONG.
     */
    boolean onPong(int id, long roundTripMicros) {
        if (!running() || id != expectedId) {
            return false;
        }
        long roundTrip = Math.max(0, roundTripMicros);
        switch (stage) {
            case WARMUP -> {
                latencyMicros = roundTrip;
                stage = Stage.LATENCY;
                expectedId++;
            }
            case LATENCY -> {
                latencyMicros = Math.min(latencyMicros, roundTrip);
                stage = Stage.RATE;
                expectedId++;
            }
            case RATE -> {
                if (roundTrip <= latencyMicros) {
                    stage = Stage.INVALID; // the estimate stays unset: a fast link
                } else {
                    long bits = (long) RATE_BYTES * 8 * 1_000_000L / (roundTrip - latencyMicros);
                    stage = Stage.COMPLETE;
                    estimate.publish(new NetworkEstimate.Result(latencyMicros, bits));
                }
            }
            default -> throw new IllegalStateException(stage.name());
        }
        return true;
    }
}
