package org.spicejava.core.display;

import java.util.OptionalLong;

import org.spicejava.core.device.QxlDevice;

/**
 * The QXL memslot table (the reference's RedMemSlotInfo): guest addresses carry a slot id and generation in their
 * high bits; each is translated to host memory only within its slot's bounds. Owned by the display worker thread.
 */
public final class Memslots {
    /** One slot as spice_qxl_add_memslot gave it. */
    public record Slot(long virtStart, long virtEnd, long addrDelta, int generation) {
    }

    private final Slot[][] slots;
    private final int genBits;
    private final int idBits;
    private final int idShift;
    private final int genShift;

    public Memslots(QxlDevice.InitInfo info) {
        int groups = Math.clamp(info.numMemslotGroups(), 1, 256);
        int perGroup = Math.clamp(info.numMemslots(), 1, 256);
        this.slots = new Slot[groups][perGroup];
        this.genBits = Math.clamp(info.memslotGenBits(), 0, 16);
        this.idBits = Math.clamp(info.memslotIdBits(), 0, 16);
        this.idShift = 64 - idBits;
        this.genShift = 64 - idBits - genBits;
    }

    /** Returns false (after nothing changed) when the group or slot id is out of range. */
    public boolean add(int group, int slot, Slot value) {
        if (!valid(group, slot)) {
            return false;
        }
        slots[group][slot] = value;
        return true;
    }

    public boolean delete(int group, int slot) {
        if (!valid(group, slot)) {
            return false;
        }
        slots[group][slot] = null;
        return true;
    }

    public void reset() {
        for (Slot[] group : slots) {
            java.util.Arrays.fill(group, null);
        }
    }

    public int count() {
        int n = 0;
        for (Slot[] group : slots) {
            for (Slot s : group) {
                n += s == null ? 0 : 1;
            }
        }
        return n;
    }

    /**
     * The host address of {@code size} bytes at guest address {@code address} in memslot group {@code group},
     * or empty when the address names no slot, a stale generation, or runs past the slot's end.
     */
    public OptionalLong translate(long address, long size, int group) {
        if (group < 0 || group >= slots.length || size < 0) {
            return OptionalLong.empty();
        }
        int id = idBits == 0 ? 0 : (int) (address >>> idShift);
        int generation = genBits == 0 ? 0 : (int) ((address >>> genShift) & ((1L << genBits) - 1));
        if (id >= slots[group].length || slots[group][id] == null) {
            return OptionalLong.empty();
        }
        Slot slot = slots[group][id];
        if (slot.generation() != generation) {
            return OptionalLong.empty();
        }
        // As in QEMU's qxl device: host address = address without slot bits + delta, which must lie in the slot.
        long host = (genShift >= 64 ? address : address & ((1L << genShift) - 1)) + slot.addrDelta();
        long end = host + size;
        if (Long.compareUnsigned(host, slot.virtStart()) < 0 || Long.compareUnsigned(end, host) < 0
                || Long.compareUnsigned(end, slot.virtEnd()) > 0) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(host);
    }

    private boolean valid(int group, int slot) {
        return group >= 0 && group < slots.length && slot >= 0 && slot < slots[group].length;
    }
}
