package org.spicejava.core.mainchannel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.agent.AgentDevice;
import org.spicejava.core.agent.AgentProtocol;
import org.spicejava.core.channel.ChannelClient;
import org.spicejava.core.channel.NetworkEstimate;
import org.spicejava.core.host.EventLoop;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.migration.MigrationData;
import org.spicejava.core.migration.MigrationTarget;
import org.spicejava.core.migration.SourceMigration;
import org.spicejava.core.net.SocketConnection;
import org.spicejava.core.server.SpiceServer;

/**
 * The main channel of one client (the reference's MainChannelClient): INIT with the session id, NAME and UUID,
 * the channel list on ATTACH_CHANNELS, mouse mode changes, the client's end of the guest agent's data path
 * ({@link AgentDevice}), and its part in migrations: as a source it carries MIGRATE_BEGIN/END/CANCEL/SWITCH_HOST
 * and the client's answers ({@link SourceMigration}) and, seamlessly, its state (MIGRATE, MIGRATE_DATA); as the
 * destination (a main link with a non-zero connection id, "arriving") it sends nothing until the client's
 * MIGRATE_END, then INIT (semi-seamless), or, after MIGRATE_DST_DO_SEAMLESS, goes on where the source left once
 * every channel's state has come ({@link Session}). Main-loop thread.
 */
public final class MainChannelClient extends ChannelClient implements AgentDevice.Client, SourceMigration.Client {
    private static final Logger LOG = LoggerFactory.getLogger(MainChannelClient.class);
    /** Main channel capabilities (SPICE_MAIN_CAP_*). */
    public static final int CAP_SEMI_SEAMLESS_MIGRATE = 0;
    public static final int CAP_NAME_AND_UUID = 1;
    public static final int CAP_AGENT_CONNECTED_TOKENS = 2;
    public static final int CAP_SEAMLESS_MIGRATE = 3;
    /** What we advertise, as the reference: both migrations, name/uuid and agent tokens. */
    public static final int SERVER_CAPS = 1 << CAP_SEMI_SEAMLESS_MIGRATE | 1 << CAP_NAME_AND_UUID
            | 1 << CAP_AGENT_CONNECTED_TOKENS | 1 << CAP_SEAMLESS_MIGRATE;
    /** SPICE_MSG_MAIN_*. */
    static final int MSG_MIGRATE_BEGIN = 101;
    static final int MSG_MIGRATE_CANCEL = 102;
    static final int MSG_INIT = 103;
    static final int MSG_CHANNELS_LIST = 104;
    static final int MSG_MOUSE_MODE = 105;
    static final int MSG_MULTI_MEDIA_TIME = 106;
    static final int MSG_AGENT_CONNECTED = 107;
    static final int MSG_AGENT_DISCONNECTED = 108;
    static final int MSG_AGENT_DATA = 109;
    static final int MSG_AGENT_TOKEN = 110;
    static final int MSG_MIGRATE_SWITCH_HOST = 111;
    static final int MSG_MIGRATE_END = 112;
    static final int MSG_NAME = 113;
    static final int MSG_UUID = 114;
    static final int MSG_AGENT_CONNECTED_TOKENS = 115;
    static final int MSG_MIGRATE_BEGIN_SEAMLESS = 116;
    static final int MSG_MIGRATE_DST_SEAMLESS_ACK = 117;
    static final int MSG_MIGRATE_DST_SEAMLESS_NACK = 118;
    /** SPICE_MSGC_MAIN_*. */
    static final int MSGC_CLIENT_INFO = 101;
    static final int MSGC_MIGRATE_CONNECTED = 102;
    static final int MSGC_MIGRATE_CONNECT_ERROR = 103;
    static final int MSGC_ATTACH_CHANNELS = 104;
    static final int MSGC_MOUSE_MODE_REQUEST = 105;
    static final int MSGC_AGENT_START = 106;
    static final int MSGC_AGENT_DATA = 107;
    static final int MSGC_AGENT_TOKEN = 108;
    static final int MSGC_MIGRATE_END = 109;
    static final int MSGC_MIGRATE_DST_DO_SEAMLESS = 110;
    static final int MSGC_MIGRATE_CONNECTED_SEAMLESS = 111;
    /** REDS_AGENT_WINDOW_SIZE: tokens the client gets for agent data. */
    static final int AGENT_TOKENS = AgentProtocol.CLIENT_WINDOW;
    /** MM_TIME_DELTA: the reference reports its multimedia clock 400 ms behind. */
    static final int MM_TIME_DELTA = 400;
    /** The most multimedia latency streams may ask for (MJPEG_MAX_CLIENT_PLAYBACK_DELAY), ms. */
    static final int MAX_MM_LATENCY = 5000;
    /** Largest main message a client may send: agent data chunks are at most 2 KiB plus headers. */
    public static final int MAX_CLIENT_MESSAGE = 64 * 1024;

