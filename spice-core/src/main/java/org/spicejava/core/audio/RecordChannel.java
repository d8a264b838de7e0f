package org.spicejava.core.audio;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.function.Consumer;

import org.spicejava.core.protocol.ChannelType;

/**
 * One record interface instance: what the client captured waits in a ring of {@link #RING_SAMPLES} stereo samples
 * (the reference's size, 170 ms at 48 kHz) until the host reads it (spice_server_record_get_samples). A client
 * that sends faster than the host reads overwrites the oldest samples, so memory stays bounded. As in the
 * reference, the host gets nothing until the ring is half full after a start, which absorbs the client's jitter.
 */
public final class RecordChannel extends SoundChannel {
    /** RECORD_SAMPLES_SIZE. */
    public static final int RING_SAMPLES = 8192;
    private static final ValueLayout.OfInt SAMPLE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Stereo samples, left in the low 16 bits (the byte order of the wire and of the host's buffer). */
    private final int[] ring = new int[RING_SAMPLES];
    private long writePos;
    private long readPos;

    public RecordChannel(Consumer<Runnable> mainLoop, OpusCodec opus) {
        super(mainLoop, opus);
    }

    @Override
    public int channelType() {
        return ChannelType.RECORD;
    }

    @Override
    public int caps() {
        return 1 << SoundProtocol.RECORD_CAP_VOLUME | (opusOffered() ? 1 << SoundProtocol.RECORD_CAP_OPUS : 0);
    }

    @Override
    void onStart() {
        writePos = 0;
        readPos = 0;
    }

    /**
     * spice_server_record_get_samples: copies up to {@code max} stereo samples into {@code dest} (which has room
     * for them) and returns how many; 0 with no client or before the ring first filled half way.
     */
    public synchronized int getSamples(MemorySegment dest, int max) {
        if (client() == null || !active() || writePos < RING_SAMPLES / 2 || max <= 0) {
            return 0;
        }
        int n = (int) Math.min(writePos - readPos, max);
        int at = (int) (readPos % RING_SAMPLES);
        int first = Math.min(n, RING_SAMPLES - at);
        MemorySegment.copy(ring, at, dest, SAMPLE, 0, first);
        MemorySegment.copy(ring, 0, dest, SAMPLE, (long) first * 4, n - first);
        readPos += n;
        return n;
    }

    /** The client's samples (the client, main loop): {@code count} stereo samples of {@code pcm}, interleaved. */
    synchronized void write(short[] pcm, int count) {
        for (int i = 0; i < count; i++) {
            ring[(int) (writePos++ % RING_SAMPLES)] = (pcm[2 * i] & 0xffff) | pcm[2 * i + 1] << 16;
        }
        if (writePos - readPos > RING_SAMPLES) {
            readPos = writePos - RING_SAMPLES;
        }
    }

    /** How many samples the host could read now, for tests and figures. */
    synchronized long buffered() {
        return writePos - readPos;
    }
}
