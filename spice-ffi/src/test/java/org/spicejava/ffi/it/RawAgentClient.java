package org.spicejava.ffi.it;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;

/**
 * The guest-agent side of a raw main channel, run as spice-gtk runs it (channel-main.c), on the caller's thread only:
 * AGENT_START with a token window; agent messages out as AGENT_DATA pieces of at most
 * {@link #MAX_DATA_SIZE} bytes (the message header counted in the first), one server token each (INIT's
 * agent_tokens, then AGENT_TOKEN); agent messages in reassembled from AGENT_DATA, whose tokens go back to the server
 * in batches of half the window. Waiting for a token or a message reads the stream, so nothing runs behind the
 * caller's back and a round trip is timed without a thread hand-off.
 */
final class RawAgentClient implements AutoCloseable {
    static final int MSG_INIT = 103;
    static final int MSG_AGENT_DISCONNECTED = 108;
    static final int MSG_AGENT_DATA = 109;
    static final int MSG_AGENT_TOKEN = 110;
    static final int MSG_AGENT_CONNECTED_TOKENS = 115;
    static final int MSGC_AGENT_START = 106;
    static final int MSGC_AGENT_DATA = 107;
    static final int MSGC_AGENT_TOKEN = 108;

    /** vd_agent.h: VD_AGENT_MAX_DATA_SIZE, the VDAgentMessage header, VD_AGENT_PROTOCOL, message types. */
    static final int MAX_DATA_SIZE = 2048;
    static final int HEADER_BYTES = 20;
    static final int PROTOCOL = 1;
    static final int CLIPBOARD = 4;
    static final int ANNOUNCE_CAPABILITIES = 6;
    static final int CLIPBOARD_REQUEST = 8;
    static final int FILE_XFER_START = 10;
    static final int FILE_XFER_STATUS = 11;
    static final int FILE_XFER_DATA = 12;
    static final int CLIPBOARD_UTF8_TEXT = 1;
    static final int XFER_CAN_SEND_DATA = 0;
    static final int XFER_SUCCESS = 3;
    /** Capabilities as spice-gtk announces them, less the clipboard selection (so bodies carry no selection byte). */
    static final int CLIENT_CAPS = 1 << 0 | 1 << 1 | 1 << 2 | 1 << 3 | 1 << 4 | 1 << 5 | 1 << 7 | 1 << 10;
    /** A message larger than this from the agent is a broken stream, not something to allocate. */
    static final int MAX_MESSAGE_BYTES = 64 << 20;

    /** One whole agent message: its type and body. */
    record AgentMessage(int type, ByteBuffer body) {
    }

    private final RawSpiceClient main;
    private final int window;
    private long serverTokens;
    private int unreturned;
    private final ArrayDeque<AgentMessage> received = new ArrayDeque<>();
    private final ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private ByteBuffer body;
    /** AGENT_DATA messages each way, AGENT_TOKEN messages sent. */
    long piecesSent;
    long piecesReceived;
    long tokenMessagesSent;

    /** Links the main channel and starts agent data with {@code window} tokens for the server. */
    RawAgentClient(int port, int window) throws Exception {
        this.main = new RawSpiceClient(port);
        this.window = window;
        main.linkMainAndAttach();
        // SpiceMsgMainInit: session_id, display_channels_hint, supported_mouse_modes, current_mouse_mode,
        // agent_connected, agent_tokens, ...
        if (main.mainInit.getInt(16) == 0) {
            throw new IOException("no agent attached at INIT");
        }
        serverTokens = Integer.toUnsignedLong(main.mainInit.getInt(20));
        main.send(MSGC_AGENT_START, RawSpiceClient.le(4).putInt(0, window));
    }