    /** One entry of CHANNELS_LIST. */
    public record ChannelId(int type, int id) {
    }

    private final SpiceServer server;
    private final int sessionId;
    private final java.util.function.Supplier<List<ChannelId>> channels;
    private boolean attached;
    /** Linked as the destination of a migration and not yet arrived (MIGRATE_END, or every channel's state). */
    private boolean arriving;
    /** The arrival is seamless (MIGRATE_DST_DO_SEAMLESS accepted). */
    private boolean seamlessArrival;
    /** When the client last sent AGENT_DATA (System.nanoTime), for a seamless source's FLUSH_MARK. */
    private long lastAgentDataNanos = System.nanoTime() - AGENT_QUIET_NANOS;
    /** How long the client's agent data must have paused, and how long a seamless source waits for that at most. */
    public static final long AGENT_QUIET_NANOS = 40_000_000;
    static final long AGENT_GRACE_NANOS = 300_000_000;
    /** INIT went out: main messages other than migration ones are sent only after it (as the reference). */
    private boolean initSent;
    /** How far behind the server's multimedia clock the client plays (ms); streams may raise it. */
    private int mmLatency = MM_TIME_DELTA;
    /** The session's part in migrations (the channels other than main); none by default. */
    private Session session = Session.NONE;

    /** What the main channel asks of its session (the reference's RedClient) in a migration. */
    public interface Session {
        /** The client arrived (semi-seamless: INIT went out): its other channels start, the source is told. */
        void arrived();

        /**
         * The arriving client asks to go on seamlessly (MIGRATE_DST_DO_SEAMLESS with the source's protocol
         * version): true when the session accepts, and then its channels take their state from the source.
         */
        boolean arriveSeamlessly(int sourceVersion);

        /** Seamless source: whether every channel of the session can carry its state to the destination. */
        boolean canMigrateSeamlessly();

        /** Seamless source: every other channel gets MIGRATE. */
        void migrateChannels();

        Session NONE = new Session() {
            @Override
            public void arrived() {
            }

            @Override
            public boolean arriveSeamlessly(int sourceVersion) {
                return false;
            }

            @Override
            public boolean canMigrateSeamlessly() {
                return false;
            }

            @Override
            public void migrateChannels() {
            }
        };
    }
    /** The network test run at start, or null (a unix socket, or a caller that wants none). */
    private final NetworkTest networkTest;
    private final LongSupplier clockNanos;
    /** The first network-test ping's id and the timestamps (microseconds) the three pings carried. */
    private int networkTestFirstId;
    private final long[] networkTestSent = new long[NetworkTest.PING_PADDING.length];

    /** A main channel that runs no network test. */
    public MainChannelClient(SocketConnection connection, LinkMessage link, SpiceServer server, int sessionId,
                             java.util.function.Supplier<List<ChannelId>> channels) {
        this(connection, link, server, sessionId, channels, null, System::nanoTime);
    }

    /**
     * The main channel of a client arriving with its migrated VM (it linked with the connection id it had at the
     * source): no network test, and nothing sent until it arrives (see {@link Session}).
     */
    public static MainChannelClient arriving(SocketConnection connection, LinkMessage link, SpiceServer server,
                                             int sessionId, java.util.function.Supplier<List<ChannelId>> channels) {
        MainChannelClient main = new MainChannelClient(connection, link, server, sessionId, channels);
        main.arriving = true;
        return main;
    }

