package org.spicejava.ffi.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.spicejava.core.link.TicketKey;

/**
 * A minimal SPICE client over a plain socket, for tests and benchmarks that need exact control: links one channel
 * (mini header, auth selection, SPICE ticket) and reads framed messages.
 */
final class RawSpiceClient implements AutoCloseable {
    static final int MAGIC = 0x51444552;
    final Socket socket;
    final InputStream in;
    final OutputStream out;
    /** The first word of channel capabilities of the last link reply (0 before, or when none were sent). */
    int serverChannelCaps;
    /** The body of the main channel's INIT (SpiceMsgMainInit), once {@link #linkMainAndAttach} has read it. */
    ByteBuffer mainInit;

    RawSpiceClient(int port) throws IOException {
        this(-1, port);
    }

    /** {@code receiveBuffer} > 0 sets a small receive buffer before connecting (a slow client); -1 keeps it. */
    RawSpiceClient(int receiveBuffer, int port) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** Over a socket already connected (a TLS socket, for the TLS port). */
    RawSpiceClient(Socket connected) throws IOException {
        socket = connected;
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    byte[] read(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new IOException("connection closed after " + b.length + " of " + n + " bytes");
        }
        return b;
    }

    /** Links a channel; returns the link result (0 = OK). */
    int link(int connectionId, int type, int id, int channelCaps, String password) throws Exception {
        ByteBuffer m = le(16 + 18 + 8);
        m.putInt(MAGIC).putInt(2).putInt(2).putInt(18 + 8);
        m.putInt(connectionId).put((byte) type).put((byte) id).putInt(1).putInt(1).putInt(18);
        m.putInt(0b1011).putInt(channelCaps);
        out.write(m.array());
        ByteBuffer header = ByteBuffer.wrap(read(16)).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer reply = ByteBuffer.wrap(read(header.getInt(12))).order(ByteOrder.LITTLE_ENDIAN);
        if (reply.getInt(0) != 0) {
            return reply.getInt(0);
        }
        // SpiceLinkReply: error, public key, num_common_caps, num_channel_caps, caps_offset; the caps at caps_offset
        int keyEnd = 4 + TicketKey.PUBLIC_KEY_BYTES;
        int commonCaps = reply.getInt(keyEnd);
        int replyChannelCaps = reply.getInt(keyEnd + 4);
        int capsOffset = reply.getInt(keyEnd + 8);
        serverChannelCaps = replyChannelCaps > 0 ? reply.getInt(capsOffset + 4 * commonCaps) : 0;
        byte[] key = new byte[TicketKey.PUBLIC_KEY_BYTES];
        reply.get(4, key);
        byte[] pw = (password + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.write(le(4).putInt(0, 1).array());
        out.write(TicketKey.encrypt(key, pw));
        return ByteBuffer.wrap(read(4)).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
    }

    /** Links this connection as the main channel, reads up to INIT, asks for the channel list; returns the session id. */
    int linkMainAndAttach() throws Exception {
        int result = link(0, 1, 0, 0, "");
        if (result != 0) {
            throw new IOException("main channel link refused: " + result);
        }
        while (true) {
            Object[] m = message();
            if ((int) m[0] == 103) { // MAIN_INIT
                mainInit = (ByteBuffer) m[1];
                int session = ((ByteBuffer) m[1]).getInt(0);
                send(104, le(0)); // ATTACH_CHANNELS
                return session;
            }
        }
    }

    /** Reads one mini-header message: returns {type, body}. */
    Object[] message() throws IOException {
        ByteBuffer h = ByteBuffer.wrap(read(6)).order(ByteOrder.LITTLE_ENDIAN);
        int type = Short.toUnsignedInt(h.getShort(0));
        byte[] body = read(h.getInt(2));
        return new Object[] {type, ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN)};
    }

    void send(int type, ByteBuffer body) throws IOException {
        ByteBuffer m = le(6 + body.remaining()).putShort((short) type).putInt(body.remaining()).put(body);
        out.write(m.array());
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
