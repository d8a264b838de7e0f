package org.spicejava.core.display;

import java.lang.foreign.MemorySegment;

import org.spicejava.core.device.QxlDevice;

/**
 * Guest memory as the display worker may read it: every QXL address goes through the memslot table and comes back
 * as a segment exactly as long as what was asked, so a read can never leave the slot. Display worker thread.
 */
public final class GuestMemory {
    /** No single guest structure or pixel buffer we read is larger than this (a 16k x 16k x 4 surface). */
    public static final long MAX_READ = 1L << 30;

    private final Memslots memslots;
    private final QxlDevice device;

    public GuestMemory(Memslots memslots, QxlDevice device) {
        this.memslots = memslots;
        this.device = device;
    }

    /** {@code size} bytes at QXL address {@code address} of memslot group {@code group}. */
    public MemorySegment segment(long address, long size, int group) {
        if (address == 0) {
            throw new QxlException("NULL guest address");
        }
        if (size < 0 || size > MAX_READ) {
            throw new QxlException("guest read of " + size + " bytes refused");
        }
        long host = memslots.translate(address, size, group).orElseThrow(() -> new QxlException(
                "address 0x" + Long.toHexString(address) + " (+" + size + ") is outside every memslot of group "
                        + group + " or has a stale generation"));
        return device.hostMemory(host, size);
    }
}
