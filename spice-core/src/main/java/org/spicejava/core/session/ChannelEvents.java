package org.spicejava.core.session;

import java.net.InetSocketAddress;

/**
 * The host's channel_event callback (SpiceCoreInterface, core minor >= 3): tells QEMU which client channels are
 * connected so query-spice lists them. Main-loop thread only.
 */
public interface ChannelEvents {
    /** SPICE_CHANNEL_EVENT_*. */
    int CONNECTED = 1;
    int INITIALIZED = 2;
    int DISCONNECTED = 3;

    /** SPICE_CHANNEL_EVENT_FLAG_TLS. */
    int FLAG_TLS = 1;

    /** What SpiceChannelEventInfo carries about one channel connection. */
    record Info(int connectionId, int channelType, int channelId, int flags, int fd,
                InetSocketAddress local, InetSocketAddress peer) {
    }

    void channelEvent(int event, Info info);

    ChannelEvents NONE = (event, info) -> { };
}
