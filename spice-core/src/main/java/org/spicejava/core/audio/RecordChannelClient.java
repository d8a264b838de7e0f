package org.spicejava.core.audio;

import java.nio.ByteBuffer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.net.SocketConnection;

/**
 * A client of a record channel: START, STOP, volume and mute go out; the client's MODE, START_MARK and DATA come
 * in, and its samples go to the channel's ring for the host. Client data is hostile: DATA before START, larger
 * than a frame, in a mode we did not accept, or Opus that does not decode is dropped with a rate-limited log line,
 * and the channel keeps working. Main-loop thread.
 */
public final class RecordChannelClient extends SoundChannelClient {
    private static final Logger LOG = LoggerFactory.getLogger(RecordChannelClient.class);

    private final RecordChannel channel;
    private final short[] pcm = new short[SoundProtocol.FRAME_SAMPLES * SoundProtocol.CHANNELS];
    private final byte[] packet = new byte[SoundProtocol.FRAME_BYTES];
    /** The client's mode; raw until it says otherwise, as the reference assumes. */
    private int mode = SoundProtocol.MODE_RAW;
    private OpusCodec.Decoder decoder;
    private int startMark;
    private long dropped;

    public RecordChannelClient(SocketConnection connection, LinkMessage link, RecordChannel channel) {
        super(connection, link, channel, SoundProtocol.RECORD_CAP_VOLUME);
        this.channel = channel;
    }

    public int mode() {
        return mode;
    }

    public long droppedMessages() {
        return dropped;
    }

    @Override
    boolean sendNext() {
        return sendStartIfDue() || sendStopIfDue(true)
                || sendVolumeIfDue(SoundProtocol.MSG_RECORD_VOLUME, SoundProtocol.MSG_RECORD_MUTE);
    }

    @Override
    void sendStart() {
        send(SoundProtocol.MSG_RECORD_START, body(10).putInt(SoundProtocol.CHANNELS)
                .putShort((short) SoundProtocol.FORMAT_S16).putInt(channel.rate()).flip());
    }

    @Override
    void sendStop() {
        send(SoundProtocol.MSG_RECORD_STOP, body(0));
    }

    @Override
    protected boolean handle(int type, ByteBuffer body) {
        switch (type) {
            case SoundProtocol.MSGC_RECORD_DATA -> onData(body);
            case SoundProtocol.MSGC_RECORD_MODE -> {
                if (body.remaining() < 6) {
                    drop("short MODE message");
                } else {
                    setMode(Short.toUnsignedInt(body.getShort(4)));
                }
            }
            case SoundProtocol.MSGC_RECORD_START_MARK -> {
                if (body.remaining() < 4) {
                    drop("short START_MARK message");
                } else {
                    startMark = body.getInt(0);
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private void setMode(int requested) {
        if (requested == SoundProtocol.MODE_RAW) {
            mode = requested;
        } else if (requested == SoundProtocol.MODE_OPUS && channel.opusOffered() && openDecoder()) {
            mode = requested;
        } else {
            drop("mode " + requested + " was not offered; data is dropped until a supported MODE");
            mode = SoundProtocol.MODE_INVALID;
            return;
        }
        LOG.info("record client uses {}", SoundProtocol.modeName(mode));
    }

    private boolean openDecoder() {
        if (decoder == null) {
            decoder = channel.opus().decoder(channel.rate());
        }
        return decoder != null;
    }

    private void onData(ByteBuffer body) {
        if (body.remaining() < 4) {
            drop("short DATA message");
            return;
        }
        int bytes = body.remaining() - 4;
        if (!clientActive()) {
            drop("DATA while the stream is stopped");
        } else if (mode == SoundProtocol.MODE_RAW) {
            if (bytes > SoundProtocol.FRAME_BYTES) {
                drop("DATA of " + bytes + " bytes, larger than a frame");
                return;
            }
            int samples = bytes / 4;
            body.position(4).asShortBuffer().get(pcm, 0, samples * 2);
            channel.write(pcm, samples);
        } else if (mode == SoundProtocol.MODE_OPUS) {
            if (bytes > packet.length) {
                drop("Opus packet of " + bytes + " bytes");
                return;
            }
            body.get(4, packet, 0, bytes);
            int samples = decoder.decode(packet, 0, bytes, pcm);
            if (samples < 0) {
                drop("undecodable Opus packet");
                return;
            }
            channel.write(pcm, samples);
        } else {
            drop("DATA in a mode that was not accepted");
        }
    }

    private void drop(String why) {
        dropped++;
        if (dropped <= 10 || dropped % 1000 == 0) {
            LOG.warn("record channel: {}; dropped ({} so far)", why, dropped);
        }
    }

    @Override
    void release() {
        if (decoder != null) {
            decoder.close();
            decoder = null;
        }
    }
}
