package org.spicejava.core.channel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.link.LinkStage;
import org.spicejava.core.migration.MigrationData;
import org.spicejava.core.net.SocketConnection;
import org.spicejava.core.protocol.ChannelType;

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
    public static final int MSG_MIGRATE = 1;
    public static final int MSG_MIGRATE_DATA = 2;
    public static final int MSG_SET_ACK = 3;
    public static final int MSG_PING = 4;
    public static final int MSG_NOTIFY = 7;
    /** Zero bytes that pings are padded with (the main channel's network test), shared and never changed. */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(256 * 1024).asReadOnlyBuffer();

    protected final SocketConnection connection;
    protected final LinkMessage link;
    private final MessageFramer framer;
    private long serial;
    private long lastPongNanos;
    private int pingId;
    private long pingSentNanos;
    private long roundTripNanos = -1;
    /** Flow control of display and cursor channels; null for channels without it. */
    private final AckWindow ackWindow;
    /** SPICE_MIGRATE_NEED_FLUSH / _NEED_DATA_TRANSFER, the flags of SPICE_MSG_MIGRATE. */
    public static final int MIGRATE_NEED_FLUSH = 1;
    public static final int MIGRATE_NEED_DATA_TRANSFER = 2;
    /** The flags MIGRATE was sent with (a seamless migration's source side), or -1 before. */
    private int migrateFlags = -1;
    private boolean awaitingFlushMark;
    /** Runs when the awaited migration data has been restored (destination side); null when none is awaited. */
    private Runnable migrationDataArrived;

    protected ChannelClient(SocketConnection connection, LinkMessage link, int maxClientMessageBytes) {
        this(connection, link, maxClientMessageBytes, false);
    }

    protected ChannelClient(SocketConnection connection, LinkMessage link, int maxClientMessageBytes,
                            boolean ackWindow) {
        this.connection = connection;
        this.link = link;
        this.framer = new MessageFramer(link.hasCommonCap(LinkStage.CAP_MINI_HEADER), maxClientMessageBytes);
        this.ackWindow = ackWindow ? new AckWindow() : null;
    }

    /** Sends SET_ACK, starting a new ack generation. */
    protected void sendSetAck() {
        send(MSG_SET_ACK, ackWindow.setAck());
    }

    /** Sends a message that counts against the ack window. */
    protected void sendCounted(int type, ByteBuffer body) {
        send(type, body);
        ackWindow.sent();
    }

    /** Sends a multi-part message that counts against the ack window. */
    protected void sendCounted(int type, ByteBuffer[] parts, Runnable done) {
        send(type, parts, done);
        ackWindow.sent();
    }

    /** True while the client has more than two windows of messages unacknowledged. */
    protected boolean ackBlocked() {
        return ackWindow.blocked();
    }

    /** Takes over the connection's input after the link result was sent. */
    public void start() {
        MessageFramer.Handler handler = this::dispatch; // made once: C1's code would allocate one per read
        connection.setReader(in -> {
            try {
                framer.decode(in, handler);
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

    /**
     * Sends one message made of several parts (not copied: they are written as they are); {@code done} runs when
     * the last part has been written or dropped.
     */
    public void send(int type, ByteBuffer[] parts, Runnable done) {
        if (heldByMigration(type)) {
            if (done != null) {
                done.run();
            }
            return;
        }
        int size = 0;
        for (ByteBuffer p : parts) {
            size += p.remaining();
        }
        ByteBuffer[] message = new ByteBuffer[parts.length + 1];
        message[0] = framer.header(++serial, type, size);
        System.arraycopy(parts, 0, message, 1, parts.length);
        connection.send(message, done);
    }

    /** Sends one message; the body is little-endian from position to limit and may be shared (it is not changed). */
    public void send(int type, ByteBuffer body) {
        if (heldByMigration(type)) {
            return;
        }
        if (body.remaining() < 4096) {
            connection.send(framer.encode(++serial, type, body)); // small: one buffer, one write
        } else {
            send(type, new ByteBuffer[] {body.duplicate()}, null);
        }
    }

    protected static ByteBuffer body(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Sends PING {id, timestamp}; the PONG gives the round trip. */
    public void ping() {
        pingSentNanos = System.nanoTime();
        sendPing(pingSentNanos, 0);
    }

    /**
     * Sends PING {id, timestamp} followed by {@code padding} zero bytes (the main channel's network test), and
     * returns its id. The client echoes id and timestamp in its PONG (see {@link #onPong}).
     */
    protected int sendPing(long timestamp, int padding) {
        pingId++;
        ByteBuffer head = body(12).putInt(pingId).putLong(timestamp).flip();
        if (padding <= 0) {
            send(MSG_PING, head);
        } else {
            if (padding > ZEROS.capacity()) {
                throw new IllegalArgumentException("ping padding " + padding);
            }
            send(MSG_PING, new ByteBuffer[] {head, ZEROS.duplicate().limit(padding)}, null);
        }
        return pingId;
    }

    /**
     * A PONG with the id and timestamp of one of our pings; true when the channel kind consumed it (the main
     * channel's network test), false to let the common handling see it.
     */
    protected boolean onPong(int id, long timestamp) {
        return false;
    }

    private void dispatch(int type, ByteBuffer body) {
        switch (type) {
            case MSGC_ACK_SYNC, MSGC_ACK -> {
                if (ackWindow == null) {
                    LOG.debug("channel {}:{}: ack message on a channel without ack window", link.channelType(),
                            link.channelId());
                } else if (type == MSGC_ACK) {
                    ackWindow.onAck();
                    onAckWindowMoved();
                } else if (body.remaining() < 4) {
                    connection.close("short ACK_SYNC");
                } else {
                    ackWindow.onAckSync(body.getInt(0));
                }
            }
            case MSGC_PONG -> {
                if (body.remaining() >= 12 && !onPong(body.getInt(0), body.getLong(4))
                        && body.getInt(0) == pingId && body.getLong(4) == pingSentNanos) {
                    lastPongNanos = System.nanoTime();
                    roundTripNanos = lastPongNanos - pingSentNanos;
                }
            }
            case MSGC_DISCONNECTING -> connection.close("client is disconnecting");
            case MSGC_MIGRATE_FLUSH_MARK -> {
                if (awaitingFlushMark) {
                    awaitingFlushMark = false;
                    if ((migrateFlags & MIGRATE_NEED_DATA_TRANSFER) != 0) {
                        afterFlushMark(() -> {
                            ByteBuffer data = migrationData();
                            migrateFlags &= ~MIGRATE_NEED_DATA_TRANSFER; // sent: nothing more goes out
                            sendMigrationData(data);
                        });
                    }
                    return;
                }
                // Only after a seamless migration's MIGRATE; the reference aborts the whole process on this one.
                LOG.warn("channel {}:{}: unexpected MIGRATE_FLUSH_MARK; closing", link.channelType(),
                        link.channelId());
                connection.close("unexpected MIGRATE_FLUSH_MARK");
            }
            case MSGC_MIGRATE_DATA -> {
                if (migrationDataArrived != null) {
                    restore(body);
                    return;
                }
                // As the reference: an empty one does not parse; channels that carry migration data (all but
                // cursor and sound) drop a client that sends it unasked; the others ignore it.
                if (!body.hasRemaining() || migratesData(link.channelType())) {
                    LOG.warn("channel {}:{}: unexpected MIGRATE_DATA ({} bytes): no migration in progress; closing",
                            link.channelType(), link.channelId(), body.remaining());
                    connection.close("unexpected MIGRATE_DATA");
                }
            }
            default -> {
                if (!handle(type, body)) {
                    LOG.warn("channel {}:{}: unexpected message type {} ({} bytes) ignored", link.channelType(),
                            link.channelId(), type, body.remaining());
                }
            }
        }
    }

    /**
     * Whether channels of this type carry state in a seamless migration (the reference creates them with
     * SPICE_MIGRATE_NEED_DATA_TRANSFER): main, display, inputs, smartcard and the spicevmc ones; not cursor, sound.
     */
    public static boolean migratesData(int channelType) {
        return switch (channelType) {
            case ChannelType.MAIN, ChannelType.DISPLAY, ChannelType.INPUTS, ChannelType.SMARTCARD,
                 ChannelType.USBREDIR, ChannelType.PORT, ChannelType.WEBDAV -> true;
            default -> false;
        };
    }

    /**
     * Seamless migration, source side (RedChannelClient::migrate): MIGRATE with this channel's flags. From then on
     * the channel sends nothing but, for a channel that carries data, MIGRATE_DATA ({@link #migrationData}) once
     * the client's MIGRATE_FLUSH_MARK came: the client takes that as the last message before it moves the channel.
     */
    public void migrate() {
        if (migrateFlags >= 0) {
            return;
        }
        int flags = migratesData(link.channelType()) ? MIGRATE_NEED_FLUSH | MIGRATE_NEED_DATA_TRANSFER : 0;
        send(MSG_MIGRATE, body(4).putInt(flags).flip());
        migrateFlags = flags;
        awaitingFlushMark = (flags & MIGRATE_NEED_FLUSH) != 0;
    }

    /**
     * The client's FLUSH_MARK came: {@code sendState} makes and sends MIGRATE_DATA, at once by default. Channel
     * thread.
     */
    protected void afterFlushMark(Runnable sendState) {
        sendState.run();
    }

    /** True once {@link #migrate} sent MIGRATE and MIGRATE_DATA has not gone yet (the state may still change). */
    protected boolean stateNotSentYet() {
        return (migrateFlags & MIGRATE_NEED_DATA_TRANSFER) != 0;
    }

    /** True once {@link #migrate} sent MIGRATE. */
    public boolean migrating() {
        return migrateFlags >= 0;
    }

    /** After MIGRATE only MIGRATE_DATA goes out (and MIGRATE itself, once). */
    private boolean heldByMigration(int type) {
        if (migrateFlags < 0) {
            return false;
        }
        LOG.debug("channel {}:{}: message {} held back: the channel is migrating", link.channelType(),
                link.channelId(), type);
        return true;
    }

    private void sendMigrationData(ByteBuffer data) {
        int flags = migrateFlags;
        migrateFlags = -1; // let this one through
        send(MSG_MIGRATE_DATA, data);
        migrateFlags = flags;
    }

    /** This channel's state for the destination (SPICE_MSG_MIGRATE_DATA), for channels that carry data. */
    protected ByteBuffer migrationData() {
        throw new IllegalStateException("channel type " + link.channelType() + " has no migration data");
    }

    /**
     * Seamless migration, destination side: the client will send this channel's state from the source (its first
     * message); {@code arrived} runs once {@link #restoreMigrationData} took it. Call before {@link #start}.
     */
    public void awaitMigrationData(Runnable arrived) {
        migrationDataArrived = arrived;
    }

    /** True while the migration data the client will send is awaited. */
    public boolean awaitingMigrationData() {
        return migrationDataArrived != null;
    }

    private void restore(ByteBuffer body) {
        try {
            restoreMigrationData(body);
        } catch (MigrationData.BadDataException e) {
            // The reference aborts QEMU on a bad header and drops the channel on a bad size: we drop the channel.
            LOG.warn("channel {}:{}: bad migration data: {}; closing", link.channelType(), link.channelId(),
                    e.getMessage());
            connection.close("bad migration data");
            return;
        }
        Runnable arrived = migrationDataArrived;
        migrationDataArrived = null;
        migrationDataRestored();
        arrived.run();
    }

    /** The migration data is in and no longer awaited: a channel that held its output back sends it now. */
    protected void migrationDataRestored() {
    }

    /**
     * Takes the state the source sent for this channel. This default checks the header of the channel's kind and
     * restores nothing; every channel kind that carries data overrides it.
     */
    protected void restoreMigrationData(ByteBuffer body) throws MigrationData.BadDataException {
        MigrationData.Kind kind = switch (link.channelType()) {
            case ChannelType.SMARTCARD -> MigrationData.Kind.SMARTCARD;
            case ChannelType.USBREDIR, ChannelType.PORT, ChannelType.WEBDAV -> MigrationData.Kind.SPICEVMC;
            case ChannelType.MAIN -> MigrationData.Kind.MAIN;
            case ChannelType.DISPLAY -> MigrationData.Kind.DISPLAY;
            default -> MigrationData.Kind.INPUTS;
        };
        MigrationData.check(body, kind);
        LOG.info("channel {}:{}: its state from the migration source is not restored; it starts over",
                link.channelType(), link.channelId());
    }

    /** The serial of the last message sent (what the client counted), for the display's migration data. */
    protected long messagesSent() {
        return serial;
    }

    /** Continues the message serials where the source left them (full headers show them). */
    protected void continueSerial(long lastSent) {
        serial = lastSent;
    }

    /** The client acknowledged a window: channels with queued output send more. */
    protected void onAckWindowMoved() {
    }

    /** Sends what a freshly linked channel sends first. */
    protected abstract void onStart();

    /** Handles a channel-specific message; false when the type is unknown. Bodies are hostile: check sizes. */
    protected abstract boolean handle(int type, ByteBuffer body);
}
