package org.spicejava.core.sasl;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.spicejava.core.net.Transport;

/**
 * The SASL security layer over another transport, once an exchange negotiated one (the reference's
 * red_stream_sasl_read and red_stream_sasl_write, used when runSSF is set): what the channels write goes out
 * through sasl_encode, what arrives is read through sasl_decode. The layer starts right after the exchange, but
 * the bytes the connection had queued before it (the exchange's last answer and the "accepted" word, which the
 * client reads in the clear) still go out as they are: {@code plainBytes} of them. One encoded block at most
 * waits for the socket, so memory stays bounded by the connection's own queue. Loop thread of the connection:
 * it moves with the connection to a display worker, and the SASL context with it.
 */
public final class SaslTransport implements Transport {
    /** Bytes read from below per sasl_decode call, as the reference. */
    static final int READ_CHUNK = 4096;
    /** The most application bytes given to one sasl_encode call, whatever the library allows. */
    static final int MAX_ENCODE = 64 * 1024;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final Transport inner;
    private final SaslServer sasl;
    private final int maxEncode;
    private final byte[] rawIn = new byte[READ_CHUNK];
    /** Application bytes decoded, not yet taken (read mode). */
    private ByteBuffer decoded = EMPTY;
    /** One encoded block not yet written below (read mode). */
    private ByteBuffer encoded = EMPTY;
    /** Bytes from below read before the layer started, not yet decoded (read mode). */
    private ByteBuffer undecoded;
    /** Application bytes still to pass unencoded: those queued before the layer started. */
    private long plainLeft;
    private boolean closed;

    /**
     * Takes ownership of {@code sasl} (closed with this transport). {@code maxEncode}: from {@link #maxEncode}.
     * {@code plainBytes}: the connection's queued output when the layer starts, which goes out unencoded.
     * {@code undecoded}: bytes from the peer already read past the exchange, decoded first.
     */
    public SaslTransport(Transport inner, SaslServer sasl, int maxEncode, long plainBytes, byte[] undecoded) {
        this.inner = inner;
        this.sasl = sasl;
        this.maxEncode = maxEncode;
        this.plainLeft = plainBytes;
        this.undecoded = ByteBuffer.wrap(undecoded.clone());
    }

    /** The most application bytes one sasl_encode call of {@code sasl}'s layer takes here (SASL_MAXOUTBUF). */
    public static int maxEncode(SaslServer sasl) throws SaslException {
        int max = sasl.maxOutput();
        if (max <= 0) {
            throw new SaslException(0, "SASL_MAXOUTBUF is " + max);
        }
        return Math.min(max, MAX_ENCODE);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int total = 0;
        while (dst.hasRemaining()) {
            if (decoded.hasRemaining()) {
                int n = Math.min(dst.remaining(), decoded.remaining());
                dst.put(dst.position(), decoded, decoded.position(), n).position(dst.position() + n);
                decoded.position(decoded.position() + n);
                total += n;
                continue;
            }
            int n;
            if (undecoded.hasRemaining()) {
                n = Math.min(rawIn.length, undecoded.remaining());
                undecoded.get(rawIn, 0, n);
            } else {
                n = inner.read(ByteBuffer.wrap(rawIn));
            }
            if (n < 0) {
                return total > 0 ? total : -1;
            }
            if (n == 0) {
                break;
            }
            try {
                decoded = ByteBuffer.wrap(sasl.decode(rawIn, 0, n));
            } catch (SaslException e) {
                throw new IOException("SASL decode: " + e.getMessage(), e);
            }
        }
        return total;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int taken = 0;
        if (plainLeft > 0) {
            int n = (int) Math.min(plainLeft, src.remaining());
            taken = inner.write(src.slice(src.position(), n));
            src.position(src.position() + taken);
            plainLeft -= taken;
            if (plainLeft > 0) {
                return taken;
            }
        }
        // Block after block while the socket takes them: a partial take means "full" to the connection.
        while (src.hasRemaining()) {
            writeEncoded();
            if (encoded.hasRemaining()) {
                break;
            }
            int n = Math.min(src.remaining(), maxEncode);
            encoded = ByteBuffer.wrap(encode(src, n));
            src.position(src.position() + n);
            taken += n;
        }
        writeEncoded();
        return taken;
    }

    private byte[] encode(ByteBuffer src, int n) throws IOException {
        try {
            if (src.hasArray()) {
                return sasl.encode(src.array(), src.arrayOffset() + src.position(), n);
            }
            byte[] copy = new byte[n];
            src.get(src.position(), copy);
            return sasl.encode(copy, 0, n);
        } catch (SaslException e) {
            throw new IOException("SASL encode: " + e.getMessage(), e);
        }
    }

    private void writeEncoded() throws IOException {
        while (encoded.hasRemaining()) {
            if (inner.write(encoded) == 0) {
                return;
            }
        }
    }

    @Override
    public boolean wantsWritable(boolean queued) {
        return inner.wantsWritable(queued || encoded.hasRemaining());
    }

    @Override
    public void flush() throws IOException {
        inner.flush();
        if (plainLeft == 0) {
            writeEncoded();
        }
    }

    @Override
    public boolean hasBufferedInput() {
        return decoded.hasRemaining() || undecoded.hasRemaining() || inner.hasBufferedInput();
    }

    @Override
    public boolean secure() {
        return inner.secure();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            inner.close();
        } finally {
            sasl.close();
        }
    }
}
