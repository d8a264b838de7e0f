package org.spicejava.core.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * A message's completion (the memory behind it goes back to its pool) runs once, after the last of its buffers is
 * written, or when the connection closes with it still queued; messages without one do not shift the others'.
 */
class SocketConnectionCompletionTest {
    private static ByteBuffer bytes(int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length);
        for (int v : values) {
            b.put((byte) v);
        }
        return b.flip();
    }

    @Test
    void eachCompletionRunsOnceItsLastBufferIsWritten() {
        FakeSocket socket = new FakeSocket();
        SocketConnection c = socket.connection();
        List<String> done = new ArrayList<>();
        socket.stall(true);
        c.send(new ByteBuffer[] {bytes(1, 2), bytes(3)}, () -> done.add("a"));
        c.send(bytes(4)); // no completion
        c.send(new ByteBuffer[] {bytes(5), ByteBuffer.allocate(0), bytes(6)}, () -> done.add("c"));
        c.send(new ByteBuffer[] {bytes(7), ByteBuffer.allocate(0)}, () -> done.add("d")); // empty last buffer
        assertEquals(List.of(), done, "nothing written yet");
        socket.stall(false);
        socket.writable();
        assertEquals(List.of("a", "c", "d"), done);
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7}, socket.written());
    }

    @Test
    void aCompletionMaySendTheNextMessage() {
        FakeSocket socket = new FakeSocket();
        SocketConnection c = socket.connection();
        List<String> done = new ArrayList<>();
        socket.stall(true);
        c.send(bytes(1), () -> {
            done.add("a");
            c.send(bytes(3), () -> done.add("c"));
        });
        c.send(bytes(2), () -> done.add("b"));
        socket.stall(false);
        socket.writable();
        assertEquals(List.of("a", "b", "c"), done.stream().sorted().toList());
        assertEquals(3, done.size(), "each once: " + done);
        assertEquals(0, c.queuedBytes());
    }

    @Test
    void queuedMessagesCompleteOnceWhenTheConnectionCloses() {
        FakeSocket socket = new FakeSocket();
        SocketConnection c = socket.connection();
        List<String> done = new ArrayList<>();
        c.send(bytes(1), () -> done.add("written"));
        socket.stall(true);
        c.send(new ByteBuffer[] {bytes(2), bytes(3)}, () -> done.add("a"));
        c.send(bytes(4));
        c.send(bytes(5), () -> done.add("b"));
        c.close("test");
        c.close("again");
        assertEquals(List.of("written", "a", "b"), done);
        c.send(bytes(6), () -> done.add("after close"));
        assertEquals(List.of("written", "a", "b", "after close"), done, "a send after close completes at once");
    }
}
