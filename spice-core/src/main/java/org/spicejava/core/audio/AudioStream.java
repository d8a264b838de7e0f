package org.spicejava.core.audio;

/**
 * The server-side state of one playback or record instance (the reference's SndChannel): started flag, volume,
 * mute and sample rate. With no client connected there is nowhere to send or take samples, so buffers are empty.
 * Written by the host's threads (audio calls come from QEMU's main loop or audio timer), hence volatile fields.
 */
public final class AudioStream {
    /** SND_CODEC_CELT_PLAYBACK_FREQ: the rate used when no client has Opus. */
    public static final int DEFAULT_RATE = 44100;
    /** SND_CODEC_OPUS_PLAYBACK_FREQ. */
    public static final int OPUS_RATE = 48000;
    /** SPICE_INTERFACE_*_CHAN: stereo. */
    public static final int MAX_CHANNELS = 2;

    private volatile boolean started;
    private volatile boolean muted;
    private volatile short[] volume = new short[0];
    private volatile int rate = DEFAULT_RATE;
    private volatile boolean clientHasOpus;

    public void start() {
        started = true;
    }

    public void stop() {
        started = false;
    }

    public boolean started() {
        return started;
    }

    public void setMute(boolean value) {
        muted = value;
    }

    public boolean muted() {
        return muted;
    }

    /** Keeps at most {@link #MAX_CHANNELS} channel volumes, as the protocol carries. */
    public void setVolume(short[] channels) {
        volume = channels.length > MAX_CHANNELS ? java.util.Arrays.copyOf(channels, MAX_CHANNELS) : channels.clone();
    }

    public short[] volume() {
        return volume.clone();
    }

    public void setRate(int frequency) {
        rate = frequency;
    }

    public int rate() {
        return rate;
    }

    /** The best rate for the connected client: Opus's 48 kHz when it supports Opus, else 44.1 kHz. */
    public int bestRate() {
        return clientHasOpus ? OPUS_RATE : DEFAULT_RATE;
    }

    public void setClientHasOpus(boolean value) {
        clientHasOpus = value;
    }

    /** True when a client would take samples now; with none, the host keeps its own buffers. */
    public boolean hasConsumer() {
        return false;
    }
}
