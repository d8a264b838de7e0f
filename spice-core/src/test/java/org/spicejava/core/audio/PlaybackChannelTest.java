package org.spicejava.core.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.spicejava.core.net.FakeSocket;
import org.spicejava.core.protocol.ChannelType;

/**
 * The playback channel against a faked client socket: the order of what a client receives, frames as the host
 * filled them, a stalled client costing only dropped frames (oldest first), foreign buffers, volume and mute.
 */
class PlaybackChannelTest {
    private static final int TIME = 4242;
    private final FakeSocket socket = new FakeSocket();
    private final PlaybackChannel channel = new PlaybackChannel(Runnable::run, null, () -> TIME);

    private PlaybackChannelClient connect(int caps) {
        PlaybackChannelClient client = new PlaybackChannelClient(socket.connection(),
                SoundWire.link(ChannelType.PLAYBACK, caps), channel, () -> true, () -> TIME);
        client.start();
        return client;
    }

    /** Lends a frame, fills it with {@code value} in every 16-bit sample, and gives it back. */
    private void play(short value) {
        MemorySegment frame = channel.getBuffer();
        assertNotNull(frame, "a frame while a client listens");
        assertEquals(SoundProtocol.FRAME_BYTES, frame.byteSize());
        for (int i = 0; i < SoundProtocol.FRAME_SAMPLES * 2; i++) {
            frame.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, value);
        }
        channel.putSamples(frame.address());
    }

    private static short firstSample(SoundWire.Message data) {
        return data.body().getShort(4);
    }

    @Test
    void noClientMeansNoBuffer() {
        channel.start();
        assertNull(channel.getBuffer());
    }

    @Test
    void clientGetsModeStartFramesAndStopInOrder() {
        connect(1 << SoundProtocol.PLAYBACK_CAP_VOLUME);
        channel.start();
        play((short) 7);
        play((short) 8);
        channel.stop();
        List<SoundWire.Message> got = SoundWire.messages(socket);
        assertEquals(List.of(SoundProtocol.MSG_PLAYBACK_MODE, SoundProtocol.MSG_PLAYBACK_START,
                SoundProtocol.MSG_PLAYBACK_DATA, SoundProtocol.MSG_PLAYBACK_DATA, SoundProtocol.MSG_PLAYBACK_STOP),
                got.stream().map(SoundWire.Message::type).toList());
        assertEquals(SoundProtocol.MODE_RAW, got.get(0).body().getShort(4), "raw without the client's Opus cap");
        ByteBuffer start = got.get(1).body();
        assertEquals(2, start.getInt(0));
        assertEquals(SoundProtocol.FORMAT_S16, start.getShort(4));
        assertEquals(SoundProtocol.OPUS_RATE, start.getInt(6));
        SoundWire.Message data = got.get(2);
        assertEquals(4 + SoundProtocol.FRAME_BYTES, data.body().remaining());
        assertEquals(TIME, data.body().getInt(0));
        assertEquals(7, firstSample(data));
        assertEquals(8, firstSample(got.get(3)));
    }

    @Test
    void stalledClientDropsOldestFramesAndResumesWithTheNewest() {
        connect(0);
        channel.start();
        socket.stall(true);
        play((short) 1); // the socket takes nothing: this one waits in the connection
        for (short v = 2; v <= 20; v++) {
            play(v);
        }
        assertTrue(channel.droppedFrames() > 0, "frames beyond the bound are dropped");
        assertEquals(19 - PlaybackChannel.MAX_PENDING, channel.droppedFrames());
        socket.stall(false);
        socket.writable();
        List<SoundWire.Message> data = SoundWire.messages(socket).stream()
                .filter(m -> m.type() == SoundProtocol.MSG_PLAYBACK_DATA).toList();
        // The one the socket held, then the newest MAX_PENDING: 18, 19, 20.
        assertEquals(1 + PlaybackChannel.MAX_PENDING, data.size());
        assertEquals(20 - PlaybackChannel.MAX_PENDING + 1, firstSample(data.get(1)));
        assertEquals(20, firstSample(data.get(data.size() - 1)));
    }

    @Test
    void hostHoldingEveryFrameStillGetsBuffersByDroppingTheOldest() {
        connect(0);
        channel.start();
        socket.stall(true);
        for (int i = 0; i < 100; i++) {
            MemorySegment frame = channel.getBuffer();
            assertNotNull(frame, "buffer " + i);
            channel.putSamples(frame.address());
        }
        assertTrue(channel.droppedFrames() >= 100 - PlaybackChannel.FRAMES);
    }

    @Test
    void foreignAndTwiceReturnedBuffersAreIgnored() {
        connect(0);
        channel.start();
        try (Arena arena = Arena.ofConfined()) {
            channel.putSamples(arena.allocate(SoundProtocol.FRAME_BYTES).address());
        }
        MemorySegment frame = channel.getBuffer();
        channel.putSamples(frame.address());
        channel.putSamples(frame.address());
        long frames = SoundWire.types(socket).stream().filter(t -> t == SoundProtocol.MSG_PLAYBACK_DATA).count();
        assertEquals(1, frames);
    }

    @Test
    void frameLentToAnEarlierClientIsNotSentToTheNext() {
        PlaybackChannelClient first = connect(0);
        channel.start();
        MemorySegment frame = channel.getBuffer();
        first.close("gone");
        first.closed("gone");
        FakeSocket second = new FakeSocket();
        new PlaybackChannelClient(second.connection(), SoundWire.link(ChannelType.PLAYBACK, 0), channel,
                () -> true, () -> TIME).start();
        channel.putSamples(frame.address());
        assertFalse(SoundWire.types(second).contains(SoundProtocol.MSG_PLAYBACK_DATA));
        assertTrue(SoundWire.types(second).contains(SoundProtocol.MSG_PLAYBACK_START), "the stream is running");
    }

    @Test
    void volumeAndMuteAsTheReferenceSendsThem() {
        channel.setVolume(new short[] {100, 200});
        FakeSocket without = socket;
        connect(0);
        assertFalse(SoundWire.types(without).contains(SoundProtocol.MSG_PLAYBACK_VOLUME), "only with the cap");

        // Linked after a volume was set: VOLUME and MUTE at once; then one message per host call, as the reference.
        FakeSocket with = new FakeSocket();
        new PlaybackChannelClient(with.connection(), SoundWire.link(ChannelType.PLAYBACK,
                1 << SoundProtocol.PLAYBACK_CAP_VOLUME), channel, () -> true, () -> TIME).start();
        channel.setVolume(new short[] {100, 200});
        channel.setMute(true);
        List<SoundWire.Message> got = SoundWire.messages(with);
        assertEquals(List.of(SoundProtocol.MSG_PLAYBACK_MODE, SoundProtocol.MSG_PLAYBACK_VOLUME,
                SoundProtocol.MSG_PLAYBACK_MUTE, SoundProtocol.MSG_PLAYBACK_VOLUME, SoundProtocol.MSG_PLAYBACK_MUTE),
                got.stream().map(SoundWire.Message::type).toList());
        ByteBuffer volume = got.get(1).body();
        assertEquals(2, volume.get(0));
        assertEquals(100, volume.getShort(1));
        assertEquals(200, volume.getShort(3));
        assertEquals(0, got.get(2).body().get(0));
        assertEquals(1, got.get(4).body().get(0));
    }

    @Test
    void aClientLinkedBeforeAnyVolumeGetsOnlyWhatTheHostSets() {
        FakeSocket with = new FakeSocket();
        new PlaybackChannelClient(with.connection(), SoundWire.link(ChannelType.PLAYBACK,
                1 << SoundProtocol.PLAYBACK_CAP_VOLUME), channel, () -> true, () -> TIME).start();
        channel.setVolume(new short[] {7000, 3000});
        channel.setMute(true);
        List<SoundWire.Message> got = SoundWire.messages(with);
        assertEquals(List.of(SoundProtocol.MSG_PLAYBACK_MODE, SoundProtocol.MSG_PLAYBACK_VOLUME,
                SoundProtocol.MSG_PLAYBACK_MUTE), got.stream().map(SoundWire.Message::type).toList());
        assertEquals(1, got.get(2).body().get(0), "no stale MUTE 0 before the host's mute");
    }

    @Test
    void opusIsOfferedOnlyAtItsRateWithACodec() {
        assertEquals(0, channel.caps() & 1 << SoundProtocol.PLAYBACK_CAP_OPUS, "no codec");
        PlaybackChannel withCodec = new PlaybackChannel(Runnable::run, new FakeOpus(), () -> TIME);
        withCodec.setRate(44100);
        assertEquals(0, withCodec.caps() & 1 << SoundProtocol.PLAYBACK_CAP_OPUS);
        withCodec.setRate(SoundProtocol.OPUS_RATE);
        assertTrue((withCodec.caps() & 1 << SoundProtocol.PLAYBACK_CAP_OPUS) != 0);
    }

    @Test
    void opusClientGetsPacketsAndFallsBackToRawWhenTheEncoderFails() {
        FakeOpus opus = new FakeOpus();
        PlaybackChannel opusChannel = new PlaybackChannel(Runnable::run, opus, () -> TIME);
        opusChannel.setRate(SoundProtocol.OPUS_RATE);
        PlaybackChannelClient client = new PlaybackChannelClient(socket.connection(),
                SoundWire.link(ChannelType.PLAYBACK, 1 << SoundProtocol.PLAYBACK_CAP_OPUS), opusChannel,
                () -> true, () -> TIME);
        client.start();
        opusChannel.start();
        MemorySegment frame = opusChannel.getBuffer();
        frame.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) 5);
        opusChannel.putSamples(frame.address());
        opus.failing = true;
        opusChannel.putSamples(((MemorySegment) opusChannel.getBuffer()).address());
        List<SoundWire.Message> got = SoundWire.messages(socket);
        assertEquals(List.of(SoundProtocol.MSG_PLAYBACK_MODE, SoundProtocol.MSG_PLAYBACK_START,
                SoundProtocol.MSG_PLAYBACK_DATA, SoundProtocol.MSG_PLAYBACK_MODE, SoundProtocol.MSG_PLAYBACK_DATA),
                got.stream().map(SoundWire.Message::type).toList());
        assertEquals(SoundProtocol.MODE_OPUS, got.get(0).body().getShort(4));
        assertEquals(4 + FakeOpus.PACKET, got.get(2).body().remaining());
        assertEquals(5, got.get(2).body().get(4), "the fake packet carries the first sample");
        assertEquals(SoundProtocol.MODE_RAW, got.get(3).body().getShort(4));
        assertEquals(4 + SoundProtocol.FRAME_BYTES, got.get(4).body().remaining());
        assertEquals(SoundProtocol.MODE_RAW, client.mode());
    }

    @Test
    void compressionTurnedOffSwitchesAConnectedClientToRaw() {
        FakeOpus opus = new FakeOpus();
        PlaybackChannel opusChannel = new PlaybackChannel(Runnable::run, opus, () -> TIME);
        opusChannel.setRate(SoundProtocol.OPUS_RATE);
        boolean[] compression = {true};
        PlaybackChannelClient client = new PlaybackChannelClient(socket.connection(),
                SoundWire.link(ChannelType.PLAYBACK, 1 << SoundProtocol.PLAYBACK_CAP_OPUS), opusChannel,
                () -> compression[0], () -> TIME);
        client.start();
        assertEquals(SoundProtocol.MODE_OPUS, client.mode());
        compression[0] = false;
        opusChannel.kickClient();
        assertEquals(SoundProtocol.MODE_RAW, client.mode());
        List<SoundWire.Message> modes = SoundWire.messages(socket);
        assertEquals(2, modes.size());
        assertEquals(SoundProtocol.MODE_RAW, modes.get(1).body().getShort(4));
    }
}
