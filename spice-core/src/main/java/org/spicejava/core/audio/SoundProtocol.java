package org.spicejava.core.audio;

/**
 * The playback and record channels' wire constants (spice.proto's PlaybackChannel and RecordChannel, spice-common's
 * snd_codec.h): message types, capabilities, data modes, and the frame the reference moves, 480 stereo 16-bit
 * samples (10 ms at 48 kHz) in raw and Opus mode alike.
 */
public final class SoundProtocol {
    public static final int MSG_PLAYBACK_DATA = 101;
    public static final int MSG_PLAYBACK_MODE = 102;
    public static final int MSG_PLAYBACK_START = 103;
    public static final int MSG_PLAYBACK_STOP = 104;
    public static final int MSG_PLAYBACK_VOLUME = 105;
    public static final int MSG_PLAYBACK_MUTE = 106;
    public static final int MSG_PLAYBACK_LATENCY = 107;

    public static final int MSG_RECORD_START = 101;
    public static final int MSG_RECORD_STOP = 102;
    public static final int MSG_RECORD_VOLUME = 103;
    public static final int MSG_RECORD_MUTE = 104;
    public static final int MSGC_RECORD_DATA = 101;
    public static final int MSGC_RECORD_MODE = 102;
    public static final int MSGC_RECORD_START_MARK = 103;

    /** SPICE_PLAYBACK_CAP_*. */
    public static final int PLAYBACK_CAP_VOLUME = 1;
    public static final int PLAYBACK_CAP_LATENCY = 2;
    public static final int PLAYBACK_CAP_OPUS = 3;
    /** SPICE_RECORD_CAP_*. */
    public static final int RECORD_CAP_VOLUME = 1;
    public static final int RECORD_CAP_OPUS = 2;

    /** SPICE_AUDIO_DATA_MODE_*. */
    public static final int MODE_INVALID = 0;
    public static final int MODE_RAW = 1;
    public static final int MODE_OPUS = 3;
    /** SPICE_AUDIO_FMT_S16. */
    public static final int FORMAT_S16 = 1;
    public static final int CHANNELS = 2;

    /** SND_CODEC_OPUS_PLAYBACK_FREQ: the only rate Opus is offered at, and the rate the reference calls best. */
    public static final int OPUS_RATE = 48000;
    /** SND_CODEC_MAX_FRAME_SIZE: samples per channel in one frame. */
    public static final int FRAME_SAMPLES = 480;
    /** One frame of interleaved stereo 16-bit samples. */
    public static final int FRAME_BYTES = FRAME_SAMPLES * CHANNELS * 2;
    /** SND_CODEC_MAX_COMPRESSED_BYTES: the room for one Opus packet. */
    public static final int MAX_OPUS_PACKET = 480;

    private SoundProtocol() {
    }

    static String modeName(int mode) {
        return switch (mode) {
            case MODE_RAW -> "raw";
            case MODE_OPUS -> "opus";
            default -> "mode " + mode;
        };
    }
}
