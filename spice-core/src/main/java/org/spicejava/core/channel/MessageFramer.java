package org.spicejava.core.channel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Splits a channel's byte stream into messages: SpiceMiniDataHeader (u16 type, u32 size) when the client
 * advertised MINI_HEADER, else SpiceDataHeader (u64 serial, u16 type, u32 size, u32 sub_list). A declared size
 * above the channel's limit is refused before any allocation. Resumable over partial input.
 */
public final class MessageFramer {
    public static final int MINI_HEADER_BYTES = 6;
    public static final int FULL_HEADER_BYTES = 18;

    /** One message: its type and its body (a view valid only during the call). */
    public interface Handler {
        void message(int type, ByteBuffer body);
    }

    /** Thrown for input the channel must be closed for. */
    public static final class FramingException extends RuntimeException {
        public FramingException(String message) {
            super(message);
        }
    }

    private final boolean mini;
    private final int maxBodyBytes;

    public MessageFramer(boolean mini, int maxBodyBytes) {
        this.mini = mini;
        this.maxBodyBytes = maxBodyBytes;
    }

    public int headerBytes() {
        return mini ? MINI_HEADER_BYTES : FULL_HEADER_BYTES;
    }

    /** Delivers every complete message in {@code in}; partial input stays for the next call. */
    public void decode(ByteBuffer in, Handler handler) {
        in.order(ByteOrder.LITTLE_ENDIAN);
        int header = headerBytes();
        while (in.remaining() >= header) {
            int start = in.position();
            int type = Short.toUnsignedInt(in.getShort(start + (mini ? 0 : 8)));
            long size = Integer.toUnsignedLong(in.getInt(start + (mini ? 2 : 10)));
            if (size > maxBodyBytes) {
                throw new FramingException("message type " + type + " declares " + size + " bytes (limit "
                        + maxBodyBytes + ")");
            }
            if (in.remaining() < header + size) {
                return;
            }
            ByteBuffer body = in.slice(start + header, (int) size).order(ByteOrder.LITTLE_ENDIAN);
            in.position(start + header + (int) size);
            handler.message(type, body);
        }
    }

    /** Header plus body for the server's side; {@code serial} is used only by the full header. */
    public ByteBuffer encode(long serial, int type, ByteBuffer body) {
        ByteBuffer header = header(serial, type, body.remaining());
        return ByteBuffer.allocate(header.remaining() + body.remaining()).put(header).put(body.duplicate()).flip();
    }

    /** The header alone, so a large body can be queued after it without a copy. */
    public ByteBuffer header(long serial, int type, int bodyBytes) {
        ByteBuffer out = ByteBuffer.allocate(headerBytes()).order(ByteOrder.LITTLE_ENDIAN);
        if (!mini) {
            out.putLong(serial);
        }
        out.putShort((short) type).putInt(bodyBytes);
        if (!mini) {
            out.putInt(0);
        }
        return out.flip();
    }
}
