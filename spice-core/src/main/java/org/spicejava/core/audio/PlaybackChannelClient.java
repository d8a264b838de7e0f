package org.spicejava.core.audio;

import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.net.SocketConnection;

/**
 * A client of a playback channel: MODE first, START, the host's frames as DATA (raw PCM or one Opus packet per
 * frame, stamped with the multimedia time at which the host handed them over), STOP, volume and mute. Opus is
 * used, as the reference decides, when playback compression is on, the client has the Opus cap and the channel
 * offers it; a frame Opus cannot encode switches the client to raw rather than losing it. Main-loop thread.
 */
public final class PlaybackChannelClient extends SoundChannelClient {
    private static final Logger LOG = LoggerFactory.getLogger(PlaybackChannelClient.class);

    private final PlaybackChannel channel;
    private final BooleanSupplier compression;
    private final IntSupplier clock;
    private final short[] pcm = new short[SoundProtocol.FRAME_SAMPLES * SoundProtocol.CHANNELS];
    private final byte[] packet = new byte[SoundProtocol.MAX_OPUS_PACKET];
    private int mode = SoundProtocol.MODE_INVALID;
    private boolean modeSent;
    private boolean opusFailed;
    private OpusCodec.Encoder encoder;

    /** {@code compression}: spice_server_set_playback_compression, read whenever the mode may change. */
    public PlaybackChannelClient(SocketConnection connection, LinkMessage link, PlaybackChannel channel,
                                 BooleanSupplier compression, IntSupplier clock) {
        super(connection, link, channel, SoundProtocol.PLAYBACK_CAP_VOLUME);
        this.channel = channel;
        this.compression = compression;
        this.clock = clock;
    }

    /** The mode the reference would pick now (snd_desired_audio_mode). */
    private int desiredMode() {
        boolean opus = compression.getAsBoolean() && link.hasChannelCap(SoundProtocol.PLAYBACK_CAP_OPUS)
                && channel.opusOffered() && !opusFailed;
        return opus ? SoundProtocol.MODE_OPUS : SoundProtocol.MODE_RAW;
    }

    public int mode() {
        return mode;
    }

    @Override
    boolean sendNext() {
        int want = desiredMode();
        if (want != mode) {
            switchMode(want);
        }
        if (!modeSent) {
            modeSent = true;
            send(SoundProtocol.MSG_PLAYBACK_MODE, body(6).putInt(clock.getAsInt()).putShort((short) mode).flip());
            return true;
        }
        if (sendStartIfDue()) {
            return true;
        }
        if (clientActive()) {
            PlaybackChannel.Frame frame = channel.takePending();
            if (frame != null) {
                sendFrame(frame);
                return true;
            }
        }
        return sendStopIfDue(!channel.hasPending())
                || sendVolumeIfDue(SoundProtocol.MSG_PLAYBACK_VOLUME, SoundProtocol.MSG_PLAYBACK_MUTE);
    }

    private void switchMode(int want) {
        if (want == SoundProtocol.MODE_OPUS && encoder == null) {
            encoder = channel.opus().encoder(channel.rate());
            if (encoder == null) {
                LOG.warn("playback: no Opus encoder; sending raw PCM");
                opusFailed = true;
                want = SoundProtocol.MODE_RAW;
            }
        }
        if (want != mode) {
            LOG.info("playback client uses {}", SoundProtocol.modeName(want));
            mode = want;
            modeSent = false;
        }
    }

    private void sendFrame(PlaybackChannel.Frame frame) {
        ByteBuffer body;
        if (mode == SoundProtocol.MODE_OPUS) {
            PlaybackChannel.copySamples(frame, pcm);
            int n = encoder.encode(pcm, 0, SoundProtocol.FRAME_SAMPLES, packet);
            if (n < 0) {
                opusFailed = true; // sent raw from now on, after a MODE message
                switchMode(SoundProtocol.MODE_RAW);
                send(SoundProtocol.MSG_PLAYBACK_MODE, body(6).putInt(clock.getAsInt()).putShort((short) mode).flip());
                modeSent = true;
                body = rawBody(frame);
            } else {
                body = body(4 + n).putInt(frame.time).put(packet, 0, n).flip();
            }
        } else {
            body = rawBody(frame);
        }
        channel.recycle(frame);
        send(SoundProtocol.MSG_PLAYBACK_DATA, body);
    }

    private static ByteBuffer rawBody(PlaybackChannel.Frame frame) {
        return body(4 + SoundProtocol.FRAME_BYTES).putInt(frame.time).put(frame.samples.asByteBuffer()).flip();
    }

    @Override
    void sendStart() {
        send(SoundProtocol.MSG_PLAYBACK_START, body(14).putInt(SoundProtocol.CHANNELS)
                .putShort((short) SoundProtocol.FORMAT_S16).putInt(channel.rate()).putInt(clock.getAsInt()).flip());
    }

    @Override
    void sendStop() {
        send(SoundProtocol.MSG_PLAYBACK_STOP, body(0));
    }

    @Override
    protected boolean handle(int type, java.nio.ByteBuffer body) {
        return false; // the playback channel has no client messages of its own
    }

    @Override
    void release() {
        if (encoder != null) {
            encoder.close();
            encoder = null;
        }
    }
}
