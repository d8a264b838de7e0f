package org.spicejava.core.vmc;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The virtual smartcard protocol (libcacard's vscard_common.h) as the smartcard channel carries it: a VSCMsgHeader
 * (u32 type, u32 reader_id, u32 length) and {@code length} bytes. The guest's device (QEMU ccid-card-passthru)
 * speaks it in network byte order; SMARTCARD_DATA messages carry the header little-endian, the payload as it is
 * (spice-server smartcard.cpp converts the header, and only the header, each way).
 */
public final class Vsc {
    private Vsc() {
    }

    public static final int HEADER_BYTES = 12;

    /** VSCMsgType. */
    public static final int INIT = 1;
    public static final int ERROR = 2;
    public static final int READER_ADD = 3;
    public static final int READER_REMOVE = 4;
    public static final int ATR = 5;
    public static final int CARD_REMOVE = 6;
    public static final int APDU = 7;
    public static final int FLUSH = 8;
    public static final int FLUSH_COMPLETE = 9;

    /** VSCErrorCode. */
    public static final int SUCCESS = 0;
    public static final int GENERAL_ERROR = 1;
    public static final int CANNOT_ADD_MORE_READERS = 2;

    /** VSCARD_UNDEFINED_READER_ID. */
    public static final int UNDEFINED_READER_ID = 0xffffffff;
    /** SMARTCARD_MAX_READERS: smartcard devices the reference attaches at most. */
    public static final int MAX_READERS = 10;
    /** SPICE_MSG_SMARTCARD_DATA / SPICE_MSGC_SMARTCARD_DATA. */
    public static final int MSG_DATA = 101;
    public static final int MSGC_DATA = 101;
    /**
     * Ours: the largest payload of one message from the device or the client (the reference grows its buffer to
     * whatever a header claims). QEMU's passthru card buffers 64 KiB of input; an extended APDU is under that.
     */
    public static final int MAX_PAYLOAD = 64 * 1024;

    /** A header and payload in the device's byte order (network order header). */
    static ByteBuffer toDevice(int type, int readerId, ByteBuffer payload) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + payload.remaining()).order(ByteOrder.BIG_ENDIAN);
        return b.putInt(type).putInt(readerId).putInt(payload.remaining()).put(payload.duplicate()).flip();
    }

    /** A SMARTCARD_DATA body: header little-endian, then the payload. */
    static byte[] toClient(int type, int readerId, byte[] payload) {
        return ByteBuffer.allocate(HEADER_BYTES + payload.length).order(ByteOrder.LITTLE_ENDIAN).putInt(type)
                .putInt(readerId).putInt(payload.length).put(payload).array();
    }

    /** The VSC_Error the server itself answers with (code little-endian, as smartcard.cpp pushes it). */
    static byte[] error(int readerId, int code) {
        byte[] payload = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(code).array();
        return toClient(ERROR, readerId, payload);
    }
}
