package org.spicejava.core.net.ws;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.spicejava.core.net.Transport;

/**
 * RFC 6455 framing over another transport (plain or TLS), server side, after the upgrade: the client's masked
 * frames are unmasked into the byte stream the channels read (frame boundaries mean nothing to SPICE, as in the
 * reference), what the channels write goes out as unmasked binary frames, pings are answered, a close is
 * acknowledged and ends the stream. Payload lengths are streamed, never allocated, so a frame claiming 2^63 bytes
 * costs nothing; a protocol violation ends the connection with an IOException. Loop thread of the connection.
 */
public final class WebSocketTransport implements Transport {
    static final int OP_CONTINUATION = 0;
    static final int OP_TEXT = 1;
    static final int OP_BINARY = 2;
    static final int OP_CLOSE = 8;
    static final int OP_PING = 9;
    static final int OP_PONG = 10;
    /** The largest payload of one outgoing frame. */
    static final int MAX_FRAME = 64 * 1024;
    private static final int MAX_CONTROL = 125;

    private final Transport inner;
    /** Raw bytes from the inner transport, not yet decoded (write mode). */
    private final ByteBuffer rawIn = ByteBuffer.allocate(16 * 1024);
    /** Raw bytes for the inner transport (read mode): the upgrade reply first, then frames. */
    private ByteBuffer rawOut;
    /** The data frame being read: payload left, mask and where in it we are. */
    private long payloadLeft;
    private final byte[] mask = new byte[4];
    private int maskAt;
    private boolean inDataFrame;
    /** A control frame being collected (its payload is at most 125 bytes). */
    private int controlOp = -1;
    private final ByteBuffer control = ByteBuffer.allocate(MAX_CONTROL);
    /** The pong or close frame to send once the current outgoing frame is out. */
    private byte[] pendingControl;
    private boolean closeReceived;
    private boolean closeSent;

    /** {@code reply}: the 101 answer, written before any frame. */
    public WebSocketTransport(Transport inner, byte[] reply) {
        this.inner = inner;
        this.rawOut = ByteBuffer.wrap(reply);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int total = 0;
        while (dst.hasRemaining() && !closeReceived) {
            rawIn.flip();
            int n = decode(dst);
            rawIn.compact();
            total += n;
            if (n > 0) {
                continue;
            }
            int r = inner.read(rawIn);
            if (r < 0) {
                return total > 0 ? total : -1;
            }
            if (r == 0) {
                break;
            }
        }
        flush(); // an answer to a ping or close
        return closeReceived && total == 0 ? -1 : total; // the client's close ends the stream now
    }

    /** Decodes what rawIn holds (read mode) into dst; returns payload bytes produced. */
    private int decode(ByteBuffer dst) throws IOException {
        int produced = 0;
        while (true) {
            if (inDataFrame && payloadLeft > 0) {
                int n = (int) Math.min(payloadLeft, Math.min(rawIn.remaining(), dst.remaining()));
                if (n == 0) {
                    return produced;
                }
                for (int i = 0; i < n; i++) {
                    dst.put((byte) (rawIn.get() ^ mask[maskAt++ & 3]));
                }
                payloadLeft -= n;
                produced += n;
                continue;
            }
            if (controlOp >= 0) {
                int n = (int) Math.min(payloadLeft, rawIn.remaining());
                for (int i = 0; i < n; i++) {
                    control.put((byte) (rawIn.get() ^ mask[maskAt++ & 3]));
                }
                payloadLeft -= n;
                if (payloadLeft > 0) {
                    return produced;
                }
                onControl();
                if (closeReceived) {
                    return produced;
                }
                continue;
            }
            inDataFrame = false;
            if (!readHeader()) {
                return produced;
            }
        }
    }

