package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** Leases: shared by several holders, given back once, large buffers reused, guest memory borrowed only from the host. */
class PixelPoolTest {
    private final PixelPool pool = new PixelPool();

    @Test
    void lastHolderGivesBackOnceAndLargeBuffersAreReused() {
        PixelPool.Lease first = pool.lease();
        MemorySegment a = first.allocate(PixelPool.POOLED_MIN * 2, 8);
        AtomicInteger closed = new AtomicInteger();
        first.afterClose(closed::incrementAndGet);
        first.retain();
        first.close();
        assertEquals(0, closed.get(), "one holder is left");
        first.close();
        first.close();
        assertEquals(1, closed.get(), "given back exactly once");
        assertThrows(IllegalStateException.class, first::retain);

        PixelPool.Lease second = pool.lease();
        MemorySegment b = second.allocate(PixelPool.POOLED_MIN * 2, 8);
        assertEquals(a.address(), b.address(), "the freed buffer is reused");
        PixelPool.Lease third = pool.lease();
        MemorySegment c = third.allocate(PixelPool.POOLED_MIN * 2, 8);
        assertTrue(c.address() != b.address(), "a buffer in use is not handed out twice");
        second.close();
        third.close();
        pool.clear();
    }

    @Test
    void onlyTheHostGroupMayBeBorrowed() {
        PixelPool.Lease copying = pool.lease();
        assertFalse(copying.mayBorrow(0));
        PixelPool.Lease host = pool.lease(0);
        assertTrue(host.mayBorrow(0));
        assertFalse(host.mayBorrow(1), "guest ring commands are always copied");
        assertFalse(host.borrowsGuestMemory());
        host.borrow(MemorySegment.ofArray(new byte[4]));
        assertTrue(host.borrowsGuestMemory());
        copying.close();
        host.close();
    }
}
