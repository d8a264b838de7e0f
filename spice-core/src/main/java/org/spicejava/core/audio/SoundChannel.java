package org.spicejava.core.audio;

import java.util.function.Consumer;

/**
 * The server side of one playback or record interface instance (the reference's SndChannel): whether the host has
 * the stream running, its volume and mute, its rate, and the one client linked to it (sound channels take a single
 * client; a new one replaces the old). The host calls in from its main loop and from vCPU threads (QEMU starts and
 * stops streams and sets volumes from guest register writes), so state is guarded by this object and anything
 * that touches a client's socket runs on the main loop through {@code mainLoop}.
 */
public abstract sealed class SoundChannel permits PlaybackChannel, RecordChannel {
    private final Consumer<Runnable> mainLoop;
    private final OpusCodec opus;
    private boolean active;
    private short[] volume = new short[0];
    private boolean muted;
    /** How many times the host set the volume and the mute: each call is told to the client, as the reference does. */
    private long volumeCalls;
    private long muteCalls;
    private int rate = SoundProtocol.OPUS_RATE;
    private boolean opusOffered;
    private SoundChannelClient client;

    SoundChannel(Consumer<Runnable> mainLoop, OpusCodec opus) {
        this.mainLoop = mainLoop;
        this.opus = opus;
    }

    /** The channel type this instance is linked as (playback or record). */
    public abstract int channelType();

    /** Our capability word for a client linking this channel. */
    public abstract int caps();

    public synchronized void start() {
        if (!active) {
            active = true;
            onStart();
        }
        kickClient();
    }

    public synchronized void stop() {
        active = false;
        onStop();
        kickClient();
    }

    /** Under the lock, as the stream starts; record channels rewind their buffer. */
    void onStart() {
    }

    /** Under the lock, as the stream stops. */
    void onStop() {
    }

    public synchronized boolean active() {
        return active;
    }

    /** Keeps the host's per-channel volumes as given (the message carries up to 255). */
    public synchronized void setVolume(short[] channels) {
        volume = channels.clone();
        volumeCalls++;
        kickClient();
    }

    public synchronized short[] volume() {
        return volume.clone();
    }

    public synchronized void setMute(boolean value) {
        muted = value;
        muteCalls++;
        kickClient();
    }

    public synchronized boolean muted() {
        return muted;
    }

    synchronized long volumeCalls() {
        return volumeCalls;
    }

    synchronized long muteCalls() {
        return muteCalls;
    }

    /** spice_server_get_best_*_rate: the reference always answers Opus's rate. */
    public int bestRate() {
        return SoundProtocol.OPUS_RATE;
    }

    /** spice_server_set_*_rate: Opus is offered to clients only at its own rate and when the codec is there. */
    public synchronized void setRate(int frequency) {
        rate = frequency;
        opusOffered = frequency == SoundProtocol.OPUS_RATE && opus != null && opus.available();
    }

    public synchronized int rate() {
        return rate;
    }

    synchronized boolean opusOffered() {
        return opusOffered;
    }

    OpusCodec opus() {
        return opus;
    }

    /** A client linked this channel (main loop): the previous one, if any, is closed as the reference does. */
    public void attach(SoundChannelClient next) {
        SoundChannelClient previous;
        synchronized (this) {
            previous = client;
            client = next;
            onClientChanged();
        }
        if (previous != null) {
            previous.close("replaced by a new sound client");
        }
    }

    /** The client went away (main loop). */
    public void detach(SoundChannelClient gone) {
        synchronized (this) {
            if (client != gone) {
                return;
            }
            client = null;
            onClientChanged();
        }
    }

    /** Under the lock, when the linked client changes. */
    void onClientChanged() {
    }

    synchronized SoundChannelClient client() {
        return client;
    }

    /** The interface is removed: its client goes (main loop). */
    public void remove() {
        SoundChannelClient last = client();
        stop();
        if (last != null) {
            last.close("sound interface removed");
        }
    }

    /** Lets the client send what changed, on the main loop. Any thread, lock held or not. */
    public void kickClient() {
        SoundChannelClient c = client();
        if (c != null) {
            mainLoop.accept(c.pumpTask);
        }
    }
}
