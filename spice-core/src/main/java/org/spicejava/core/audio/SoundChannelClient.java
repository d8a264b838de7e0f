package org.spicejava.core.audio;

import java.nio.ByteBuffer;

import org.spicejava.core.channel.ChannelClient;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.net.SocketConnection;

/**
 * A client linked to a playback or record channel (the reference's SndChannelClient). It mirrors the channel's
 * state to the client: START when the host runs the stream, STOP when it stops, volume and mute when they change.
 * Sound is real time, so a message goes out only once the socket took the previous one: what waits meanwhile is
 * the latest state (and, for playback, a few frames), never a backlog. Main-loop thread.
 */
public abstract sealed class SoundChannelClient extends ChannelClient permits PlaybackChannelClient,
        RecordChannelClient {
    /** Client messages are a frame of samples at most; anything far larger closes the channel. */
    static final int MAX_CLIENT_MESSAGE = 64 * 1024;

    private final SoundChannel channel;
    /** {@link #pump} as the task the channel posts for every frame (one object, not one per frame). */
    final Runnable pumpTask = this::pump;
    private final int volumeCap;
    /** Whether the client was last told START (true) or STOP. */
    private boolean clientActive;
    /** The host's volume and mute calls the client has been told of (the channel counts them). */
    private long volumeCallsSent;
    private long muteCallsSent;

    SoundChannelClient(SocketConnection connection, LinkMessage link, SoundChannel channel, int volumeCap) {
        super(connection, link, MAX_CLIENT_MESSAGE);
        this.channel = channel;
        this.volumeCap = volumeCap;
    }

    @Override
    protected void onStart() {
        connection.onWritten(pumpTask);
        channel.attach(this);
        // As the reference: a client linking after the host set a volume gets VOLUME and MUTE; otherwise only
        // what the host sets from now on.
        boolean hasVolume = channel.volume().length > 0;
        volumeCallsSent = hasVolume ? -1 : channel.volumeCalls();
        muteCallsSent = hasVolume ? -1 : channel.muteCalls();
        pump();
    }

    /** The session saw the connection close. */
    public void closed(String reason) {
        channel.detach(this);
        release();
    }

    /** Frees codec state; after the channel let go of this client. */
    abstract void release();

    /** Sends what the client is missing, one message per socket turn, while the socket takes them. */
    final void pump() {
        while (!closed() && connection.queuedBytes() == 0 && sendNext()) {
            // one message per turn
        }
    }

    /** Sends the most urgent message; false when nothing is due. */
    abstract boolean sendNext();

    boolean clientActive() {
        return clientActive;
    }

    /** START when the host started the stream and the client does not know yet. */
    final boolean sendStartIfDue() {
        if (channel.active() && !clientActive) {
            clientActive = true;
            sendStart();
            return true;
        }
        return false;
    }

    /** STOP when the host stopped and {@code drained} (nothing is left to send first). */
    final boolean sendStopIfDue(boolean drained) {
        if (!channel.active() && clientActive && drained) {
            clientActive = false;
            sendStop();
            return true;
        }
        return false;
    }

    /** VOLUME, then MUTE, when the host set them since the client was last told and the client takes them. */
    final boolean sendVolumeIfDue(int volumeMessage, int muteMessage) {
        if (!link.hasChannelCap(volumeCap)) {
            return false;
        }
        short[] volume = channel.volume();
        long volumeCalls = channel.volumeCalls();
        if (volumeCalls != volumeCallsSent && volume.length > 0) {
            volumeCallsSent = volumeCalls;
            int n = Math.min(volume.length, 255);
            ByteBuffer body = body(1 + 2 * n).put((byte) n);
            for (int i = 0; i < n; i++) {
                body.putShort(volume[i]);
            }
            send(volumeMessage, body.flip());
            return true;
        }
        long muteCalls = channel.muteCalls();
        if (muteCalls != muteCallsSent) {
            muteCallsSent = muteCalls;
            send(muteMessage, body(1).put((byte) (channel.muted() ? 1 : 0)).flip());
            return true;
        }
        return false;
    }

    abstract void sendStart();

    abstract void sendStop();
}
