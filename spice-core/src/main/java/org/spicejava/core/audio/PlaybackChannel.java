package org.spicejava.core.audio;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.protocol.ChannelType;

/**
 * One playback interface instance. The host fills frames we lend it (get_buffer) and hands them back
 * (put_samples); each holds {@link SoundProtocol#FRAME_SAMPLES} stereo samples. Filled frames wait here until the
 * client's socket takes them. A slow or stalled client never makes the host wait or grow our memory: at most
 * {@link #MAX_PENDING} frames wait, and past that the oldest is dropped and counted. Frames live as long as the
 * instance, so a buffer the host holds stays valid whatever happens to clients meanwhile.
 */
public final class PlaybackChannel extends SoundChannel {
    private static final Logger LOG = LoggerFactory.getLogger(PlaybackChannel.class);
    /** Frames waiting for the client: 30 ms. The reference keeps one and replaces it. */
    static final int MAX_PENDING = 3;
    /** Frames in all: pending, one lent to the host, one spare. */
    static final int FRAMES = MAX_PENDING + 2;

    /** One frame of samples and where it is. */
    static final class Frame {
        final MemorySegment samples;
        int time;
        /** Which client the frame was lent for: a frame lent before a client change is not sent to the next one. */
        long generation;
        boolean lent;

        Frame(MemorySegment samples) {
            this.samples = samples;
        }
    }

    /** Samples are little-endian 16-bit, left then right (QEMU hands them as one uint32 per stereo sample). */
    static final ValueLayout.OfShort SAMPLE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final IntSupplier clock;
    private final Frame[] frames = new Frame[FRAMES];
    private final ArrayDeque<Frame> free = new ArrayDeque<>(FRAMES);
    private final ArrayDeque<Frame> pending = new ArrayDeque<>(FRAMES);
    private long generation;
    private long dropped;
    private long foreignBuffers;

    /** {@code clock}: the multimedia time in ms that frames are stamped with. */
    public PlaybackChannel(Consumer<Runnable> mainLoop, OpusCodec opus, IntSupplier clock) {
        super(mainLoop, opus);
        this.clock = clock;
        // Never freed: the host may hold a frame's address past anything we could observe.
        MemorySegment all = Arena.global().allocate((long) FRAMES * SoundProtocol.FRAME_BYTES, 8);
        for (int i = 0; i < FRAMES; i++) {
            frames[i] = new Frame(all.asSlice((long) i * SoundProtocol.FRAME_BYTES, SoundProtocol.FRAME_BYTES));
            free.add(frames[i]);
        }
    }

    @Override
    public int channelType() {
        return ChannelType.PLAYBACK;
    }

    @Override
    public int caps() {
        return 1 << SoundProtocol.PLAYBACK_CAP_VOLUME | (opusOffered() ? 1 << SoundProtocol.PLAYBACK_CAP_OPUS : 0);
    }

    /**
     * spice_server_playback_get_buffer: a frame to fill, or null when no client listens (the host then keeps its
     * samples, as with the reference). When every frame is busy the oldest waiting one is given up.
     */
    public synchronized MemorySegment getBuffer() {
        if (client() == null || !active()) {
            return null;
        }
        Frame frame = free.poll();
        if (frame == null) {
            frame = pending.poll();
            if (frame == null) {
                return null; // the host holds every frame: it asked twice without giving one back
            }
            countDrop();
        }
        frame.lent = true;
        frame.generation = generation;
        return frame.samples;
    }

    /**
     * spice_server_playback_put_samples: the host gives a frame back filled. A buffer that is not one of ours, or
     * not lent, is ignored with a log line; a frame lent to an earlier client, or after stop, is recycled unsent.
     */
    public synchronized void putSamples(long address) {
        Frame frame = frameAt(address);
        if (frame == null || !frame.lent) {
            if (++foreignBuffers <= 10 || foreignBuffers % 1000 == 0) {
                LOG.warn("playback: put_samples with {} buffer 0x{} ignored ({} so far)",
                        frame == null ? "a foreign" : "an unlent", Long.toHexString(address), foreignBuffers);
            }
            return;
        }
        frame.lent = false;
        if (client() == null || frame.generation != generation || !active()) {
            free.add(frame);
            return;
        }
        frame.time = clock.getAsInt();
        pending.add(frame);
        if (pending.size() > MAX_PENDING) {
            free.add(pending.poll());
            countDrop();
        }
        kickClient();
    }

    private Frame frameAt(long address) {
        for (Frame f : frames) {
            if (f.samples.address() == address) {
                return f;
            }
        }
        return null;
    }

    private void countDrop() {
        dropped++;
        if (dropped == 1 || dropped % 1000 == 0) {
            LOG.warn("playback: the client does not keep up; {} frame(s) dropped so far, oldest first", dropped);
        }
    }

    public synchronized long droppedFrames() {
        return dropped;
    }

    /** The oldest waiting frame, for the client to send; null when none. Give it back with {@link #recycle}. */
    synchronized Frame takePending() {
        return pending.poll();
    }

    synchronized void recycle(Frame frame) {
        free.add(frame);
    }

    synchronized boolean hasPending() {
        return !pending.isEmpty();
    }

    /** Copies a taken frame's samples, interleaved, into {@code pcm}. */
    static void copySamples(Frame frame, short[] pcm) {
        MemorySegment.copy(frame.samples, SAMPLE, 0, pcm, 0, SoundProtocol.FRAME_SAMPLES * 2);
    }

    @Override
    void onClientChanged() {
        generation++;
        while (!pending.isEmpty()) {
            free.add(pending.poll());
        }
    }
}
