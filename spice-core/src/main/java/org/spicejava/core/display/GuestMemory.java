package org.spicejava.core.display;

import java.lang.foreign.MemorySegment;
import java.util.OptionalLong;

/**
 * Guest memory as the display worker may read it: every QXL address goes through the memslot table and comes back
 * as a segment exactly as long as what was asked, so a read can never leave the slot. Display worker thread.
 */
public final class GuestMemory {
    /** No single guest structure or pixel buffer we read is larger than this (a 16k x 16k x 4 surface). */
    public static final long MAX_READ = 1L << 30;

    /** Host memory by address (the binding sizes raw addresses; tests hand out slices of their own memory). */
    public interface HostMemory {
        MemorySegment segment(long address, long size);
    }

    private final Memslots memslots;
    private final HostMemory host;

    public GuestMemory(Memslots memslots, HostMemory host) {
        this.memslots = memslots;
        this.host = host;
    }

    /** {@code size} bytes at QXL address {@code address} of memslot group {@code group}. */
    public MemorySegment segment(long address, long size, int group) {
        if (address == 0) {
            throw new QxlException("NULL guest address");
        }
        if (size < 0 || size > MAX_READ) {
            throw new QxlException("guest read of " + size + " bytes refused");
        }
        OptionalLong hostAddress = memslots.translate(address, size, group);
        if (hostAddress.isEmpty()) {
            throw new QxlException("address 0x" + Long.toHexString(address) + " (+" + size
                    + ") is outside every memslot of group " + group + " or has a stale generation");
        }
        return host.segment(hostAddress.getAsLong(), size);
    }
}
