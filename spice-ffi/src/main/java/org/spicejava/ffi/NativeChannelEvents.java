package org.spicejava.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.IdentityHashMap;
import java.util.Map;

import org.spicejava.ffi.layout.SpiceChannelEventInfo;
import org.spicejava.core.session.ChannelEvents;

/**
 * Calls the host's channel_event with a SpiceChannelEventInfo. QEMU keeps the info pointer between CONNECTED and
 * DISCONNECTED of the same channel, so each channel's info lives until its DISCONNECTED event has been delivered.
 */
final class NativeChannelEvents implements ChannelEvents {
    /** SPICE_CHANNEL_EVENT_FLAG_ADDR_EXT: QEMU reads only the extended address fields. */
    static final int FLAG_ADDR_EXT = 2;

    private final MemorySegment function;
    /** Each connected channel's info, in its own arena, until DISCONNECTED was delivered; keyed by identity: two
     * channels may carry equal records. */
    private final Map<Info, MemorySegment> live = new IdentityHashMap<>();
    private final Map<Info, Arena> arenas = new IdentityHashMap<>();

    NativeChannelEvents(MemorySegment function) {
        this.function = function;
    }

    @Override
    public void channelEvent(int event, Info info) {
        if (function.equals(MemorySegment.NULL)) {
            return;
        }
        MemorySegment c = live.computeIfAbsent(info, this::allocate);
        try {
            Native.callHost(function, event, c.address(), 0, 0, 0);
        } catch (Throwable t) {
            throw new IllegalStateException("channel_event failed", t);
        } finally {
            if (event == DISCONNECTED) {
                live.remove(info);
                arenas.remove(info).close();
            }
        }
    }

    private MemorySegment allocate(Info info) {
        Arena arena = Arena.ofShared();
        arenas.put(info, arena);
        MemorySegment c = arena.allocate(SpiceChannelEventInfo.LAYOUT);
        SpiceChannelEventInfo.connection_id(c, info.connectionId());
        SpiceChannelEventInfo.type(c, info.channelType());
        SpiceChannelEventInfo.id(c, info.channelId());
        SpiceChannelEventInfo.flags(c, info.flags() | FLAG_ADDR_EXT); // addresses are in the *_ext fields
        SpiceChannelEventInfo.llen_ext(c, LibcNetwork.rawAddress(info.fd(), false, SpiceChannelEventInfo.laddr_ext(c)));
        SpiceChannelEventInfo.plen_ext(c, LibcNetwork.rawAddress(info.fd(), true, SpiceChannelEventInfo.paddr_ext(c)));
        return c;
    }
}