    /** Sends one agent message, piece by piece, each when the server has a token for it. */
    void send(int type, byte[]... parts) throws IOException {
        int size = 0;
        for (byte[] p : parts) {
            size += p.length;
        }
        int left = HEADER_BYTES + size;
        ByteBuffer piece = RawSpiceClient.le(Math.min(MAX_DATA_SIZE, left));
        piece.putInt(PROTOCOL).putInt(type).putLong(0).putInt(size);
        for (byte[] p : parts) {
            for (int at = 0; at < p.length; ) {
                if (!piece.hasRemaining()) { // only full pieces go out here
                    sendPiece(piece);
                    left -= MAX_DATA_SIZE;
                    piece = RawSpiceClient.le(Math.min(MAX_DATA_SIZE, left));
                }
                int n = Math.min(piece.remaining(), p.length - at);
                piece.put(p, at, n);
                at += n;
            }
        }
        sendPiece(piece);
    }

    private void sendPiece(ByteBuffer piece) throws IOException {
        while (serverTokens == 0) {
            readOne();
        }
        serverTokens--;
        main.send(MSGC_AGENT_DATA, piece.flip());
        piecesSent++;
    }

    /** The next whole agent message, reading the channel until one is complete. */
    AgentMessage next() throws IOException {
        while (received.isEmpty()) {
            readOne();
        }
        return received.poll();
    }

    /** The next agent message of {@code type}; others (the agent's announcements) are answered or dropped. */
    AgentMessage next(int type) throws IOException {
        while (true) {
            AgentMessage m = next();
            if (m.type() == type) {
                return m;
            }
            if (m.type() == ANNOUNCE_CAPABILITIES && m.body().getInt(0) != 0) {
                announce(false);
            }
        }
    }

    /** VD_AGENT_ANNOUNCE_CAPABILITIES: u32 request, u32 caps[1]. */
    void announce(boolean request) throws IOException {
        send(ANNOUNCE_CAPABILITIES, RawSpiceClient.le(8).putInt(request ? 1 : 0).putInt(CLIENT_CAPS).array());
    }

    /** Reads one channel message: agent data is reassembled, tokens counted; the rest is not the agent's. */
    private void readOne() throws IOException {
        Object[] m = main.message();
        ByteBuffer b = (ByteBuffer) m[1];
        switch ((int) m[0]) {
            case MSG_AGENT_DATA -> {
                piecesReceived++;
                reassemble(b);
                if (++unreturned >= Math.max(1, window / 2)) {
                    main.send(MSGC_AGENT_TOKEN, RawSpiceClient.le(4).putInt(0, unreturned));
                    tokenMessagesSent++;
                    unreturned = 0;
                }
            }
            case MSG_AGENT_TOKEN -> serverTokens += Integer.toUnsignedLong(b.getInt(0));
            case MSG_AGENT_CONNECTED_TOKENS -> serverTokens = Integer.toUnsignedLong(b.getInt(0));
            case MSG_AGENT_DISCONNECTED -> throw new IOException("the agent disconnected");
            default -> {
            }
        }
    }

    private void reassemble(ByteBuffer piece) throws IOException {
        while (piece.hasRemaining()) {
            if (header.hasRemaining()) {
                int n = Math.min(header.remaining(), piece.remaining());
                header.put(header.position(), piece, piece.position(), n);
                header.position(header.position() + n);
                piece.position(piece.position() + n);
                if (header.hasRemaining()) {
                    return;
                }
                long size = Integer.toUnsignedLong(header.getInt(16));
                if (header.getInt(0) != PROTOCOL || size > MAX_MESSAGE_BYTES) {
                    throw new IOException("bad agent message header: protocol " + header.getInt(0) + " size " + size);
                }
                body = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
            }
            int n = Math.min(body.remaining(), piece.remaining());
            body.put(body.position(), piece, piece.position(), n);
            body.position(body.position() + n);
            piece.position(piece.position() + n);
            if (!body.hasRemaining()) {
                received.add(new AgentMessage(header.getInt(4), body.flip()));
                header.clear();
            }
        }
    }

    @Override
    public void close() throws IOException {
        main.close();
    }
}
