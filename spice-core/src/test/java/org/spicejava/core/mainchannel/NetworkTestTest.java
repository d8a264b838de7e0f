package org.spicejava.core.mainchannel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.spicejava.core.channel.ChannelClient;
import org.spicejava.core.channel.NetworkEstimate;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.net.FakeSocket;
import org.spicejava.core.protocol.ChannelType;
import org.spicejava.core.server.SpiceServer;

/** The reference's network test: latency from the empty pings, rate from the 250 KiB one, and its threshold. */
class NetworkTestTest {
    @Test
    void latencyIsTheSmallerEmptyRoundTripAndTheRateUsesTheRest() {
        NetworkEstimate estimate = new NetworkEstimate();
        NetworkTest test = new NetworkTest(estimate);
        test.started(5);
        assertTrue(test.onPong(5, 40_000), "warm-up");
        assertTrue(test.onPong(6, 30_000), "latency");
        assertNull(estimate.result(), "nothing published before the rate ping's PONG");
        assertTrue(test.onPong(7, 30_000 + 200_000));
        NetworkEstimate.Result r = estimate.result();
        assertEquals(30_000, r.latencyMicros());
        assertEquals(250L * 1024 * 8 * 1_000_000 / 200_000, r.bitsPerSecond(), "2 Mbit in 0.2 s");
        assertTrue(estimate.lowBandwidth(), "about 10 Mbit/s is below 10 Mibit/s");
        assertEquals(NetworkTest.Stage.COMPLETE, test.stage());
        assertFalse(test.onPong(8, 1), "PONGs after the test are not the test's");
    }

    @Test
    void theThresholdIsTenMebibitsPerSecond() {
        long threshold = 10L * 1024 * 1024;
        assertFalse(new NetworkEstimate.Result(0, threshold).lowBandwidth());
        assertTrue(new NetworkEstimate.Result(0, threshold - 1).lowBandwidth());
        // 250 KiB in 195 ms is 10.5 Mbit/s: not low; in 200 ms (10.24 Mbit/s < 10.49): low.
        NetworkEstimate fast = new NetworkEstimate();
        runTest(fast, 1000, 1000, 1000 + 195_000);
        assertFalse(fast.lowBandwidth());
        NetworkEstimate slow = new NetworkEstimate();
        runTest(slow, 1000, 1000, 1000 + 200_000);
        assertTrue(slow.lowBandwidth());
    }

    @Test
    void aLargePingNoSlowerThanTheEmptyOnesGivesNoFigure() {
        NetworkEstimate estimate = new NetworkEstimate();
        NetworkTest test = runTest(estimate, 900, 500, 500);
        assertEquals(NetworkTest.Stage.INVALID, test.stage());
        assertNull(estimate.result());
        assertFalse(estimate.lowBandwidth(), "unknown counts as fast, as in the reference");
    }

    @Test
    void otherPongsAreNotTheTests() {
        NetworkEstimate estimate = new NetworkEstimate();
        NetworkTest test = new NetworkTest(estimate);
        assertFalse(test.onPong(1, 10), "before the test started");
        test.started(1);
        assertFalse(test.onPong(2, 10), "out of order: the warm-up's comes first");
        assertTrue(test.onPong(1, 10));
        assertFalse(test.onPong(1, 10), "a repeated PONG");
        assertEquals(NetworkTest.Stage.LATENCY, test.stage());
    }

    private static NetworkTest runTest(NetworkEstimate estimate, long warmup, long latency, long rate) {
        NetworkTest test = new NetworkTest(estimate);
        test.started(1);
        test.onPong(1, warmup);
        test.onPong(2, latency);
        test.onPong(3, rate);
        return test;
    }

    /** A message of the server's output (mini headers). */
    private record Sent(int type, int size, ByteBuffer body) {
    }

    private static List<Sent> messages(byte[] written) {
        ByteBuffer in = ByteBuffer.wrap(written).order(ByteOrder.LITTLE_ENDIAN);
        List<Sent> out = new ArrayList<>();
        while (in.remaining() >= 6) {
            int type = Short.toUnsignedInt(in.getShort());
            int size = in.getInt();
            ByteBuffer body = in.slice(in.position(), size).order(ByteOrder.LITTLE_ENDIAN);
            in.position(in.position() + size);
            out.add(new Sent(type, size, body));
        }
        return out;
    }

    private static byte[] pong(ByteBuffer ping) {
        return ByteBuffer.allocate(6 + 12).order(ByteOrder.LITTLE_ENDIAN).putShort((short) ChannelClient.MSGC_PONG)
                .putInt(12).putInt(ping.getInt(0)).putLong(ping.getLong(4)).array();
    }

    @Test
    void theMainChannelPingsAfterInitAndPublishesWhatThePongsShow() {
        FakeSocket socket = new FakeSocket();
        AtomicLong nanos = new AtomicLong(1_000_000_000L);
        NetworkEstimate estimate = new NetworkEstimate();
        MainChannelClient main = new MainChannelClient(socket.connection(),
                new LinkMessage(0, ChannelType.MAIN, 0, new int[] {0b1011}, new int[0]), new SpiceServer(), 9,
                List::of, estimate, nanos::get);
        main.start();
        List<Sent> sent = messages(socket.written());
        assertEquals(MainChannelClient.MSG_INIT, sent.getFirst().type());
        List<Sent> pings = sent.stream().filter(m -> m.type() == ChannelClient.MSG_PING).toList();
        assertEquals(List.of(12, 12, 12 + 250 * 1024), pings.stream().map(Sent::size).toList());
        assertEquals(1_000_000, pings.getFirst().body().getLong(4), "timestamps in microseconds");
        nanos.addAndGet(2_000_000); // 2 ms
        socket.receive(pong(pings.get(0).body()), 64);
        nanos.addAndGet(1_000_000); // 3 ms after sending
        socket.receive(pong(pings.get(1).body()), 64);
        assertNull(estimate.result());
        nanos.addAndGet(500_000_000); // the large one: 503 ms
        socket.receive(pong(pings.get(2).body()), 64);
        NetworkEstimate.Result r = estimate.result();
        assertNotNull(r);
        assertEquals(2000, r.latencyMicros());
        assertEquals(250L * 1024 * 8 * 1_000_000 / 501_000, r.bitsPerSecond());
        assertTrue(estimate.lowBandwidth());
        assertFalse(socket.closed());
    }

    @Test
    void aMainChannelWithoutAnEstimateRunsNoTest() {
        FakeSocket socket = new FakeSocket();
        new MainChannelClient(socket.connection(),
                new LinkMessage(0, ChannelType.MAIN, 0, new int[] {0b1011}, new int[0]), new SpiceServer(), 9,
                List::of).start();
        assertTrue(messages(socket.written()).stream().noneMatch(m -> m.type() == ChannelClient.MSG_PING));
    }
}
