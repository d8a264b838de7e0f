package org.spicejava.core.vmc;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Splits the smartcard device's byte stream into VSC messages (network-order header, then the payload), resumable
 * over reads of any size, as smartcard.cpp's read_one_msg_from_device. A payload longer than
 * {@link Vsc#MAX_PAYLOAD} is skipped as it streams by and counted: the guest never makes the server allocate what
 * a header claims, and the stream stays in step. Used under its device's read lock.
 */
final class VscStream {
    /** A whole message; the payload array is the message's own. */
    interface Sink {
        void message(int type, int readerId, byte[] payload);
    }

    private final byte[] header = new byte[Vsc.HEADER_BYTES];
    private int headerFill;
    private int type;
    private int readerId;
    private byte[] payload;
    private int payloadFill;
    /** Bytes of an oversized payload still to discard. */
    private long skip;
    private long skipped;

    /** Takes {@code len} bytes; every message they complete goes to {@code sink}, in order. */
    void feed(byte[] data, int off, int len, Sink sink) {
        int at = off;
        int end = off + len;
        while (at < end) {
            if (skip > 0) {
                int n = (int) Math.min(skip, end - at);
                skip -= n;
                at += n;
                continue;
            }
            if (payload == null) {
                int n = Math.min(Vsc.HEADER_BYTES - headerFill, end - at);
                System.arraycopy(data, at, header, headerFill, n);
                headerFill += n;
                at += n;
                if (headerFill < Vsc.HEADER_BYTES) {
                    return;
                }
                headerFill = 0;
                ByteBuffer h = ByteBuffer.wrap(header); // network byte order
                type = h.getInt(0);
                readerId = h.getInt(4);
                long length = Integer.toUnsignedLong(h.getInt(8));
                if (length > Vsc.MAX_PAYLOAD) {
                    skip = length;
                    skipped++;
                    continue;
                }
                if (length == 0) { // complete with its header, even at the end of this read
                    sink.message(type, readerId, new byte[0]);
                    continue;
                }
                payload = new byte[(int) length];
                payloadFill = 0;
            }
            int n = Math.min(payload.length - payloadFill, end - at);
            System.arraycopy(data, at, payload, payloadFill, n);
            payloadFill += n;
            at += n;
            if (payloadFill == payload.length) {
                byte[] done = payload;
                payload = null;
                sink.message(type, readerId, done);
            }
        }
    }

    /**
     * The bytes of the message begun and not complete, as the device sent them (a seamless migration hands them
     * over; feeding them to a fresh stream restores this one). Empty while an oversized payload is skipped, which
     * the reference would not have read either.
     */
    byte[] partial() {
        if (skip > 0) {
            return new byte[0];
        }
        if (payload == null) {
            return Arrays.copyOf(header, headerFill);
        }
        byte[] out = new byte[Vsc.HEADER_BYTES + payloadFill];
        System.arraycopy(header, 0, out, 0, Vsc.HEADER_BYTES); // the current message's header, kept as read
        System.arraycopy(payload, 0, out, Vsc.HEADER_BYTES, payloadFill);
        return out;
    }

    /** Messages skipped so far because their payload was too long. */
    long skipped() {
        return skipped;
    }

    /** Bytes held for a message not yet complete (bounded by the header and {@link Vsc#MAX_PAYLOAD}). */
    int pendingBytes() {
        return headerFill + (payload == null ? 0 : payload.length);
    }
}
