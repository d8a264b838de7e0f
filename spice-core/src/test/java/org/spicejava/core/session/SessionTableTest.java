package org.spicejava.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class SessionTableTest {
    private static ClientSession session(int id) {
        return new ClientSession(id, null, null);
    }

    @Test
    void byDefaultANewClientReplacesTheConnectedOnes() {
        SessionTable table = new SessionTable(false);
        ClientSession first = session(5);
        assertEquals(List.of(), table.makeRoom());
        table.add(first);
        assertEquals(List.of(first), table.makeRoom());
    }

    @Test
    void sharedModeKeepsClientsUpToItsBoundThenRefusesNewcomers() {
        SessionTable table = new SessionTable(true);
        for (int i = 1; i <= SessionTable.MAX_SHARED; i++) {
            assertFalse(table.full());
            assertEquals(List.of(), table.makeRoom());
            table.add(session(i));
        }
        assertTrue(table.full(), "full: the clients watching stay, the newcomer is refused");
        assertFalse(new SessionTable(false).full());
        assertSame(table.find(7), table.all().get(6));
        assertNull(table.find(99));
        assertFalse(table.free(7), "an id in use is not given to a new client");
        assertFalse(table.free(0));
        assertTrue(table.free(99));
        assertTrue(table.remove(table.find(7)));
        assertFalse(table.remove(session(7)));
        assertEquals(SessionTable.MAX_SHARED - 1, table.size());
    }

    @Test
    void eitherVariableTurnsSharedModeOn() {
        assertFalse(SessionTable.sharedBy(Map.<String, String>of()::get));
        assertTrue(SessionTable.sharedBy(Map.of("SPICE_DEBUG_ALLOW_MC", "1")::get));
        assertTrue(SessionTable.sharedBy(Map.of("SPICE_JAVA_SHARED_CLIENTS", "")::get));
    }
}
