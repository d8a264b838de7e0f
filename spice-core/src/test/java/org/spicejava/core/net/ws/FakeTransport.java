package org.spicejava.core.net.ws;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;

import org.spicejava.core.net.Transport;

/**
 * The transport under a {@link WebSocketTransport} (the socket, or TLS), faked: bytes handed to {@link #receive}
 * come out of {@link #read} at most {@link #readChunk} at a time; {@link #write} takes at most {@link #writeLimit}
 * bytes per call and {@link #writeBudget} bytes in all (then the socket is full until the budget is raised),
 * keeping everything written.
 */
final class FakeTransport implements Transport {
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private ByteBuffer incoming = ByteBuffer.allocate(0);
    private boolean endOfStream;
    int readChunk = Integer.MAX_VALUE;
    int writeLimit = Integer.MAX_VALUE;
    long writeBudget = Long.MAX_VALUE;
    boolean closed;
    int reads;
    int writes;

    /** Adds bytes the peer sent. */
    void receive(byte[] bytes) {
        ByteBuffer more = ByteBuffer.allocate(incoming.remaining() + bytes.length);
        more.put(incoming).put(bytes).flip();
        incoming = more;
    }

    /** The peer closed its end: reads return -1 once the received bytes are taken. */
    void endOfStream() {
        endOfStream = true;
    }

    int unread() {
        return incoming.remaining();
    }

    byte[] written() {
        return written.toByteArray();
    }

    /** What was written since the last call. */
    byte[] takeWritten() {
        byte[] out = written.toByteArray();
        written.reset();
        return out;
    }

    @Override
    public int read(ByteBuffer dst) {
        reads++;
        if (!incoming.hasRemaining()) {
            return endOfStream ? -1 : 0;
        }
        int n = Math.min(readChunk, Math.min(dst.remaining(), incoming.remaining()));
        dst.put(dst.position(), incoming, incoming.position(), n).position(dst.position() + n);
        incoming.position(incoming.position() + n);
        return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (closed) {
            throw new IOException("write after close");
        }
        writes++;
        int n = (int) Math.min(Math.min(writeLimit, writeBudget), src.remaining());
        writeBudget -= n;
        byte[] copy = new byte[n];
        src.get(copy);
        written.writeBytes(copy);
        return n;
    }

    @Override
    public boolean wantsWritable(boolean queued) {
        return queued;
    }

    @Override
    public void flush() {
    }

    @Override
    public boolean hasBufferedInput() {
        return false;
    }

    @Override
    public boolean secure() {
        return false;
    }

    @Override
    public void close() {
        closed = true;
    }
}
