package org.spicejava.core.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Keys a native library makes on the asking thread: made ahead when that thread is idle, used first. */
class TicketKeySourceTest {
    private final List<TicketKey> made = new ArrayList<>();

    private TicketKey make() {
        TicketKey key = new JdkTicketKey();
        made.add(key);
        return key;
    }

    @AfterEach
    void jdkKeysAgain() {
        TicketKeySource.makeKeysWith(JdkTicketKey::new, true);
    }

    @Test
    void keysMadeAheadGoFirstAndLinksMakeTheirOwnWhenNoneIsLeft() throws Exception {
        TicketKeySource.makeKeysWith(this::make, false);
        TicketKeySource keys = new TicketKeySource();
        assertEquals(List.of(), made, "nothing made before the linking thread has time");
        for (int i = 1; i < TicketKeySource.READY; i++) {
            assertTrue(keys.makeOneAhead(), "more wanted after " + i);
        }
        assertFalse(keys.makeOneAhead(), "the last of " + TicketKeySource.READY);
        assertFalse(keys.makeOneAhead(), "no more than " + TicketKeySource.READY);
        assertEquals(TicketKeySource.READY, made.size());

        for (int i = 0; i < TicketKeySource.READY; i++) {
            assertSame(made.get(i), keys.next().get(), "key " + i + " was made ahead, oldest first");
        }
        TicketKey own = keys.next().get();
        assertEquals(TicketKeySource.READY + 1, made.size(), "with none left, the link makes its own");
        assertSame(made.getLast(), own);
        assertTrue(keys.makeOneAhead(), "taken keys are made again");
    }

    @Test
    void keysMadeOnABackgroundThreadAreNeverMadeOnTheLinkingThread() throws Exception {
        List<Thread> makers = new CopyOnWriteArrayList<>();
        TicketKeySource.makeKeysWith(() -> {
            makers.add(Thread.currentThread());
            return new JdkTicketKey();
        }, true);
        TicketKeySource keys = new TicketKeySource();
        assertFalse(keys.makeOneAhead());
        keys.next().get();
        assertFalse(makers.contains(Thread.currentThread()), "made here: " + makers);
    }
}
