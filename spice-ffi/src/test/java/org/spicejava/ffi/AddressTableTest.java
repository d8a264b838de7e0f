package org.spicejava.ffi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class AddressTableTest {
    @Test
    void findsAddsReplacesAndRemovesByAddress() {
        AddressTable<String> table = new AddressTable<>();
        assertNull(table.get(0x1000));
        table.put(0x1000, "qxl");
        table.put(0x2000, "kbd");
        table.put(0x3000, "mouse");
        assertEquals("kbd", table.get(0x2000));
        table.put(0x2000, "keyboard");
        assertEquals("keyboard", table.get(0x2000));
        assertEquals("keyboard", table.remove(0x2000));
        assertNull(table.get(0x2000));
        assertNull(table.remove(0x2000));
        assertEquals("qxl", table.get(0x1000));
        assertEquals("mouse", table.get(0x3000));
        table.removeIf(v -> v.startsWith("q"));
        assertNull(table.get(0x1000));
        assertEquals("mouse", table.get(0x3000));
    }

    @Test
    void anAddressIsAFullSixtyFourBitKey() {
        AddressTable<String> table = new AddressTable<>();
        table.put(0x7f00_0000_1000L, "high");
        table.put(0x1000, "low");
        assertEquals("high", table.get(0x7f00_0000_1000L));
        assertEquals("low", table.get(0x1000));
        assertNull(table.get(-1));
    }
}
