package org.spicejava.core.audio;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.spicejava.core.FuzzSeeds;
import org.spicejava.core.channel.ChannelFuzzing;
import org.spicejava.core.channel.ChannelFuzzing.Msg;
import org.spicejava.core.protocol.ChannelType;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The record channel's client messages over any stream (layout: {@link ChannelFuzzing}), with the Opus cap offered
 * (a stand-in codec that rejects most packets), while the host reads: the ring never holds more than its size and
 * the host never gets more than it asked for. The playback channel takes the same stream (it has no client
 * messages of its own, only the common ones).
 */
class SoundChannelFuzzTest {
    @FuzzTest
    void clientMessages(byte[] input) {
        RecordChannel record = new RecordChannel(Runnable::run, new FakeOpus());
        record.setRate(SoundProtocol.OPUS_RATE);
        record.start();
        ChannelFuzzing.run(input, ChannelType.RECORD, new int[] {record.caps()},
                (connection, link) -> new RecordChannelClient(connection, link, record));
        assertTrue(record.buffered() <= RecordChannel.RING_SAMPLES, "ring bounded: " + record.buffered());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dest = arena.allocate(4L * 100);
            assertTrue(record.getSamples(dest, 100) <= 100);
        }

        PlaybackChannel playback = new PlaybackChannel(Runnable::run, new FakeOpus(), () -> 0);
        playback.start();
        ChannelFuzzing.run(input, ChannelType.PLAYBACK, new int[] {playback.caps()},
                (connection, link) -> new PlaybackChannelClient(connection, link, playback, () -> true, () -> 0));
    }

    static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("raw", ChannelFuzzing.seed(true, 128,
                Msg.of(SoundProtocol.MSGC_RECORD_MODE, b -> b.putInt(1).putShort((short) SoundProtocol.MODE_RAW)),
                Msg.of(SoundProtocol.MSGC_RECORD_START_MARK, b -> b.putInt(2)),
                Msg.of(SoundProtocol.MSGC_RECORD_DATA, b -> b.putInt(3).putLong(0x0001000200030004L))));
        seeds.put("opus", ChannelFuzzing.seed(true, 64,
                Msg.of(SoundProtocol.MSGC_RECORD_MODE, b -> b.putInt(1).putShort((short) SoundProtocol.MODE_OPUS)),
                Msg.of(SoundProtocol.MSGC_RECORD_DATA, b -> b.putInt(3).put(new byte[FakeOpus.PACKET])),
                Msg.of(SoundProtocol.MSGC_RECORD_DATA, b -> b.putInt(4).put(new byte[3]))));
        seeds.put("full-header", ChannelFuzzing.seed(false, 128,
                Msg.of(SoundProtocol.MSGC_RECORD_DATA, b -> b.putInt(3).putInt(7))));
        seeds.put("oversized", ChannelFuzzing.seed(true, 128,
                new Msg(SoundProtocol.MSGC_RECORD_DATA, new byte[SoundProtocol.FRAME_BYTES + 8])));
        return seeds;
    }

    public static void main(String[] args) throws Exception {
        FuzzSeeds.write(Path.of(args[0]), SoundChannelFuzzTest.class, "clientMessages", seeds());
    }
}
