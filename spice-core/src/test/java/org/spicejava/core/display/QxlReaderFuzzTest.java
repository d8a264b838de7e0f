package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.spicejava.core.FuzzSeeds;
import org.spicejava.core.device.QxlDevice;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The QXL reader over fuzzed guest memory ({@link QxlFuzzing} says what it may do), in two setups: one memslot
 * whose contents are the input, and a whole memslot table made from the input, where every host access must also
 * stay inside a slot.
 */
class QxlReaderFuzzTest {
    /** Input: bytes 0-3 kind, command flags, command offset (u16); the whole input is slot 1 of group 0. */
    @FuzzTest
    void guestMemory(byte[] input) {
        readFromGuestMemory(input);
    }

    /** The seeds are commands the reader accepts, so replaying them runs the reader's real paths. */
    @Test
    void everySeedIsAValidCommand() {
        QxlSeeds.all().forEach((name, seed) -> assertNotNull(readFromGuestMemory(seed.ram()), name));
    }

    private static Object readFromGuestMemory(byte[] input) {
        if (input.length < 4) {
            return null;
        }
        try (GuestRam ram = new GuestRam(input.length); Arena images = Arena.ofConfined()) {
            ram.bytes(0, input);
            ByteBuffer head = ByteBuffer.wrap(input).order(ByteOrder.LITTLE_ENDIAN);
            QxlReader reader = new QxlReader(ram.memory, QxlFuzzing.SURFACES);
            return QxlFuzzing.read(reader, head.get(0), GuestRam.qxl(Short.toUnsignedInt(head.getShort(2))), 0,
                    head.get(1), images);
        }
    }

    /** The largest memslot table input takes: slots beyond it are ignored. */
    static final int MAX_SLOTS = 8;
    private static final int TABLE_HEAD = 5;
    private static final int SLOT_BYTES = 16;
    private static final int COMMAND_BYTES = 11;

    /**
     * Input: u8 generation bits, u8 id bits, u8 slots per group, u8 groups, u8 slot count (up to 8); per slot u8
     * group, u8 id, u16 generation, u32 start, u32 end (offsets in the backing memory) and i32 address delta
     * (relative to the backing memory); then u8 kind, u8 command flags, u8 group, u64 QXL address; the rest is the
     * backing memory the slots lie in.
     */
    @FuzzTest
    void memslots(byte[] input) {
        ByteBuffer in = ByteBuffer.wrap(input).order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < TABLE_HEAD) {
            return;
        }
        Memslots table = new Memslots(new QxlDevice.InitInfo(in.get(), in.get(), in.get(), in.get(), 0, 1));
        int count = Math.min(Byte.toUnsignedInt(in.get()), MAX_SLOTS);
        if (in.remaining() < count * SLOT_BYTES + COMMAND_BYTES) {
            return;
        }
        byte[][] slotFields = new byte[count][SLOT_BYTES];
        for (byte[] f : slotFields) {
            in.get(f);
        }
        int kind = in.get();
        int flags = in.get();
        int group = Byte.toUnsignedInt(in.get());
        long address = in.getLong();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment backing = arena.allocate(Math.max(in.remaining(), 1), 8);
            MemorySegment.copy(MemorySegment.ofArray(input), in.position(), backing, 0, in.remaining());
            List<Memslots.Slot> slots = new ArrayList<>();
            for (byte[] f : slotFields) {
                ByteBuffer s = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
                int slotGroup = Byte.toUnsignedInt(s.get());
                int id = Byte.toUnsignedInt(s.get());
                int generation = Short.toUnsignedInt(s.getShort());
                long start = Integer.toUnsignedLong(s.getInt()) % (backing.byteSize() + 1);
                long end = Integer.toUnsignedLong(s.getInt()) % (backing.byteSize() + 1);
                long delta = s.getInt();
                // Like the host, a slot only ever covers memory that exists.
                Memslots.Slot slot = new Memslots.Slot(backing.address() + Math.min(start, end),
                        backing.address() + Math.max(start, end), backing.address() + delta, generation);
                if (table.add(slotGroup, id, slot)) {
                    slots.add(slot);
                }
            }
            GuestMemory memory = new GuestMemory(table, (host, size) -> {
                assertTrue(slots.stream().anyMatch(s -> Long.compareUnsigned(host, s.virtStart()) >= 0
                                && Long.compareUnsigned(host + size, s.virtEnd()) <= 0),
                        "host read of " + size + " bytes at 0x" + Long.toHexString(host) + " lies in no memslot");
                return backing.asSlice(host - backing.address(), size);
            });
            QxlFuzzing.read(new QxlReader(memory, QxlFuzzing.SURFACES), kind, address, group, flags, arena);
        }
    }

    /** The guest memory seeds, and the same commands behind a table like {@link GuestRam}'s for the other test. */
    static Map<String, byte[]> memslotSeeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        for (Map.Entry<String, QxlSeeds.Seed> e : QxlSeeds.all().entrySet()) {
            QxlSeeds.Seed seed = e.getValue();
            ByteBuffer b = ByteBuffer.allocate(TABLE_HEAD + SLOT_BYTES + COMMAND_BYTES + seed.ram().length)
                    .order(ByteOrder.LITTLE_ENDIAN);
            b.put((byte) 8).put((byte) 8).put((byte) 4).put((byte) 1).put((byte) 1);
            b.put((byte) 0).put((byte) GuestRam.SLOT).putShort((short) GuestRam.GENERATION).putInt(0)
                    .putInt(seed.ram().length).putInt(0);
            b.put((byte) seed.kind()).put((byte) 0).put((byte) 0).putLong(GuestRam.qxl(seed.offset()));
            b.put(seed.ram());
            seeds.put(e.getKey(), b.array());
        }
        return seeds;
    }

    public static void main(String[] args) throws Exception {
        Map<String, byte[]> guest = new LinkedHashMap<>();
        QxlSeeds.all().forEach((name, seed) -> guest.put(name, seed.ram()));
        FuzzSeeds.write(Path.of(args[0]), QxlReaderFuzzTest.class, "guestMemory", guest);
        FuzzSeeds.write(Path.of(args[0]), QxlReaderFuzzTest.class, "memslots", memslotSeeds());
    }
}
