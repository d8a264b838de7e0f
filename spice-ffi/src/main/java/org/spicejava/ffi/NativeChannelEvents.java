package org.spicejava.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.HashMap;
import java.util.Map;

import org.spicejava.core.session.ChannelEvents;

/**
 * Calls the host's channel_event with a SpiceChannelEventInfo (320 bytes: connection_id@0, type@4, id@8, flags@12,
 * laddr_ext@56, paddr_ext@184, llen_ext@312, plen_ext@316). QEMU keeps the info pointer between CONNECTED and
 * DISCONNECTED of the same channel, so each channel's info lives until its DISCONNECTED event has been delivered.
 */
final class NativeChannelEvents implements ChannelEvents {
    static final long INFO_SIZE = 320;
    private static final MethodHandle CALL = Native.pointerCall(
            FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));

    private final MemorySegment function;
    /** Each connected channel's info, in its own arena, until DISCONNECTED was delivered. */
    private final Map<Info, MemorySegment> live = new HashMap<>();
    private final Map<Info, Arena> arenas = new HashMap<>();

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
            CALL.invokeExact(function, event, c);
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
        MemorySegment c = arena.allocate(INFO_SIZE, 8);
        c.set(ValueLayout.JAVA_INT, 0, info.connectionId());
        c.set(ValueLayout.JAVA_INT, 4, info.channelType());
        c.set(ValueLayout.JAVA_INT, 8, info.channelId());
        c.set(ValueLayout.JAVA_INT, 12, info.flags());
        c.set(ValueLayout.JAVA_INT, 312, LibcNetwork.rawAddress(info.fd(), false, c.asSlice(56, 128)));
        c.set(ValueLayout.JAVA_INT, 316, LibcNetwork.rawAddress(info.fd(), true, c.asSlice(184, 128)));
        return c;
    }
}
