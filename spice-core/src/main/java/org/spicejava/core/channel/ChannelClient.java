package org.spicejava.core.channel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.link.LinkStage;
import org.spicejava.core.net.SocketConnection;

/**
 * One linked channel connection of one client (the reference's RedChannelClient): framing, serials, the common
 * messages every channel understands (ACK_SYNC, ACK, PONG, DISCONNECTING, MIGRATE_FLUSH_MARK), and dispatch of the
 * rest to the channel kind. Owned by the thread of the connection's event loop.
 */
public abstract class ChannelClient {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelClient.class);
    /** Common client messages (SPICE_MSGC_*). */
    public static final int MSGC_ACK_SYNC = 1;
    public static final int MSGC_ACK = 2;
    public static final int MSGC_PONG = 3;
    public static final int MSGC_MIGRATE_FLUSH_MARK = 4;
    public static final int MSGC_MIGRATE_DATA = 5;
    public static final int MSGC_DISCONNECTING = 6;
    /** Common server messages (SPICE_MSG_*). */
    public static final int MSG_SET_ACK = 3;
    public static final int MSG_PING = 4;
    public static final int MSG_NOTIFY = 7;

    protected final SocketConnection connection;
    protected final LinkMessage link;
    private final MessageFramer framer;
    private long serial;
    private long lastPongNanos;
    private int pingId;
    private long pingSentNanos;
    private long roundTripNanos = -1;

    protected ChannelClient(SocketConnection connection, LinkMessage link, int maxClientMessageBytes) {
        this.connection = connection;
        this.link = link;
        this.framer = new MessageFramer(link.hasCommonCap(LinkStage.CAP_MINI_HEADER), maxClientMessageBytes);
    }

    /** Takes over the connection's input after the link result was sent. */
    public void start() {
        connection.setReader(in -> {
            try {
                framer.decode(in, this::dispatch);
            } catch (MessageFramer.FramingException e) {
                LOG.warn("channel {}:{}: {}; closing", link.channelType(), link.channelId(), e.getMessage());
                connection.close(e.getMessage());
            }
        });
        onStart();
    }

    public LinkMessage link() {
        return link;
    }

    public SocketConnection connection() {
        return connection;
    }

    public boolean closed() {
        return connection.closed();
    }

    public void close(String reason) {
        connection.close(reason);
    }

    /** Round trip of the last PING/PONG, or -1 before the first. */
    public long roundTripNanos() {
        return roundTripNanos;
    }

    /** Sends one message; the body is little-endian from position to limit. */
    public void send(int type, ByteBuffer body) {
        connection.send(framer.encode(++serial, type, body));
    }

    protected static ByteBuffer body(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Sends PING {id, timestamp}; the PONG gives the round trip. */
    public void ping() {
        pingId++;
        pingSentNanos = System.nanoTime();
        send(MSG_PING, body(12).putInt(pingId).putLong(pingSentNanos).flip());
    }

    private void dispatch(int type, ByteBuffer body) {
        switch (type) {
            case MSGC_ACK_SYNC, MSGC_ACK -> onAck(type, body);
            case MSGC_PONG -> {
                if (body.remaining() >= 12 && body.getInt(0) == pingId && body.getLong(4) == pingSentNanos) {
                    lastPongNanos = System.nanoTime();
                    roundTripNanos = lastPongNanos - pingSentNanos;
                }
            }
            case MSGC_DISCONNECTING -> connection.close("client is disconnecting");
            case MSGC_MIGRATE_FLUSH_MARK, MSGC_MIGRATE_DATA -> LOG.debug("migration message ignored: no migration");
            default -> {
                if (!handle(type, body)) {
                    LOG.warn("channel {}:{}: unexpected message type {} ({} bytes) ignored", link.channelType(),
                            link.channelId(), type, body.remaining());
                }
            }
        }
    }

    /** Flow control messages; channels with an ack window override this. */
    protected void onAck(int type, ByteBuffer body) {
    }

    /** Sends what a freshly linked channel sends first. */
    protected abstract void onStart();

    /** Handles a channel-specific message; false when the type is unknown. Bodies are hostile: check sizes. */
    protected abstract boolean handle(int type, ByteBuffer body);
}
