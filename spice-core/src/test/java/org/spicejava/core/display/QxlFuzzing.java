package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.SegmentAllocator;
import java.lang.management.ManagementFactory;

import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.core.display.draw.Image;

/**
 * Reads one QXL command of any kind from fuzzed guest memory and checks what the reader may do: return a
 * validated record or throw {@link QxlException}; any other exception escapes to the fuzzer as a finding. The heap
 * it allocates for one command is bounded, because the server runs in a 64 MiB heap inside the host.
 */
final class QxlFuzzing {
    /** What one command may cost in heap: a quarter of the server's whole heap. */
    static final long MAX_HEAP_PER_COMMAND = 16L << 20;
    /** Command kinds a fuzz input selects (byte value modulo the count). */
    static final int DRAWABLE = 0;
    static final int SURFACE = 1;
    static final int CURSOR = 2;
    static final int UPDATE = 3;
    static final int MESSAGE = 4;
    static final int MONITORS = 5;
    static final int IMAGE = 6;
    static final int KINDS = 7;
    /** Surfaces that exist for SURFACE images: only 0, 64x48. */
    static final QxlReader.SurfaceSizes SURFACES = id -> id == 0 ? new int[] {64, 48} : null;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private QxlFuzzing() {
    }

    /** Reads the command; null when the reader refused it with a QxlException. */
    static Object read(QxlReader reader, int kind, long address, int group, int flags, SegmentAllocator alloc) {
        long heapBefore = THREADS.getCurrentThreadAllocatedBytes();
        Object result = readOnce(reader, kind, address, group, flags, alloc);
        long heap = THREADS.getCurrentThreadAllocatedBytes() - heapBefore;
        if (heap > MAX_HEAP_PER_COMMAND) {
            // Classes loaded (and instrumented by the fuzzer) on first use count too: measure again without them.
            heapBefore = THREADS.getCurrentThreadAllocatedBytes();
            readOnce(reader, kind, address, group, flags, alloc);
            heap = THREADS.getCurrentThreadAllocatedBytes() - heapBefore;
            assertTrue(heap <= MAX_HEAP_PER_COMMAND, "reading one command allocated " + heap + " bytes of heap");
        }
        return result;
    }

    private static Object readOnce(QxlReader reader, int kind, long address, int group, int flags,
                                   SegmentAllocator alloc) {
        Object result;
        try {
            result = switch (Math.floorMod(kind, KINDS)) {
                case DRAWABLE -> reader.drawable(address, group, flags, alloc);
                case SURFACE -> reader.surface(address, group);
                case CURSOR -> reader.cursor(address, group);
                case UPDATE -> reader.updateSurface(address, group);
                case MESSAGE -> reader.message(address, group);
                case MONITORS -> reader.monitorsConfig(address, group).check(16);
                default -> checkImage(reader.image(address, group, alloc));
            };
        } catch (QxlException refused) {
            result = null;
        }
        return result;
    }

    private static Image checkImage(Image image) {
        if (image instanceof Bitmap b) {
            assertTrue(b.width() > 0 && b.width() <= QxlReader.MAX_IMAGE_SIDE, "width " + b.width());
            assertTrue(b.height() > 0 && b.height() <= QxlReader.MAX_IMAGE_SIDE, "height " + b.height());
            assertEquals(4L * b.width() * b.height(), b.pixels().byteSize(), "decoded pixels");
        }
        return image;
    }
}
