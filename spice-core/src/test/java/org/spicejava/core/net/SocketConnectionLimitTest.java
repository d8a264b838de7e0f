package org.spicejava.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/**
 * The output bound of a connection (Sessions gives every linked channel but display one of 16 MiB, so a cursor
 * client that stops reading holds no more): past it the connection is closed and its queue freed; under it, nothing
 * is dropped and the queue drains once the peer reads again.
 */
class SocketConnectionLimitTest {
    private static final int MESSAGE = 64 * 1024;

    @Test
    void aPeerThatStopsReadingIsClosedPastTheBoundAndItsQueueFreed() {
        FakeSocket socket = new FakeSocket();
        SocketConnection c = socket.connection();
        c.setOutputLimit(1 << 20);
        socket.stall(true);
        int sent = 0;
        while (!c.closed() && sent < 64) {
            c.send(ByteBuffer.allocate(MESSAGE));
            sent++;
            assertTrue(c.queuedBytes() <= (1 << 20) || c.closed(), "queued past the bound: " + c.queuedBytes());
        }
        assertTrue(c.closed(), "still open with " + c.queuedBytes() + " bytes queued");
        assertEquals(17, sent, "closed by the message that crossed 1 MiB");
        assertEquals(0, c.queuedBytes(), "the queue is freed at close");
        assertTrue(socket.closed());
        assertTrue(socket.closeReason().contains("does not read"), socket.closeReason());
    }

    @Test
    void aPeerThatReadsLateLosesNothingUnderTheBound() {
        FakeSocket socket = new FakeSocket();
        SocketConnection c = socket.connection();
        c.setOutputLimit(1 << 20);
        socket.stall(true);
        for (int i = 0; i < 16; i++) {
            c.send(ByteBuffer.allocate(MESSAGE));
        }
        assertFalse(c.closed());
        socket.stall(false);
        socket.writable();
        assertEquals(0, c.queuedBytes());
        assertEquals(16L * MESSAGE, socket.writtenBytes());
    }
}
