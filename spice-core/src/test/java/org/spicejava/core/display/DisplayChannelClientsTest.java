package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import org.spicejava.core.compress.GlzWindow;

import org.junit.jupiter.api.Test;
import org.spicejava.core.host.FakeMainLoop;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.net.SocketConnection;

/**
 * Display and cursor clients whose peer vanished (the write fails, so the connection closes and its handler removes
 * the client) while a message is being handed to all of them. Seen in QemuFaultIT as a ConcurrentModificationException.
 */
class DisplayChannelClientsTest {
    private final FakeMainLoop host = new FakeMainLoop();

    private DisplayChannelClient connect(DisplayChannel display, int fd) {
        SocketConnection connection = new SocketConnection(fd, host, host, 1 << 20);
        DisplayChannelClient client = new DisplayChannelClient(connection,
                new LinkMessage(1, 2, 0, new int[] {0b1011}, new int[0]), display, new GlzWindow());
        display.addClient(client);
        connection.start(in -> { }, reason -> display.removeClient(client));
        client.start();
        return client;
    }

    @Test
    void aClientWhoseWriteFailsDuringABroadcastLeavesTheOthersAndTheCallerIntact() {
        DisplayChannel display = new DisplayChannel(0, 4);
        connect(display, 11);
        connect(display, 12);
        host.failWrites = true; // both peers reset: each closes inside its own push
        try (Arena arena = Arena.ofConfined()) {
            Surface primary = new Surface(0, 4, 4, Surface.FMT_32_XRGB, 16, arena.allocate(64), true);
            assertDoesNotThrow(() -> display.create(primary));
        }
        assertEquals(0, display.clients().size(), "both clients are gone");
    }

    @Test
    void aCursorClientWhoseWriteFailsLeavesTheChannelQuietly() {
        CursorChannel cursor = new CursorChannel();
        SocketConnection connection = new SocketConnection(13, host, host, 1 << 20);
        CursorChannelClient client = new CursorChannelClient(connection,
                new LinkMessage(1, 4, 0, new int[] {0b1011}, new int[0]), cursor);
        cursor.addClient(client);
        connection.start(in -> { }, reason -> cursor.removeClient(client));
        client.start();
        host.failWrites = true;
        assertDoesNotThrow(() -> cursor.apply(new CursorCommand.Move(10, 20)));
        assertEquals(0, cursor.clients().size(), "the client whose write failed is gone");
    }
}
