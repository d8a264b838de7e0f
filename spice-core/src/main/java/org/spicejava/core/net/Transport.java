package org.spicejava.core.net;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.spicejava.core.host.NetworkStack;

/**
 * What a {@link SocketConnection} reads and writes through: the socket itself ({@link PlainTransport}) or a
 * security layer over it (TLS), so channels never know which. Used on the connection's loop thread only; it moves
 * with the connection when a channel is handed to a display worker.
 */
public interface Transport {
    /** Reads application bytes into {@code dst}: how many, 0 when none are ready, -1 at the end of the stream. */
    int read(ByteBuffer dst) throws IOException;

    /** Takes application bytes from {@code src}: how many (0: try again when the socket is writable). */
    int write(ByteBuffer src) throws IOException;

    /** Takes application bytes from {@code srcs[0..count)} in order (positions advanced): how many in all. */
    default long write(ByteBuffer[] srcs, int count) throws IOException {
        return NetworkStack.writeEach(srcs, count, this::write);
    }

    /**
     * True when the connection should wait for the socket to become writable: it has queued application bytes
     * ({@code queued}) the transport can take then, or the transport holds bytes of its own for the socket.
     */
    boolean wantsWritable(boolean queued);

    /** Writes what the transport holds for the socket (TLS records, handshake messages). */
    void flush() throws IOException;

    /** True when bytes already read from the socket wait inside the transport: no socket event will announce them. */
    boolean hasBufferedInput();

    /** True for TLS: the link stage checks channel security with it. */
    boolean secure();

    /** Says goodbye at the transport's level, as far as the socket takes it now (the socket is closed after). */
    void close();
}