    /** The session this main channel belongs to. */
    public void session(Session owner) {
        session = owner;
    }

    /**
     * A main channel that tests the client's network when it starts and publishes the result to {@code network}
     * (null: no test, as the reference skips it on unix sockets), timing the pings with {@code clockNanos}.
     */
    public MainChannelClient(SocketConnection connection, LinkMessage link, SpiceServer server, int sessionId,
                             java.util.function.Supplier<List<ChannelId>> channels, NetworkEstimate network,
                             LongSupplier clockNanos) {
        super(connection, link, MAX_CLIENT_MESSAGE);
        this.server = server;
        this.sessionId = sessionId;
        this.channels = channels;
        this.networkTest = network == null ? null : new NetworkTest(network);
        this.clockNanos = clockNanos;
    }

    public int sessionId() {
        return sessionId;
    }

    @Override
    protected void onStart() {
        if (arriving) {
            LOG.info("session {}: a client arriving with its migrated VM; waiting for it to arrive",
                    Integer.toUnsignedString(sessionId));
            return;
        }
        sendInit();
        if (link.hasChannelCap(CAP_NAME_AND_UUID)) {
            String name = server.config().name();
            if (name != null) {
                byte[] bytes = (name + "\0").getBytes(StandardCharsets.UTF_8);
                send(MSG_NAME, body(4 + bytes.length).putInt(bytes.length).put(bytes).flip());
            }
            byte[] uuid = server.config().uuid();
            if (uuid != null) {
                send(MSG_UUID, ByteBuffer.wrap(uuid));
            }
        }
        if (networkTest != null) {
            startNetworkTest();
        }
    }

    /** INIT, and the client becomes the agent's (reds_handle_main_link, or the semi-seamless migration's end). */
    private void sendInit() {
        server.agentDevice().clientConnected(this);
        boolean clientMouse = server.clientMouseAllowed();
        ByteBuffer init = body(32)
                .putInt(sessionId)
                .putInt(server.displays().size())
                .putInt(SpiceServer.MOUSE_MODE_SERVER | (clientMouse ? SpiceServer.MOUSE_MODE_CLIENT : 0))
                .putInt(server.mouseMode())
                .putInt(server.agentAttached() ? 1 : 0)
                .putInt(AGENT_TOKENS)
                .putInt(server.multimediaTime() - mmLatency)
                .putInt(0); // RAM hint: only used for migration bandwidth estimates
        send(MSG_INIT, init.flip());
        initSent = true;
    }

    /**
     * The client plays media {@code ms} later from now on, up to {@link #MAX_MM_LATENCY} in all: MULTI_MEDIA_TIME
     * with the server's clock less the new latency (reds_set_client_mm_time_latency, which only ever raises it).
     * Main-loop thread.
     */
    public void moreMultimediaLatency(int ms) {
        int raised = (int) Math.min(MAX_MM_LATENCY, (long) mmLatency + Math.max(0, ms));
        if (raised == mmLatency) {
            return;
        }
        mmLatency = raised;
        LOG.info("session {}: streams need more time to arrive: the client plays media {} ms behind the server",
                Integer.toUnsignedString(sessionId), mmLatency);
        if (initSent && !closed()) {
            send(MSG_MULTI_MEDIA_TIME, body(4).putInt(server.multimediaTime() - mmLatency).flip());
        }
    }

    /** The reference's net test: three pings back to back, right after INIT (see {@link NetworkTest}). */
    private void startNetworkTest() {
        for (int i = 0; i < NetworkTest.PING_PADDING.length; i++) {
            long now = clockNanos.getAsLong() / 1000;
            networkTestSent[i] = now;
            int id = sendPing(now, NetworkTest.PING_PADDING[i]);
            if (i == 0) {
                networkTestFirstId = id;
            }
        }
        networkTest.started(networkTestFirstId);
    }

