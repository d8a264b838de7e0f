package org.spicejava.core.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/** A corked connection queues small messages and writes them at uncork; a large run is written without waiting. */
class SocketConnectionCorkTest {
    private final FakeSocket socket = new FakeSocket();
    private final SocketConnection connection = socket.connection();

    @Test
    void smallMessagesWaitForUncorkAndKeepTheirOrder() {
        int[] done = {0};
        connection.cork();
        connection.send(ByteBuffer.wrap(new byte[] {1, 2}), () -> done[0]++);
        connection.send(ByteBuffer.wrap(new byte[] {3}), () -> done[0]++);
        assertEquals(0, socket.writtenBytes(), "nothing written while corked");
        assertEquals(3, connection.queuedBytes());
        assertEquals(0, done[0]);
        connection.uncork();
        assertEquals(3, socket.writtenBytes());
        assertEquals(0, connection.queuedBytes());
        assertEquals(2, done[0], "each message's completion runs once written");
        assertArrayEquals(new byte[] {1, 2, 3}, socket.written());
        connection.send(ByteBuffer.wrap(new byte[] {4}));
        assertEquals(4, socket.writtenBytes(), "uncorked: written at once");
    }

    @Test
    void aCorkedRunPastTheLimitIsWrittenWithoutWaiting() {
        connection.cork();
        connection.send(ByteBuffer.allocate(100));
        connection.send(ByteBuffer.allocate((int) SocketConnection.CORK_LIMIT));
        assertEquals(100 + SocketConnection.CORK_LIMIT, socket.writtenBytes());
        connection.send(ByteBuffer.allocate(10));
        assertEquals(100 + SocketConnection.CORK_LIMIT, socket.writtenBytes(), "still corked after that write");
        connection.uncork();
        assertEquals(110 + SocketConnection.CORK_LIMIT, socket.writtenBytes());
    }
}
