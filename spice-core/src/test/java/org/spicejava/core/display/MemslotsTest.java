package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.spicejava.core.device.QxlDevice;

/** Guest address translation stays inside the slot, with the right id and generation. */
class MemslotsTest {
    // QEMU's qxl: 8 generation bits, 8 id bits, 8 slots in 2 groups.
    private final Memslots slots = new Memslots(new QxlDevice.InitInfo(8, 8, 8, 2, 0, 1024));

    private static long address(int slot, int generation, long offset) {
        return ((long) slot << 56) | ((long) generation << 48) | offset;
    }

    @Test
    void translatesInsideTheSlot() {
        assertTrue(slots.add(1, 2, new Memslots.Slot(0x10000, 0x20000, 0x10000 - 0x1000, 5)));
        assertEquals(OptionalLong.of(0x10000L + 0x100), slots.translate(address(2, 5, 0x1100), 16, 1));
        assertEquals(OptionalLong.of(0x20000L - 16), slots.translate(address(2, 5, 0x1000 + 0x10000 - 16), 16, 1));
    }

    @Test
    void refusesOutOfRangeStaleOrUnknown() {
        slots.add(1, 2, new Memslots.Slot(0x10000, 0x20000, 0x10000 - 0x1000, 5));
        assertTrue(slots.translate(address(2, 5, 0x1000 + 0x10000 - 15), 16, 1).isEmpty(), "runs past the end");
        assertTrue(slots.translate(address(2, 5, 0x0fff), 1, 1).isEmpty(), "before the start");
        assertTrue(slots.translate(address(2, 6, 0x1100), 16, 1).isEmpty(), "stale generation");
        assertTrue(slots.translate(address(3, 5, 0x1100), 16, 1).isEmpty(), "empty slot");
        assertTrue(slots.translate(address(2, 5, 0x1100), 16, 0).isEmpty(), "other group");
        assertTrue(slots.translate(address(2, 5, 0x1100), 16, 7).isEmpty(), "group out of range");
        assertTrue(slots.translate(address(2, 5, 0x1100), -1, 1).isEmpty(), "negative size");
        assertTrue(slots.translate(address(2, 5, 0xffff_ffff_ffffL), Long.MAX_VALUE, 1).isEmpty(), "overflow");
    }

    @Test
    void addDeleteReset() {
        assertFalse(slots.add(2, 0, new Memslots.Slot(0, 1, 0, 0)));
        assertFalse(slots.add(0, 8, new Memslots.Slot(0, 1, 0, 0)));
        assertTrue(slots.add(0, 0, new Memslots.Slot(0, 100, 0, 0)));
        assertTrue(slots.add(1, 7, new Memslots.Slot(0, 100, 0, 0)));
        assertEquals(2, slots.count());
        assertTrue(slots.delete(0, 0));
        assertEquals(1, slots.count());
        slots.reset();
        assertEquals(0, slots.count());
    }
}