    /** Reads one frame header when whole; false when more bytes are needed. */
    private boolean readHeader() throws IOException {
        if (rawIn.remaining() < 2) {
            return false;
        }
        int at = rawIn.position();
        int b0 = rawIn.get(at) & 0xff;
        int b1 = rawIn.get(at + 1) & 0xff;
        int lengthBytes = switch (b1 & 0x7f) {
            case 126 -> 2;
            case 127 -> 8;
            default -> 0;
        };
        int header = 2 + lengthBytes + 4;
        if ((b1 & 0x80) == 0) {
            throw new IOException("WebSocket: unmasked client frame");
        }
        if (rawIn.remaining() < header) {
            return false;
        }
        long length = b1 & 0x7f;
        if (lengthBytes == 2) {
            length = rawIn.getShort(at + 2) & 0xffff;
        } else if (lengthBytes == 8) {
            length = rawIn.getLong(at + 2);
            if (length < 0) {
                throw new IOException("WebSocket: frame length out of range");
            }
        }
        rawIn.get(at + 2 + lengthBytes, mask);
        rawIn.position(at + header);
        maskAt = 0;
        payloadLeft = length;
        int op = b0 & 0x0f;
        boolean fin = (b0 & 0x80) != 0;
        if ((b0 & 0x70) != 0) {
            throw new IOException("WebSocket: reserved bits set");
        }
        if (op >= 8) {
            if (!fin || length > MAX_CONTROL || op > OP_PONG) {
                throw new IOException("WebSocket: bad control frame " + op);
            }
            controlOp = op;
            control.clear();
            return true;
        }
        if (op > OP_BINARY) {
            throw new IOException("WebSocket: unknown frame type " + op);
        }
        inDataFrame = true;
        return true;
    }

    private void onControl() {
        control.flip();
        byte[] payload = new byte[control.remaining()];
        control.get(payload);
        int op = controlOp;
        controlOp = -1;
        switch (op) {
            case OP_PING -> pendingControl = frame(OP_PONG, payload);
            case OP_CLOSE -> {
                closeReceived = true;
                if (!closeSent) {
                    pendingControl = frame(OP_CLOSE, payload.length >= 2 ? new byte[] {payload[0], payload[1]}
                            : new byte[0]);
                }
            }
            default -> {
                // a pong, as a heartbeat: nothing to do
            }
        }
    }

    private static byte[] frame(int op, byte[] payload) {
        byte[] f = new byte[2 + payload.length];
        f[0] = (byte) (0x80 | op);
        f[1] = (byte) payload.length;
        System.arraycopy(payload, 0, f, 2, payload.length);
        return f;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (closeReceived || closeSent) {
            throw new IOException("WebSocket: closed"); // never 0 forever with the write watch on
        }
        flush();
        if (rawOut.hasRemaining()) {
            return 0;
        }
        int n = Math.min(src.remaining(), MAX_FRAME);
        int header = n < 126 ? 2 : n < 65536 ? 4 : 10;
        ByteBuffer f = ByteBuffer.allocate(header + n);
        f.put((byte) (0x80 | OP_BINARY));
        if (n < 126) {
            f.put((byte) n);
        } else if (n < 65536) {
            f.put((byte) 126).putShort((short) n);
        } else {
            f.put((byte) 127).putLong(n);
        }
        f.put(f.position(), src, src.position(), n).position(header + n).flip();
        src.position(src.position() + n);
        rawOut = f;
        flush();
        return n;
    }

    @Override
    public boolean wantsWritable(boolean queued) {
        return rawOut.hasRemaining() || pendingControl != null || inner.wantsWritable(queued);
    }

    @Override
    public void flush() throws IOException {
        while (true) {
            inner.flush();
            while (rawOut.hasRemaining()) {
                if (inner.write(rawOut) == 0) {
                    return;
                }
            }
            if (pendingControl == null) {
                return;
            }
            closeSent |= (pendingControl[0] & 0x0f) == OP_CLOSE;
            rawOut = ByteBuffer.wrap(pendingControl);
            pendingControl = null;
        }
    }

    @Override
    public boolean hasBufferedInput() {
        return rawIn.position() > 0 || inner.hasBufferedInput();
    }

    @Override
    public boolean secure() {
        return inner.secure();
    }

    @Override
    public void close() {
        try {
            if (!closeSent && !rawOut.hasRemaining()) {
                closeSent = true;
                rawOut = ByteBuffer.wrap(frame(OP_CLOSE, new byte[] {0x03, (byte) 0xe8})); // 1000: normal
                flush();
            }
        } catch (IOException | RuntimeException e) {
            // the socket is closed right after
        }
        inner.close();
    }
}