    @Override
    protected boolean onPong(int id, long timestamp) {
        if (networkTest == null || !networkTest.running()) {
            return false;
        }
        int k = id - networkTestFirstId;
        if (k < 0 || k >= networkTestSent.length || timestamp != networkTestSent[k]) {
            return false;
        }
        boolean consumed = networkTest.onPong(id, clockNanos.getAsLong() / 1000 - timestamp);
        if (consumed && !networkTest.running()) {
            NetworkEstimate.Result r = networkTest.result();
            if (r == null) {
                LOG.info("session {}: network test gave no usable figure (the large ping was not slower); "
                        + "assuming a fast link", Integer.toUnsignedString(sessionId));
            } else {
                LOG.info("session {}: network test: latency {} ms, {} kbit/s{}", Integer.toUnsignedString(sessionId),
                        r.latencyMicros() / 1000.0, r.bitsPerSecond() / 1000, r.lowBandwidth() ? ", low bandwidth" : "");
            }
        }
        return consumed;
    }

    @Override
    protected boolean handle(int type, ByteBuffer body) {
        if (arriving && !seamlessArrival && type != MSGC_MIGRATE_END && type != MSGC_MIGRATE_DST_DO_SEAMLESS) {
            // Nothing but the migration's own messages before INIT: the session starts at MIGRATE_END.
            LOG.warn("session {}: message {} from a client still arriving with its migrated VM ignored",
                    Integer.toUnsignedString(sessionId), type);
            return true;
        }
        switch (type) {
            case MSGC_ATTACH_CHANNELS -> {
                attached = true;
                sendChannelsList();
            }
            case MSGC_MOUSE_MODE_REQUEST -> {
                if (body.remaining() < 2) {
                    close("short MOUSE_MODE_REQUEST");
                    return true;
                }
                int mode = Short.toUnsignedInt(body.getShort(0));
                if (!server.requestMouseMode(mode)) {
                    LOG.info("client asked for mouse mode {}, not allowed now", mode);
                }
                sendMouseMode();
            }
            case MSGC_CLIENT_INFO -> {
                // obsolete
            }
            case MSGC_MIGRATE_CONNECTED -> server.sourceMigration().connected(this, true);
            case MSGC_MIGRATE_CONNECTED_SEAMLESS -> server.sourceMigration().connected(this, true, true);
            case MSGC_MIGRATE_CONNECT_ERROR -> server.sourceMigration().connected(this, false);
            case MSGC_MIGRATE_END -> migrateEnd();
            case MSGC_MIGRATE_DST_DO_SEAMLESS -> {
                if (body.remaining() < 4) {
                    close("short MIGRATE_DST_DO_SEAMLESS");
                    return true;
                }
                doSeamless(body.getInt(0));
            }
            case MSGC_AGENT_START, MSGC_AGENT_TOKEN -> {
                if (body.remaining() < 4) {
                    close("short AGENT_START/AGENT_TOKEN");
                    return true;
                }
                if (type == MSGC_AGENT_START) {
                    server.agentDevice().agentStart(this, body.getInt(0));
                } else {
                    server.agentDevice().agentTokens(this, body.getInt(0));
                }
            }
            case MSGC_AGENT_DATA -> {
                if (migrating() && !stateNotSentYet()) {
                    LOG.warn("session {}: agent data from the client after its migration state went; lost",
                            Integer.toUnsignedString(sessionId));
                }
                lastAgentDataNanos = System.nanoTime();
                server.agentDevice().agentData(this, body);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * The client's MIGRATE_END at the destination: it has switched to its links here. INIT goes out, then the
     * channels it linked ahead of time start (the reference's semi-seamless migrate complete).
     */
    private void migrateEnd() {
        if (!arriving) {
            LOG.warn("session {}: unexpected MIGRATE_END (no migration to this server)",
                    Integer.toUnsignedString(sessionId));
            return;
        }
        if (!link.hasChannelCap(CAP_SEMI_SEAMLESS_MIGRATE) || seamlessArrival) {
            LOG.warn("session {}: unexpected MIGRATE_END from a client without semi-seamless migration or "
                    + "arriving seamlessly", Integer.toUnsignedString(sessionId));
            return;
        }
        arriving = false;
        LOG.info("session {}: the client arrived with its migrated VM", Integer.toUnsignedString(sessionId));
        sendInit();
        session.arrived();
    }

    /**
     * MIGRATE_DST_DO_SEAMLESS (reds_on_migrate_dst_set_seamless): ACK when the session takes the client's state
     * from the source (not with several clients, nor a newer protocol), else NACK and the client goes on
     * semi-seamlessly.
     */
    private void doSeamless(int sourceVersion) {
        if (arriving && !seamlessArrival && session.arriveSeamlessly(sourceVersion)) {
            seamlessArrival = true;
            initSent = true; // no INIT in a seamless migration: the session goes on from where it was
            server.agentDevice().awaitMigrationData(this);
            LOG.info("session {}: the client arrives seamlessly (source version {})",
                    Integer.toUnsignedString(sessionId), sourceVersion);
            send(MSG_MIGRATE_DST_SEAMLESS_ACK, body(0));
        } else {
            LOG.info("session {}: seamless migration (source version {}) declined",
                    Integer.toUnsignedString(sessionId), Integer.toUnsignedString(sourceVersion));
            send(MSG_MIGRATE_DST_SEAMLESS_NACK, body(0));
        }
    }

    /** A seamless arrival is complete: every channel has its state (the session counted them). */
    public void arrivedSeamlessly() {
        arriving = false;
    }

    /**
     * Seamless source: spice-gtk writes agent data from its main context straight to the socket, so a file copy or
     * clipboard in progress may send some after the FLUSH_MARK its main channel wrote (while that waits for
     * MIGRATE_DATA); data that came after the state was made would be lost at both ends, with the tokens it cost
     * (the client then waits for tokens forever). So while the client still holds tokens and sent agent data in the
     * last {@link #AGENT_QUIET_NANOS}, the state waits until it has been quiet that long, at most
     * {@link #AGENT_GRACE_NANOS}; otherwise it goes at once.
     */
    @Override
    protected void afterFlushMark(Runnable sendState) {
        long deadline = System.nanoTime() + AGENT_GRACE_NANOS;
        EventLoop.Timer[] timer = new EventLoop.Timer[1];
        Runnable check = new Runnable() {
            @Override
            public void run() {
                if (System.nanoTime() - lastAgentDataNanos >= AGENT_QUIET_NANOS
                        || !server.agentDevice().clientHoldsTokens(MainChannelClient.this)
                        || System.nanoTime() >= deadline) {
                    if (timer[0] != null) {
                        timer[0].remove();
                    }
                    sendState.run();
                    return;
                }
                if (timer[0] == null) {
                    timer[0] = server.loop().newTimer(this);
                }
                timer[0].start(AGENT_QUIET_NANOS / 4_000_000);
            }
        };
        check.run();
    }

    /**
     * Seamless source: the main channel's state with the guest agent's (tokens, data for the device, where both
     * ways are in their messages); without one when the agent's state is one the format cannot carry, so the
     * destination tells the client its agent connected and the client starts afresh.
     */
    @Override
    protected ByteBuffer migrationData() {
        if (!server.agentAttached()) {
            return MigrationData.mainWithoutAgent();
        }
        MigrationData.Agent agent = server.agentDevice().seamlessState(this);
        if (agent == null) {
            LOG.info("session {}: the guest agent's data stopped between two chunks of a message; the client's agent"
                    + " session starts afresh at the destination", Integer.toUnsignedString(sessionId));
            return MigrationData.mainWithoutAgent();
        }
        return MigrationData.mainWithAgent(agent);
    }

    /**
     * Seamless destination: an agent the source had goes on with this client where it was (its tokens, the data
     * for the device, the guest's stream; the client keeps its agent session). A source without one: an agent
     * here is announced (AGENT_CONNECTED), and the client starts its agent session afresh.
     */
    @Override
    protected void restoreMigrationData(ByteBuffer body) throws MigrationData.BadDataException {
        MigrationData.Main data = MigrationData.parseMain(body);
        server.agentDevice().clientConnected(this);
        if (data.agentConnected()) {
            server.agentDevice().continueSeamlessly(this, data.agent());
        } else if (server.agentAttached()) {
            sendAgentConnected();
        }
    }

    @Override
    public boolean seamless() {
        return link.hasChannelCap(CAP_SEAMLESS_MIGRATE);
    }

    @Override
    public boolean agentConnectedTokens() {
        return link.hasChannelCap(CAP_AGENT_CONNECTED_TOKENS);
    }

    /** Seamless source: when every channel of the session can (see {@link #migrationData} for the agent). */
    @Override
    public boolean canMigrateSeamlessly() {
        return session.canMigrateSeamlessly();
    }

    @Override
    public void sendMigrateBeginSeamless(MigrationTarget target) {
        send(MSG_MIGRATE_BEGIN_SEAMLESS, target.dstInfo(MigrationData.PROTOCOL_VERSION));
    }

    @Override
    public void migrateSeamlessly() {
        session.migrateChannels();
        server.agentDevice().flushForMigration(this);
        migrate();
    }

    @Override
    public boolean semiSeamless() {
        return link.hasChannelCap(CAP_SEMI_SEAMLESS_MIGRATE);
    }

    @Override
    public boolean arriving() {
        return arriving;
    }

    @Override
    public void sendMigrateBegin(MigrationTarget target) {
        send(MSG_MIGRATE_BEGIN, target.dstInfo());
    }

    @Override
    public void sendMigrateCancel() {
        send(MSG_MIGRATE_CANCEL, body(0));
    }

    @Override
    public void sendMigrateEnd() {
        send(MSG_MIGRATE_END, body(0));
    }

    @Override
    public void sendSwitchHost(MigrationTarget target) {
        send(MSG_MIGRATE_SWITCH_HOST, target.dstInfo());
    }

    /** CHANNELS_LIST: only channels that exist; sent after ATTACH_CHANNELS and again when the list changes. */
    public void sendChannelsList() {
        sendChannelsList(channels.get());
    }

    /** CHANNELS_LIST of {@code list} only (a channel registered later, as the reference announces it). */
    public void sendChannelsList(List<ChannelId> list) {
        if (!attached || !initSent) {
            return;
        }
        ByteBuffer out = body(4 + 2 * list.size()).putInt(list.size());
        for (ChannelId c : list) {
            out.put((byte) c.type()).put((byte) c.id());
        }
        send(MSG_CHANNELS_LIST, out.flip());
    }

    @Override
    public void sendAgentData(ByteBuffer data, Runnable sent) {
        send(MSG_AGENT_DATA, new ByteBuffer[] {data}, sent);
    }

    @Override
    public void sendAgentTokens(int tokens) {
        send(MSG_AGENT_TOKEN, body(4).putInt(tokens).flip());
    }

    @Override
    public void sendAgentConnected() {
        if (!initSent) {
            return; // INIT will say whether the agent is there
        }
        if (link.hasChannelCap(CAP_AGENT_CONNECTED_TOKENS)) {
            send(MSG_AGENT_CONNECTED_TOKENS, body(4).putInt(AGENT_TOKENS).flip());
        } else {
            send(MSG_AGENT_CONNECTED, body(0));
        }
    }

    @Override
    public void sendAgentDisconnected() {
        if (!initSent) {
            return;
        }
        send(MSG_AGENT_DISCONNECTED, body(4).putInt(0).flip()); // SPICE_LINK_ERR_OK, as the reference
    }

    @Override
    public void disconnect(String reason) {
        close(reason);
    }

    public void sendMouseMode() {
        if (!initSent) {
            return; // INIT carries the modes
        }
        int supported = SpiceServer.MOUSE_MODE_SERVER | (server.clientMouseAllowed() ? SpiceServer.MOUSE_MODE_CLIENT : 0);
        send(MSG_MOUSE_MODE, body(4).putShort((short) supported).putShort((short) server.mouseMode()).flip());
    }

    /** NOTIFY with a warning the client shows its user (severity WARN, visibility HIGH, SPICE_WARN_GENERAL). */
    public void sendNotify(String message) {
        if (!initSent) {
            return;
        }
        byte[] text = message.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        send(MSG_NOTIFY, body(24 + text.length + 1).putLong(System.nanoTime()).putInt(1).putInt(2).putInt(0)
                .putInt(text.length).put(text).put((byte) 0).flip());
    }
}
