package org.spicejava.core.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;
import org.spicejava.core.net.FakeSocket;
import org.spicejava.core.protocol.ChannelType;

/**
 * The record channel: START goes to the client when the host starts, the client's raw or Opus frames reach the
 * host's buffer in order once the ring is half full, the ring stays bounded, and hostile DATA is dropped while the
 * channel keeps working.
 */
class RecordChannelTest {
    private final FakeSocket socket = new FakeSocket();
    private final FakeOpus opus = new FakeOpus();
    private final RecordChannel channel = new RecordChannel(Runnable::run, opus);
    private RecordChannelClient client;

    private void connect(int caps) {
        client = new RecordChannelClient(socket.connection(), SoundWire.link(ChannelType.RECORD, caps), channel);
        client.start();
    }

    private static ByteBuffer body(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A raw DATA message of {@code samples} stereo samples numbered from {@code first} (left) and -first (right). */
    private void sendRaw(int first, int samples) {
        ByteBuffer b = body(4 + 4 * samples).putInt(0);
        for (int i = 0; i < samples; i++) {
            b.putShort((short) (first + i)).putShort((short) -(first + i));
        }
        send(SoundProtocol.MSGC_RECORD_DATA, b.flip());
    }

    private void send(int type, ByteBuffer body) {
        socket.receive(SoundWire.clientMessage(type, body), 1 << 16);
    }

    private int read(MemorySegment dest, int max) {
        return channel.getSamples(dest, max);
    }

    @Test
    void startReachesTheClientAndSamplesReachTheHostInOrder() {
        connect(0);
        channel.start();
        assertEquals(java.util.List.of(SoundProtocol.MSG_RECORD_START), SoundWire.types(socket));
        ByteBuffer start = SoundWire.messages(socket).get(0).body();
        assertEquals(2, start.getInt(0));
        assertEquals(SoundProtocol.OPUS_RATE, start.getInt(6));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dest = arena.allocate(4L * RecordChannel.RING_SAMPLES);
            int sent = 0;
            while (sent < RecordChannel.RING_SAMPLES / 2 - SoundProtocol.FRAME_SAMPLES) {
                sendRaw(sent, SoundProtocol.FRAME_SAMPLES);
                sent += SoundProtocol.FRAME_SAMPLES;
            }
            assertEquals(0, read(dest, 100), "nothing until the ring is half full");
            sendRaw(sent, SoundProtocol.FRAME_SAMPLES);
            sent += SoundProtocol.FRAME_SAMPLES;
            int n = read(dest, RecordChannel.RING_SAMPLES);
            assertEquals(sent, n);
            for (int i = 0; i < n; i++) {
                assertEquals((short) i, dest.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i));
                assertEquals((short) -i, dest.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i + 1));
            }
            assertEquals(0, read(dest, 100), "all read");
        }
        channel.stop();
        assertEquals(SoundProtocol.MSG_RECORD_STOP, (int) SoundWire.types(socket).getLast());
    }

    @Test
    void aClientFasterThanTheHostOverwritesTheOldestSamples() {
        connect(0);
        channel.start();
        for (int i = 0; i < 50; i++) {
            sendRaw(i * SoundProtocol.FRAME_SAMPLES, SoundProtocol.FRAME_SAMPLES);
        }
        assertEquals(RecordChannel.RING_SAMPLES, channel.buffered());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dest = arena.allocate(8);
            assertEquals(1, read(dest, 1));
            int newest = 50 * SoundProtocol.FRAME_SAMPLES;
            assertEquals((short) (newest - RecordChannel.RING_SAMPLES), dest.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
        }
    }

    @Test
    void hostileDataIsDroppedAndTheChannelKeepsWorking() {
        connect(0);
        sendRaw(0, 10); // before START
        channel.start();
        sendRaw(0, SoundProtocol.FRAME_SAMPLES + 1); // larger than a frame
        send(SoundProtocol.MSGC_RECORD_DATA, body(2).putShort((short) 1).flip()); // no time field
        send(SoundProtocol.MSGC_RECORD_MODE, body(6).putInt(0).putShort((short) SoundProtocol.MODE_OPUS).flip());
        sendRaw(0, 10); // in a mode that was not offered (no Opus cap without set_rate)
        send(SoundProtocol.MSGC_RECORD_MODE, body(3).flip()); // short
        assertEquals(0, channel.buffered());
        assertEquals(6, client.droppedMessages()); // the refused MODE counts too
        send(SoundProtocol.MSGC_RECORD_MODE, body(6).putInt(0).putShort((short) SoundProtocol.MODE_RAW).flip());
        sendRaw(0, 10);
        assertEquals(10, channel.buffered());
        assertFalse(socket.closed());
    }

    @Test
    void opusDataIsDecodedAndUndecodablePacketsAreDropped() {
        channel.setRate(SoundProtocol.OPUS_RATE);
        assertTrue((channel.caps() & 1 << SoundProtocol.RECORD_CAP_OPUS) != 0);
        connect(1 << SoundProtocol.RECORD_CAP_OPUS);
        channel.start();
        send(SoundProtocol.MSGC_RECORD_MODE, body(6).putInt(0).putShort((short) SoundProtocol.MODE_OPUS).flip());
        assertEquals(SoundProtocol.MODE_OPUS, client.mode());
        byte[] packet = new byte[FakeOpus.PACKET];
        packet[0] = 9;
        send(SoundProtocol.MSGC_RECORD_DATA, body(4 + packet.length).putInt(0).put(packet).flip());
        assertEquals(SoundProtocol.FRAME_SAMPLES, channel.buffered());
        send(SoundProtocol.MSGC_RECORD_DATA, body(4 + 3).putInt(0).put(new byte[3]).flip());
        assertEquals(SoundProtocol.FRAME_SAMPLES, channel.buffered());
        assertEquals(1, client.droppedMessages());
    }

    @Test
    void noClientGivesTheHostNothing() {
        channel.start();
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(0, read(arena.allocate(64), 16));
        }
    }
}
