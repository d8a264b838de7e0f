package org.spicejava.core.display;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Native memory for decoded images, reused: a full-HD frame is 8 MiB, and allocating and freeing that per frame
 * costs page faults and zeroing that dwarf the copy itself. Images are taken through a {@link Lease} (one per
 * command) and come back when the lease closes, which happens when the last client has sent them. Small images
 * get memory of their own. Display worker thread.
 */
public final class PixelPool {
    /** Below this, malloc is cheap and nothing is pooled. */
    static final long POOLED_MIN = 256 * 1024;
    /** Large buffers kept for reuse (a few frames in flight), and their bytes at most. */
    static final int MAX_FREE = 6;
    static final long MAX_FREE_BYTES = 32L << 20;

    private record Buffer(Arena arena, MemorySegment segment) {
    }

    private final ArrayDeque<Buffer> free = new ArrayDeque<>();
    private long freeBytes;

    /** A lease that copies every image. */
    public Lease lease() {
        return new Lease(Integer.MIN_VALUE);
    }

    /** A lease that may use images of memslot group {@code hostGroup} in place (see {@link Lease#mayBorrow}). */
    public Lease lease(int hostGroup) {
        return new Lease(hostGroup);
    }

    /** Frees the buffers kept for reuse (the device went away); leases still out free theirs on close. */
    public void clear() {
        free.forEach(b -> b.arena().close());
        free.clear();
        freeBytes = 0;
    }

    /**
     * Memory for one command's images, shared by whoever still needs them (client queues, the deferred renderer):
     * each holder {@link #retain}s and closes once; the last close gives everything back. Not thread-safe.
     */
    public final class Lease implements SegmentAllocator, AutoCloseable {
        private final List<Buffer> taken = new ArrayList<>(2);
        private final int borrowGroup;
        private Runnable afterClose;
        private boolean borrowed;
        private int holders = 1;
        private boolean closed;

        private Lease(int borrowGroup) {
            this.borrowGroup = borrowGroup;
        }

        /**
         * Whether images in memslot group {@code group} may be used in place: only the host's own group (QEMU's
         * VGA-mode and "-vga std" updates, freed by QEMU on release and never part of a guest ring), because the
         * command then stays unreleased until every client has its bytes.
         */
        boolean mayBorrow(int group) {
            return group == borrowGroup;
        }

        /** Uses guest memory in place; the command behind it must be released only when this lease closes. */
        MemorySegment borrow(MemorySegment guest) {
            borrowed = true;
            return guest;
        }

        /** True when an image points into guest memory rather than into a copy. */
        public boolean borrowsGuestMemory() {
            return borrowed;
        }

        /** Runs once, when the last holder has closed the lease. */
        public void afterClose(Runnable action) {
            afterClose = action;
        }

        public Lease retain() {
            if (closed) {
                throw new IllegalStateException("lease closed");
            }
            holders++;
            return this;
        }

        @Override
        public MemorySegment allocate(long byteSize, long byteAlignment) {
            if (closed) {
                throw new IllegalStateException("lease closed");
            }
            Buffer b = byteSize >= POOLED_MIN ? reuse(byteSize) : null;
            if (b == null) {
                Arena arena = Arena.ofConfined();
                b = new Buffer(arena, arena.allocate(byteSize, Math.max(byteAlignment, 8)));
            }
            taken.add(b);
            return b.segment().asSlice(0, byteSize);
        }

        /** A free buffer that fits without wasting more than half of it. */
        private Buffer reuse(long size) {
            for (Iterator<Buffer> it = free.iterator(); it.hasNext(); ) {
                Buffer b = it.next();
                long have = b.segment().byteSize();
                if (have >= size && have <= 2 * size) {
                    it.remove();
                    freeBytes -= have;
                    return b;
                }
            }
            return null;
        }

        @Override
        public void close() {
            if (closed || --holders > 0) {
                return;
            }
            closed = true;
            for (Buffer b : taken) {
                long size = b.segment().byteSize();
                if (size >= POOLED_MIN && free.size() < MAX_FREE && freeBytes + size <= MAX_FREE_BYTES) {
                    free.push(b);
                    freeBytes += size;
                } else {
                    b.arena().close();
                }
            }
            taken.clear();
            if (afterClose != null) {
                afterClose.run();
            }
        }
    }
}
