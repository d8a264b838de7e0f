package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.management.ManagementFactory;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.core.display.draw.DrawOp;
import org.spicejava.core.display.draw.Rect;

/**
 * What a hostile guest can make the reader allocate and decode: never more than the chain really holds, never
 * more of an image than its source area, never more than a per-command budget tied to the target surface.
 */
class QxlReaderBoundsTest {
    private static final int SIDE = QxlReader.MAX_IMAGE_SIDE;
    private final Arena arena = Arena.ofConfined();
    private GuestRam ram = new GuestRam(1 << 20);
    private QxlReader reader = new QxlReader(ram.memory, id -> id == 0 ? new int[] {640, 480} : null);

    /** Counts what the reader takes from it; a real lease is the same kind of allocator. */
    private final class CountingAllocator implements SegmentAllocator {
        long bytes;

        @Override
        public MemorySegment allocate(long byteSize, long byteAlignment) {
            bytes += byteSize;
            return arena.allocate(byteSize, byteAlignment);
        }
    }

    @AfterEach
    void close() {
        arena.close();
        ram.close();
    }

    private static long allocatedByThisThread() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void chunkChainThatLiesAboutItsSizeAllocatesOnlyWhatItHolds() {
        long chunk = ram.chunk(new byte[16], 0);
        long image = ram.bitmapImage(BitmapFormat.ONE_BIT_BE, 4, SIDE, SIDE, SIDE / 8, 0, GuestRam.qxl(chunk));
        CountingAllocator alloc = new CountingAllocator();
        long before = allocatedByThisThread();
        assertThrows(QxlException.class, () -> reader.image(GuestRam.qxl(image), 0, alloc));
        long heap = allocatedByThisThread() - before;
        assertTrue(heap < 1 << 20, "the reader allocated " + heap + " heap bytes for a 16-byte chunk");
        assertEquals(0, alloc.bytes, "nothing decoded from a chain that holds 16 of 32 MiB");
    }

    /** A 1-bit 16384x16384 direct bitmap (32 MiB of guest data, 1 GiB decoded) in a slot big enough for it. */
    private long hugeMonoImage() {
        ram.close();
        ram = new GuestRam(40L << 20);
        reader = new QxlReader(ram.memory, id -> id == 0 ? new int[] {640, 480} : null);
        long data = ram.alloc((long) SIDE * SIDE / 8);
        // Row 300 (top-down), columns 200..207: alternate bits, so the crop can be checked.
        ram.u8(data + 300L * SIDE / 8 + 200 / 8, 0b1010_1010);
        long palette = GuestRam.qxl(ram.palette(0x000000, 0xffffff));
        return ram.bitmapImage(BitmapFormat.ONE_BIT_BE, 5, SIDE, SIDE, SIDE / 8, palette, GuestRam.qxl(data));
    }

    private long copy(long image, Rect srcArea, Rect bbox) {
        long d = ram.drawable(QxlReader.DRAW_COPY, 0, bbox.top(), bbox.left(), bbox.bottom(), bbox.right());
        ram.u64(d + 123, GuestRam.qxl(image))
                .rect(d + 131, srcArea.top(), srcArea.left(), srcArea.bottom(), srcArea.right()).u16(d + 147, 8);
        return d;
    }

    @Test
    void copyDecodesOnlyItsSourceArea() {
        long image = hugeMonoImage();
        long d = copy(image, new Rect(300, 200, 316, 216), new Rect(0, 0, 16, 16));
        CountingAllocator alloc = new CountingAllocator();
        DrawOp.Copy op = assertInstanceOf(DrawOp.Copy.class, reader.drawable(GuestRam.qxl(d), 0, 0, alloc).op());
        assertEquals(4L * 16 * 16, alloc.bytes, "decoded bytes");
        Bitmap b = assertInstanceOf(Bitmap.class, op.src());
        assertEquals(16, b.width());
        assertEquals(16, b.height());
        assertEquals(Rect.ofSize(16, 16), op.srcArea(), "the source area follows the crop");
        assertEquals(0xffffff, b.pixel(0, 0));
        assertEquals(0x000000, b.pixel(1, 0));
        assertEquals(0xffffff, b.pixel(6, 0));
        assertEquals(0x000000, b.pixel(0, 1));
    }

    @Test
    void scaledSourcePastTheBudgetIsRefusedBeforeDecoding() {
        long image = hugeMonoImage();
        long d = copy(image, Rect.ofSize(SIDE, SIDE), new Rect(0, 0, 16, 16));
        CountingAllocator alloc = new CountingAllocator();
        QxlException e = assertThrows(QxlException.class, () -> reader.drawable(GuestRam.qxl(d), 0, 0, alloc));
        assertTrue(e.getMessage().contains("budget"), e.getMessage());
        assertEquals(0, alloc.bytes);
    }

    @Test
    void croppedDecodeEqualsTheFullImageInEveryFormat() {
        Random random = new Random(7);
        long palette = GuestRam.qxl(ram.palette(random.ints(256).toArray()));
        int width = 13;
        int height = 7;
        Rect area = new Rect(1, 3, 6, 12); // top, left, bottom, right
        for (int format = BitmapFormat.ONE_BIT_LE; format <= BitmapFormat.EIGHT_BIT_A; format++) {
            for (int flags : new int[] {1, 5}) { // direct bottom-up, direct top-down
                int stride = (int) BitmapFormat.rowBytes(format, width) + 3;
                byte[] pixels = new byte[stride * height];
                random.nextBytes(pixels);
                long data = ram.alloc(pixels.length);
                ram.bytes(data, pixels);
                long image = ram.bitmapImage(format, flags, width, height, stride,
                        BitmapFormat.needsPalette(format) ? palette : 0, GuestRam.qxl(data));
                Bitmap full = (Bitmap) reader.image(GuestRam.qxl(image), 0, arena);
                long d = copy(image, area, new Rect(0, 0, area.height(), area.width()));
                DrawOp.Copy op = (DrawOp.Copy) reader.drawable(GuestRam.qxl(d), 0, 0, arena).op();
                Bitmap crop = (Bitmap) op.src();
                for (int y = 0; y < area.height(); y++) {
                    for (int x = 0; x < area.width(); x++) {
                        assertEquals(full.pixel(area.left() + x, area.top() + y), crop.pixel(x, y),
                                "format " + format + " flags " + flags + " at " + x + "," + y);
                    }
                }
            }
        }
    }
}
