package org.spicejava.core.net;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.function.IntConsumer;


/**
 * One client socket and the event loop that watches it, both faked, so a {@link SocketConnection} and the channel
 * behind it run without a network: {@link #receive} hands bytes in as reads, everything written is kept.
 */
public final class FakeSocket extends DetachedSocket {
    public static final int FD = 7;
    /** Output kept at most; past it a test would learn nothing more from the bytes. */
    static final int MAX_KEPT_OUTPUT = 8 << 20;

    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private long writtenBytes;
    private ByteBuffer incoming = ByteBuffer.allocate(0);
    private IntConsumer watch;
    private boolean closed;
    private String closeReason;
    private boolean stalled;

    /** A connection on this socket, started with a reader that takes nothing, as before a channel takes over. */
    public SocketConnection connection() {
        SocketConnection c = new SocketConnection(FD, this, this, 64L << 20);
        c.start(data -> { }, reason -> closeReason = reason);
        return c;
    }

    /**
     * Delivers {@code data} as reads of at most {@code chunk} bytes, one readiness event each. Bytes a paused
     * connection leaves unread stay in the socket, ahead of later ones, until {@link #readable}.
     */
    public void receive(byte[] data, int chunk) {
        for (int at = 0; at < data.length && !closed; at += chunk) {
            append(data, at, Math.min(chunk, data.length - at));
            watch.accept(READ);
        }
    }

    private void append(byte[] data, int offset, int length) {
        ByteBuffer more = ByteBuffer.allocate(incoming.remaining() + length);
        more.put(incoming).put(data, offset, length).flip();
        incoming = more;
    }

    /** Bytes sent by the client that the connection has not read (it paused reading). */
    public int unread() {
        return incoming.remaining();
    }

    /** A readiness event for bytes still unread (the loop's watch fires again once reading resumes). */
    public void readable() {
        if (!closed && incoming.hasRemaining()) {
            watch.accept(READ);
        }
    }

    /** A stalled socket takes nothing (a client that stopped reading); {@link #writable} after unstalling. */
    public void stall(boolean value) {
        stalled = value;
    }

    /** The socket became writable (the connection's output pipeline refills). */
    public void writable() {
        if (!closed) {
            watch.accept(WRITE);
        }
    }

    public boolean closed() {
        return closed;
    }

    /** Why the connection closed, or null while open. */
    public String closeReason() {
        return closeReason;
    }

    /** What the server wrote, up to {@link #MAX_KEPT_OUTPUT} bytes. */
    public byte[] written() {
        return written.toByteArray();
    }

    public long writtenBytes() {
        return writtenBytes;
    }

    @Override
    public int read(int fd, ByteBuffer dst) {
        int n = Math.min(dst.remaining(), incoming.remaining());
        dst.put(dst.position(), incoming, incoming.position(), n).position(dst.position() + n);
        incoming.position(incoming.position() + n);
        return n;
    }

    @Override
    public int write(int fd, ByteBuffer src) {
        if (stalled) {
            return 0;
        }
        int n = src.remaining();
        if (written.size() + n <= MAX_KEPT_OUTPUT) {
            byte[] copy = new byte[n];
            src.get(copy);
            written.writeBytes(copy);
        } else {
            src.position(src.limit());
        }
        writtenBytes += n;
        return n;
    }

    @Override
    public void close(int fd) {
        closed = true;
    }

    @Override
    public Watch newWatch(int fd, int mask, IntConsumer onEvents) {
        watch = onEvents;
        return new Watch() {
            @Override
            public void updateMask(int m) {
            }

            @Override
            public void remove() {
            }
        };
    }
}
