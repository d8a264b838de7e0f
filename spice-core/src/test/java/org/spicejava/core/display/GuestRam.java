package org.spicejava.core.display;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.spicejava.core.device.QxlDevice;

/**
 * Crafted guest memory for parser tests: one memslot (group 0, slot 1, generation 3) over a native buffer, a bump
 * allocator that returns QXL addresses, and little-endian writers for the packed QXL structs.
 */
final class GuestRam implements AutoCloseable {
    static final int SLOT = 1;
    static final int GENERATION = 3;
    private final Arena arena = Arena.ofConfined();
    final MemorySegment base;
    final Memslots memslots = new Memslots(new QxlDevice.InitInfo(8, 8, 4, 1, 0, 64));
    final GuestMemory memory;
    private long next = 64; // offset 0 stays unused so that no object sits at guest address 0

    GuestRam(long size) {
        base = arena.allocate(size, 8);
        memslots.add(0, SLOT, new Memslots.Slot(base.address(), base.address() + size, base.address(), GENERATION));
        memory = new GuestMemory(memslots, (address, length) -> base.asSlice(address - base.address(), length));
    }

    /** The QXL address of an offset in this slot. */
    static long qxl(long offset) {
        return (long) SLOT << 56 | (long) GENERATION << 48 | offset;
    }

    /** The QXL address of the same offset with another generation or slot. */
    static long qxl(int slot, int generation, long offset) {
        return (long) slot << 56 | (long) generation << 48 | offset;
    }

    /** Bytes from offset 0 up to the end of the last reservation (fuzz seeds are made of them). */
    byte[] used() {
        return base.asSlice(0, next).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Reserves {@code size} zeroed bytes and returns their offset. */
    long alloc(long size) {
        long at = next;
        next = (next + size + 7) & ~7L;
        base.asSlice(at, size).fill((byte) 0);
        return at;
    }

    GuestRam u8(long offset, int v) {
        base.set(ValueLayout.JAVA_BYTE, offset, (byte) v);
        return this;
    }

    GuestRam u16(long offset, int v) {
        base.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset, (short) v);
        return this;
    }

    GuestRam u32(long offset, int v) {
        base.set(ValueLayout.JAVA_INT_UNALIGNED, offset, v);
        return this;
    }

    GuestRam u64(long offset, long v) {
        base.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, v);
        return this;
    }

    GuestRam rect(long offset, int top, int left, int bottom, int right) {
        return u32(offset, top).u32(offset + 4, left).u32(offset + 8, bottom).u32(offset + 12, right);
    }

    GuestRam bytes(long offset, byte[] data) {
        MemorySegment.copy(MemorySegment.ofArray(data), 0, base, offset, data.length);
        return this;
    }

    /** A QXLDataChunk holding {@code data}, linked to {@code next} (a QXL address or 0); returns its offset. */
    long chunk(byte[] data, long next) {
        long at = alloc(20 + data.length);
        u32(at, data.length).u64(at + 12, next).bytes(at + 20, data);
        return at;
    }

    /** A QXLImage with a QXLBitmap; {@code data} is a QXL address (direct pixels or first chunk). */
    long bitmapImage(int format, int flags, int width, int height, int stride, long palette, long data) {
        long at = alloc(48);
        u8(at + 8, 0).u32(at + 10, width).u32(at + 14, height);
        u8(at + 18, format).u8(at + 19, flags).u32(at + 20, width).u32(at + 24, height).u32(at + 28, stride)
                .u64(at + 32, palette).u64(at + 40, data);
        return at;
    }

    /** A QXLPalette with these entries. */
    long palette(int... entries) {
        long at = alloc(10 + 4L * entries.length);
        u64(at, 77).u16(at + 8, entries.length);
        for (int i = 0; i < entries.length; i++) {
            u32(at + 10 + 4L * i, entries[i]);
        }
        return at;
    }

    /** A QXLDrawable of a type, on a surface, with a bbox and no clip; the union is left for the caller. */
    long drawable(int type, int surfaceId, int top, int left, int bottom, int right) {
        long at = alloc(191);
        u32(at + 8, surfaceId).u8(at + 13, type).rect(at + 31, top, left, bottom, right);
        for (int i = 0; i < 3; i++) {
            u32(at + 63 + 4L * i, -1);
        }
        return at;
    }

    @Override
    public void close() {
        arena.close();
    }
}
