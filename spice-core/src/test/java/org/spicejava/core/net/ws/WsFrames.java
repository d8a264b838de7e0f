package org.spicejava.core.net.ws;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * RFC 6455 frames for tests, written from the RFC's section 5.2 and independent of {@link WebSocketTransport}:
 * client frames to send, the server's frames parsed back, and a model of what a server makes of a whole client
 * stream (the fuzz test's oracle).
 */
final class WsFrames {
    static final int FIN = 0x80;
    static final int BINARY = 2;
    static final int TEXT = 1;
    static final int CONTINUATION = 0;
    static final int CLOSE = 8;
    static final int PING = 9;
    static final int PONG = 10;
    /** Length encodings: the smallest that fits, or 16-bit or 64-bit whatever the length. */
    static final int MINIMAL = 0;
    static final int LENGTH_16 = 126;
    static final int LENGTH_64 = 127;

    private WsFrames() {
    }

    /** A masked client frame: {@code b0} is FIN, RSV and opcode. */
    static byte[] client(int b0, byte[] payload, byte[] mask, int lengthForm) {
        return frame(b0, payload, mask, lengthForm);
    }

    static byte[] client(int b0, byte[] payload) {
        return frame(b0, payload, new byte[] {0x37, (byte) 0xfa, 0x21, 0x3d}, MINIMAL);
    }

    static byte[] binary(byte[] payload) {
        return client(FIN | BINARY, payload);
    }

    /** A frame without a mask, as a server sends (and a client must not). */
    static byte[] unmasked(int b0, byte[] payload) {
        return frame(b0, payload, null, MINIMAL);
    }

    private static byte[] frame(int b0, byte[] payload, byte[] mask, int lengthForm) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(b0);
        int maskBit = mask != null ? 0x80 : 0;
        int n = payload.length;
        if (lengthForm == LENGTH_64 || lengthForm == MINIMAL && n > 0xffff) {
            out.write(maskBit | 127);
            out.writeBytes(ByteBuffer.allocate(8).putLong(n).array());
        } else if (lengthForm == LENGTH_16 || n > 125) {
            out.write(maskBit | 126);
            out.write(n >>> 8);
            out.write(n & 0xff);
        } else {
            out.write(maskBit | n);
        }
        if (mask != null) {
            out.writeBytes(mask);
            byte[] masked = payload.clone();
            for (int i = 0; i < masked.length; i++) {
                masked[i] ^= mask[i % 4];
            }
            out.writeBytes(masked);
        } else {
            out.writeBytes(payload);
        }
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** One frame the server sent. */
    record Frame(boolean fin, int opcode, byte[] payload) {
        @Override
        public String toString() {
            return "Frame[fin=" + fin + ", op=" + opcode + ", " + payload.length + " bytes]";
        }
    }

    /** The server's whole output as frames; fails on a mask, reserved bits, a non-minimal length or a cut frame. */
    static List<Frame> serverFrames(byte[] out) {
        List<Frame> frames = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(out);
        while (in.hasRemaining()) {
            if (in.remaining() < 2) {
                throw new AssertionError("cut frame header at " + in.position());
            }
            int b0 = in.get() & 0xff;
            int b1 = in.get() & 0xff;
            if ((b1 & 0x80) != 0 || (b0 & 0x70) != 0) {
                throw new AssertionError("server frame masked or with reserved bits: " + b0 + " " + b1);
            }
            long length = b1 & 0x7f;
            if (length == 126) {
                length = in.getShort() & 0xffff;
                if (length < 126) {
                    throw new AssertionError("16-bit length for " + length + " bytes");
                }
            } else if (length == 127) {
                length = in.getLong();
                if (length <= 0xffff) {
                    throw new AssertionError("64-bit length for " + length + " bytes");
                }
            }
            if (in.remaining() < length) {
                throw new AssertionError("cut frame: " + length + " bytes announced, " + in.remaining() + " left");
            }
            byte[] payload = new byte[(int) length];
            in.get(payload);
            frames.add(new Frame((b0 & 0x80) != 0, b0 & 0x0f, payload));
        }
        return frames;
    }

    /** How a client stream ends for the server. */
    enum End {
        /** Everything read; the last frame may be unfinished. */
        OPEN,
        /** A close frame. */
        CLOSE,
        /** A frame the RFC forbids a client (unmasked, reserved bits, bad opcode, bad control frame). */
        VIOLATION,
        /** The stream stops inside a frame header: whether it was a violation cannot be told yet. */
        CUT_HEADER
    }

    /** The model's verdict: the data frames' payload up to the end, the pings' payloads and the close's. */
    record Model(byte[] data, List<byte[]> pings, byte[] close, End end) {
    }

    /** What a server reading {@code stream} as a WebSocket client's must make of it. */
    static Model model(byte[] stream) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        List<byte[]> pings = new ArrayList<>();
        int at = 0;
        while (at < stream.length) {
            if (stream.length - at < 2) {
                return new Model(data.toByteArray(), pings, null, End.CUT_HEADER);
            }
            int b0 = stream[at] & 0xff;
            int b1 = stream[at + 1] & 0xff;
            int lengthBytes = (b1 & 0x7f) == 126 ? 2 : (b1 & 0x7f) == 127 ? 8 : 0;
            int header = 2 + lengthBytes + 4;
            if (stream.length - at < header) {
                return new Model(data.toByteArray(), pings, null, End.CUT_HEADER);
            }
            long length = b1 & 0x7f;
            if (lengthBytes > 0) {
                length = 0;
                for (int i = 0; i < lengthBytes; i++) {
                    length = length << 8 | (stream[at + 2 + i] & 0xff);
                }
            }
            int opcode = b0 & 0x0f;
            boolean control = opcode >= 8;
            boolean violation = (b1 & 0x80) == 0 || (b0 & 0x70) != 0 || length < 0
                    || control && ((b0 & 0x80) == 0 || length > 125 || opcode > PONG)
                    || !control && opcode > BINARY;
            if (violation) {
                return new Model(data.toByteArray(), pings, null, End.VIOLATION);
            }
            byte[] mask = Arrays.copyOfRange(stream, at + 2 + lengthBytes, at + header);
            at += header;
            int available = (int) Math.min(length, stream.length - at);
            byte[] payload = new byte[available];
            for (int i = 0; i < available; i++) {
                payload[i] = (byte) (stream[at + i] ^ mask[i % 4]);
            }
            at += available;
            if (!control) {
                data.writeBytes(payload);
            } else if (available < length) {
                break; // an unfinished control frame has no effect yet
            } else if (opcode == PING) {
                pings.add(payload);
            } else if (opcode == CLOSE) {
                return new Model(data.toByteArray(), pings, payload, End.CLOSE);
            }
        }
        return new Model(data.toByteArray(), pings, null, End.OPEN);
    }
}
