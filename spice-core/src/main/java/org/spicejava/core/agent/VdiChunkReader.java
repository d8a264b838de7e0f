package org.spicejava.core.agent;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Splits the byte stream read from the vdagent device into pieces, as the reference reads its VDI port: a
 * VDIChunkHeader (u32 port, u32 size, little-endian), then the chunk's data in pieces of at most
 * {@link AgentProtocol#MAX_DATA_SIZE} bytes, each piece one read buffer. Resumable: bytes may arrive one at a time.
 * An empty chunk, on which the reference would wait for data forever, is a piece of no bytes: the filter rejects it
 * where a message should start, and inside a message it is dropped. Owned by the agent device's main-loop work.
 */
public final class VdiChunkReader {
    /** One read buffer's worth of a chunk: its port and up to 2048 bytes. */
    public record Piece(int port, byte[] data) {
    }

    private final ByteBuffer header = ByteBuffer.allocate(AgentProtocol.CHUNK_HEADER_BYTES)
            .order(ByteOrder.LITTLE_ENDIAN);
    private boolean inChunk;
    private int port;
    /** Bytes of the current chunk not handed out yet (u32 in the protocol). */
    private long chunkLeft;

    /** Back to the start of a chunk header; the bytes of a partial chunk are forgotten. */
    public void reset() {
        header.clear();
        inChunk = false;
        chunkLeft = 0;
    }

    /**
     * The next piece from {@code in} (consumed from its position), or null when {@code in} ends before a whole
     * piece: what was read of a header is kept, a piece's data is left in {@code in} until all of it is there.
     */
    public Piece next(ByteBuffer in) {
        if (!inChunk) {
            while (header.hasRemaining() && in.hasRemaining()) {
                header.put(in.get());
            }
            if (header.hasRemaining()) {
                return null;
            }
            port = header.getInt(0);
            chunkLeft = Integer.toUnsignedLong(header.getInt(4));
            header.clear();
            inChunk = true;
            if (chunkLeft == 0) {
                inChunk = false;
                return new Piece(port, new byte[0]);
            }
        }
        int len = (int) Math.min(chunkLeft, AgentProtocol.MAX_DATA_SIZE);
        if (in.remaining() < len) {
            return null;
        }
        byte[] data = new byte[len];
        in.get(data);
        chunkLeft -= len;
        if (chunkLeft == 0) {
            inChunk = false;
        }
        return new Piece(port, data);
    }

    /**
     * The rest of {@code in}, fewer bytes than the current chunk's next piece and at least one, as a piece of its
     * own (the reference pushes such a partial read to the client before a migration, which cannot carry it).
     */
    public Piece partial(ByteBuffer in) {
        if (!inChunk || !in.hasRemaining() || in.remaining() >= Math.min(chunkLeft, AgentProtocol.MAX_DATA_SIZE)) {
            throw new IllegalStateException("no partial piece: " + in.remaining() + " bytes, " + chunkLeft
                    + " left of the chunk");
        }
        byte[] data = new byte[in.remaining()];
        in.get(data);
        chunkLeft -= data.length;
        return new Piece(port, data);
    }

    /** Whether a chunk header has been read and its data not all handed out. */
    public boolean inChunk() {
        return inChunk;
    }

    /** The current chunk's port and the bytes of it not handed out yet; meaningful while {@link #inChunk}. */
    public int port() {
        return port;
    }

    public long chunkLeft() {
        return chunkLeft;
    }

    /** The bytes of a chunk header read so far (none while {@link #inChunk}). */
    public byte[] partialHeader() {
        return Arrays.copyOf(header.array(), header.position());
    }
}
