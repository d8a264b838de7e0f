package org.spicejava.core.session;

/**
 * One channel's life as the host's channel_event sees it: CONNECTED, INITIALIZED, DISCONNECTED, each at most once and
 * in that order. QEMU adds the channel to query-spice's list on INITIALIZED and removes it on DISCONNECTED by the
 * info pointer, so an INITIALIZED after the channel already closed (a client killed while its channel starts) would
 * leave an entry pointing at freed memory for good. Main-loop thread only.
 */
final class ChannelReport {
    private final ChannelEvents events;
    private final ChannelEvents.Info info;
    private boolean connected;
    private boolean disconnected;

    ChannelReport(ChannelEvents events, ChannelEvents.Info info) {
        this.events = events;
        this.info = info;
    }

    void connected() {
        if (!connected) {
            connected = true;
            events.channelEvent(ChannelEvents.CONNECTED, info);
        }
    }

    /** Reported only while the channel is still connected. */
    void initialized() {
        if (connected && !disconnected) {
            events.channelEvent(ChannelEvents.INITIALIZED, info);
        }
    }

    void disconnected() {
        if (connected && !disconnected) {
            disconnected = true;
            events.channelEvent(ChannelEvents.DISCONNECTED, info);
        }
    }
}
