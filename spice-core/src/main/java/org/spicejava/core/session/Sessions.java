package org.spicejava.core.session;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.audio.PlaybackChannel;
import org.spicejava.core.audio.PlaybackChannelClient;
import org.spicejava.core.audio.RecordChannel;
import org.spicejava.core.audio.RecordChannelClient;
import org.spicejava.core.audio.SoundChannelClient;
import org.spicejava.core.channel.ChannelClient;
import org.spicejava.core.channel.NetworkEstimate;
import org.spicejava.core.display.DisplayMessages;
import org.spicejava.core.display.DisplayWorker;
import org.spicejava.core.display.QxlControl;
import org.spicejava.core.inputs.InputsChannelClient;
import org.spicejava.core.host.EventLoop;
import org.spicejava.core.host.MainDispatcher;
import org.spicejava.core.link.LinkError;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.link.LinkStage;
import org.spicejava.core.link.TicketKeySource;
import org.spicejava.core.mainchannel.MainChannelClient;
import org.spicejava.core.migration.MigrationData;
import org.spicejava.core.net.SocketConnection;
import org.spicejava.core.sasl.SaslException;
import org.spicejava.core.sasl.SaslLinks;
import org.spicejava.core.sasl.SaslServer;
import org.spicejava.core.sasl.SaslTransport;
import org.spicejava.core.net.tls.SecureTransport;
import org.spicejava.core.net.ws.WebSocketTransport;
import org.spicejava.core.net.ws.WebSocketUpgrade;
import org.spicejava.core.protocol.ChannelType;
import org.spicejava.core.server.ServerConfig;
import org.spicejava.core.server.SpiceServer;
import org.spicejava.core.vmc.VmcClient;
import org.spicejava.core.vmc.VmcDevices;

/**
 * The client connections of one server (the reference's reds client handling): runs each accepted socket through
 * the link stage, checks the ticket, then creates the main channel (a new session) or attaches another channel to
 * the session named by its connection id, and reports every channel to the host's channel_event. One client at a
 * time by default, or several side by side ({@link SessionTable}). Lives on the host's main-loop thread.
 */
public final class Sessions implements SpiceServer.ClientAcceptor {
    private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);
    /** Connections still in the link stage; more are refused so a flood cannot exhaust fds or memory. */
    static final int MAX_PENDING_LINKS = 64;
    /** Output a linking client may leave unread (the reply is under 300 bytes). */
    static final long LINK_OUTPUT_LIMIT = 64 * 1024;
    /** Output a linked channel may leave unread before it is dropped as too slow. */
    static final long CHANNEL_OUTPUT_LIMIT = 16L * 1024 * 1024;
    /** Display channels hold back their own output (DisplayChannelClient); this only bounds a single frame. */
    static final long DISPLAY_OUTPUT_LIMIT = 256L * 1024 * 1024;
    /** A client that has not finished linking after this long is dropped (the reference has no such bound). */
    static final long LINK_TIMEOUT_MS = 30_000;
    /**
     * Work done on the main loop ahead of the links that need it, one step per timer turn: first the SecureRandom
     * behind connection ids, then link keys (when the key maker is a native library, which makes them on the asking
     * thread). The first turn comes a while after the host started, and key making resumes once a connection's
     * links have gone by. A client's first picture then waits neither for the JDK's security providers nor for
     * four RSA keys.
     */
    static final long AHEAD_FIRST_MS = 1000;
    static final long AHEAD_NEXT_MS = 50;
    static final long AHEAD_AFTER_LINK_MS = 500;

    private final SpiceServer server;
    private final ChannelEvents events;
    private final Set<SocketConnection> linking = new LinkedHashSet<>();
    /** Does a step of {@link #prepareAhead} at each turn, on the main loop; null before the server serves. */
    private EventLoop.Timer prepareTimer;
    /**
     * Made at the first turn of {@link #prepareTimer}, or by the first link that needs a fresh connection id if that
     * comes first; not at spice_server_init (20-30 ms of the JDK's providers on a cold JVM).
     */
    private SecureRandom random;
    private final SessionTable sessions;

    /** Sessions in shared mode when the process environment asks for it (see {@link SessionTable}). */
    public Sessions(SpiceServer server, ChannelEvents events) {
        this(server, events, SessionTable.sharedBy(System::getenv));
    }

    Sessions(SpiceServer server, ChannelEvents events, boolean shared) {
        this.server = server;
        this.events = events;
        this.sessions = new SessionTable(shared);
        if (shared) {
            LOG.warn("allowing several clients at once (SPICE_DEBUG_ALLOW_MC or SPICE_JAVA_SHARED_CLIENTS is set)");
        }
        TicketKeySource.shared(); // starts generating link keys now, so the first client does not wait for RSA
        server.onMouseModeChange(() -> sessions.all().forEach(s -> s.main().sendMouseMode()));
        server.onLeds(leds -> sessions.all().forEach(s -> s.inputs().forEach(c -> c.sendLeds(leds))));
        server.vmc().onNewChannel(id -> sessions.all().forEach(s -> s.main().sendChannelsList(List.of(id))));
    }

    @Override
    public void serving() {
        if (prepareTimer == null) {
            prepareTimer = server.loop().newTimer(this::prepareAhead);
        }
        prepareTimer.start(AHEAD_FIRST_MS);
    }

    @Override
    public void stopServing() {
        if (prepareTimer != null) {
            prepareTimer.remove();
            prepareTimer = null;
        }
    }

    private void prepareAhead() {
        try {
            boolean more = true;
            if (random == null) {
                connectionIds();
            } else {
                more = TicketKeySource.shared().makeOneAhead();
            }
            if (more && prepareTimer != null) {
                prepareTimer.start(AHEAD_NEXT_MS);
            }
        } catch (RuntimeException e) {
            LOG.warn("preparing for links failed; links do it themselves: {}", e.toString());
        }
    }

    /** The source of fresh connection ids, made on first use. */
    private SecureRandom connectionIds() {
        if (random == null) {
            random = new SecureRandom();
        }
        return random;
    }

    @Override
    public void adopt(int fd, boolean skipAuth, boolean tls) {
        if (linking.size() >= MAX_PENDING_LINKS) {
            LOG.warn("fd {}: {} connections already linking; refused", fd, MAX_PENDING_LINKS);
            server.network().close(fd);
            return;
        }
        SocketConnection connection = new SocketConnection(fd, server.network(), server.loop(), LINK_OUTPUT_LIMIT);
        SecureTransport secure = null;
        if (tls) {
            try {
                secure = server.tls().open(server.network(), fd);
            } catch (IOException e) {
                LOG.warn("fd {}: TLS cannot start: {}", fd, e.getMessage());
                server.network().close(fd);
                return;
            }
            connection.useTransport(secure);
        }
        linking.add(connection);
        if (prepareTimer != null) {
            prepareTimer.start(AHEAD_AFTER_LINK_MS); // after this connection's burst of links
        }
        EventLoop.Timer timeout = server.loop().newTimer(() -> connection.close("link not completed in time"));
        LinkStage stage = new LinkStage(new LinkHost(connection, skipAuth, timeout, secure), this::channelCaps,
                new LinkStage.Auth(server.config().sasl(), skipAuth));
        connection.start(new FirstBytes(connection, stage), reason -> {
            linking.remove(connection);
            timeout.remove();
            if (!stage.done()) {
                LOG.info("fd {}: closed during link: {}", fd, reason);
            }
            stage.close(); // a SASL exchange in progress gives its context back
        });
        timeout.start(LINK_TIMEOUT_MS);
    }

    /**
     * The first bytes of a connection: a SPICE link message goes to the link stage; an HTTP GET is a browser's
     * WebSocket upgrade (spice-html5), answered, after which the link stage reads through WebSocket frames, as
     * the reference detects it on the same port.
     */
    private static final class FirstBytes implements SocketConnection.Reader {
        private final SocketConnection connection;
        private final LinkStage stage;

        FirstBytes(SocketConnection connection, LinkStage stage) {
            this.connection = connection;
            this.stage = stage;
        }

        @Override
        public void onData(ByteBuffer in) {
            if (in.remaining() < 4) {
                return;
            }
            if (!WebSocketUpgrade.looksLikeGet(in)) {
                connection.setReader(stage::onData);
                return;
            }
            int length = WebSocketUpgrade.requestLength(in);
            if (length < 0) {
                if (in.remaining() >= WebSocketUpgrade.MAX_REQUEST) {
                    connection.close("WebSocket request longer than " + WebSocketUpgrade.MAX_REQUEST + " bytes");
                }
                return;
            }
            byte[] request = new byte[length];
            in.get(in.position(), request);
            byte[] reply = WebSocketUpgrade.reply(new String(request, StandardCharsets.US_ASCII));
            if (reply == null) {
                connection.setReader(stage::onData); // not an upgrade: INVALID_MAGIC, as the reference answers
                return;
            }
            in.position(in.position() + length);
            if (in.hasRemaining()) {
                connection.close("data before the WebSocket upgrade was answered");
            } else {
                connection.upgradeTransport(inner -> new WebSocketTransport(inner, reply));
                connection.setReader(stage::onData);
            }
        }
    }

    /** Our capability words per channel type. */
    int[] channelCaps(int type) {
        return switch (type) {
            case ChannelType.MAIN -> new int[] {MainChannelClient.SERVER_CAPS};
            case ChannelType.INPUTS -> new int[] {InputsChannelClient.SERVER_CAPS};
            case ChannelType.DISPLAY -> new int[] {DisplayMessages.SERVER_CAPS};
            case ChannelType.PLAYBACK, ChannelType.RECORD ->
                    server.soundChannel(type).map(c -> new int[] {c.caps()}).orElse(new int[0]);
            case ChannelType.SMARTCARD, ChannelType.USBREDIR, ChannelType.PORT, ChannelType.WEBDAV ->
                    VmcDevices.caps(type);
            default -> new int[0];
        };
    }

    @Override
    public int clientCount() {
        return sessions.size();
    }

    @Override
    public List<MainChannelClient> migrationClients() {
        return sessions.all().stream().map(ClientSession::main).toList();
    }

    @Override
    public boolean sharesClients() {
        return sessions.shared();
    }

    @Override
    public void disconnectAll() {
        for (SocketConnection c : List.copyOf(linking)) {
            c.close("server disconnects all clients");
        }
        for (ClientSession s : sessions.all()) {
            sessions.remove(s);
            s.close("server disconnects the client");
        }
    }

    /** The channels a client may link now (CHANNELS_LIST). */
    List<MainChannelClient.ChannelId> availableChannels() {
        List<MainChannelClient.ChannelId> list = new ArrayList<>();
        for (QxlControl display : server.displays()) {
            list.add(new MainChannelClient.ChannelId(ChannelType.DISPLAY, display.id()));
            list.add(new MainChannelClient.ChannelId(ChannelType.CURSOR, display.id()));
        }
        list.add(new MainChannelClient.ChannelId(ChannelType.INPUTS, 0));
        for (int type : new int[] {ChannelType.PLAYBACK, ChannelType.RECORD}) {
            server.soundChannel(type).ifPresent(c -> list.add(new MainChannelClient.ChannelId(type, 0)));
        }
        list.addAll(server.vmc().channels());
        return list;
    }

    /**
     * The channels a client is told of: with more than one client, only those every client may share (main,
     * display, cursor, inputs), as the reference lists them; sound and char-device channels take one client.
     */
    List<MainChannelClient.ChannelId> advertisedChannels() {
        List<MainChannelClient.ChannelId> all = availableChannels();
        if (sessions.size() <= 1) {
            return all;
        }
        return all.stream().filter(c -> c.type() == ChannelType.DISPLAY || c.type() == ChannelType.CURSOR
                || c.type() == ChannelType.INPUTS).toList();
    }

    private boolean channelExists(int type, int id) {
        return availableChannels().contains(new MainChannelClient.ChannelId(type, id));
    }

    /** A channel's state from the migration source came; the last one completes a seamless arrival. */
    private void stateArrived(ClientSession owner) {
        if (owner.stateArrived() && owner.arriving()) {
            owner.main().arrivedSeamlessly();
            LOG.info("session {}: the client arrived seamlessly", Integer.toUnsignedString(owner.id()));
            server.sourceMigration().arrived(owner.main());
        }
    }

    /** A session's part in migrations, as its main channel asks for it. Main-loop thread. */
    private final class MigratingSession implements MainChannelClient.Session {
        private final ClientSession session;

        MigratingSession(ClientSession session) {
            this.session = session;
        }

        /**
         * MIGRATE_END: the held channels start once the VM runs here, as the reference's destination serves nothing
         * before: QEMU loads the VM's display (the primary destroyed and created again) until then, and a client
         * shown that churn has no picture meanwhile.
         */
        @Override
        public void arrived() {
            server.afterVmStarted(session::startHeld);
            server.sourceMigration().arrived(session.main());
        }

        /** Not with several clients, nor a newer protocol than ours (reds_on_migrate_dst_set_seamless). */
        @Override
        public boolean arriveSeamlessly(int sourceVersion) {
            if (sessions.shared() || Integer.compareUnsigned(sourceVersion, MigrationData.PROTOCOL_VERSION) > 0) {
                return false;
            }
            session.arriveSeamlessly();
            session.main().awaitMigrationData(() -> stateArrived(session));
            session.startHeld(); // linked ahead of the handshake: they start now and wait for their state
            return true;
        }

        @Override
        public boolean canMigrateSeamlessly() {
            return session.canMigrateSeamlessly();
        }

        @Override
        public void migrateChannels() {
            session.migrateChannels();
        }
    }

    /** The link stage's view of the server for one connection. */
    private final class LinkHost implements LinkStage.Host {
        private final SocketConnection connection;
        private final boolean skipAuth;
        private final EventLoop.Timer timeout;
        /** The TLS layer under the connection, or null. */
        private final SecureTransport tls;

        LinkHost(SocketConnection connection, boolean skipAuth, EventLoop.Timer timeout, SecureTransport tls) {
            this.connection = connection;
            this.skipAuth = skipAuth;
            this.timeout = timeout;
            this.tls = tls;
        }

        @Override
        public void send(ByteBuffer bytes) {
            connection.send(bytes);
        }

        @Override
        public void resumeOnLoop(Runnable task) {
            MainDispatcher dispatcher = server.mainDispatcher();
            if (dispatcher != null) { // null once the server is destroyed
                dispatcher.execute(() -> {
                    if (linking.contains(connection)) { // not closed or timed out meanwhile
                        task.run();
                    }
                });
            }
        }

        @Override
        public LinkError check(LinkMessage message) {
            int security = server.config().channelSecurity(message.channelType());
            if (connection.secure() && (security & ServerConfig.SECURITY_SSL) == 0) {
                LOG.warn("channel type {} must not be encrypted", message.channelType());
                return LinkError.NEED_UNSECURED;
            }
            if (!connection.secure() && (security & ServerConfig.SECURITY_NONE) == 0) {
                LOG.warn("channel type {} requires TLS", message.channelType());
                return LinkError.NEED_SECURED;
            }
            return LinkError.OK;
        }

        @Override
        public void refused(LinkError error, String reason) {
            LOG.warn("fd {}: link refused ({}): {}", connection.fd(), error, reason);
            // Let the error reply go out before closing, as far as the socket takes it now.
            connection.close("link refused: " + error);
        }

        @Override
        public void authenticated(LinkMessage message, byte[] password) {
            LinkError verdict = ticketVerdict(password);
            if (verdict != LinkError.OK) {
                result(verdict);
                connection.close("authentication failed");
                return;
            }
            link(message);
        }

        @Override
        public SaslServer openSasl() {
            return SaslLinks.open(server.sasl(), server.config().saslAppName(), server.network(), connection.fd());
        }

        @Override
        public int tlsCipherBits() {
            return tls == null ? -1 : tls.cipherBits();
        }

        @Override
        public void authenticatedBySasl(LinkMessage message, SaslServer layer, byte[] undecoded) {
            if (layer != null) {
                int maxEncode;
                try {
                    maxEncode = SaslTransport.maxEncode(layer);
                } catch (SaslException e) {
                    layer.close();
                    LOG.warn("fd {}: SASL security layer unusable: {}", connection.fd(), e.getMessage());
                    connection.close("SASL security layer unusable");
                    return;
                }
                // What is queued (the exchange's end) goes out in the clear; the link result through the layer.
                long plain = connection.queuedBytes();
                connection.upgradeTransport(inner -> new SaslTransport(inner, layer, maxEncode, plain, undecoded));
            }
            link(message);
        }

        private void link(LinkMessage message) {
            linking.remove(connection);
            timeout.remove();
            if (message.channelType() == ChannelType.MAIN) {
                linkMain(connection, message);
            } else {
                linkOther(connection, message);
            }
        }

        private void result(LinkError error) {
            connection.send(LinkStage.result(error));
        }

        private LinkError ticketVerdict(byte[] password) {
            if (password == null) {
                LOG.warn("fd {}: failed to decrypt the ticket", connection.fd());
                return LinkError.PERMISSION_DENIED;
            }
            ServerConfig config = server.config();
            if (!config.ticketing() || skipAuth) {
                return LinkError.OK;
            }
            byte[] expected = config.password();
            if (expected.length == 0) {
                LOG.warn("ticketing is enabled but no password is set; set a ticket first");
                return LinkError.PERMISSION_DENIED;
            }
            if (config.ticketExpiry() < config.nowSeconds()) {
                LOG.warn("ticket has expired");
                return LinkError.PERMISSION_DENIED;
            }
            if (!MessageDigest.isEqual(expected, password)) {
                LOG.warn("invalid password");
                return LinkError.PERMISSION_DENIED;
            }
            return LinkError.OK;
        }

        private void linkMain(SocketConnection connection, LinkMessage message) {
            if (sessions.full()) {
                LOG.warn("fd {}: {} clients share the VM already; refused", connection.fd(), sessions.size());
                result(LinkError.ERROR);
                connection.close("too many clients");
                return;
            }
            for (ClientSession old : sessions.makeRoom()) {
                sessions.remove(old);
                old.close("a new client connected");
            }
            int id = message.connectionId();
            while (!sessions.free(id)) {
                id = connectionIds().nextInt();
            }
            result(LinkError.OK);
            if (connection.closed()) { // the reply's write failed (the peer went): link nothing, report nothing
                LOG.info("fd {}: closed as its link was accepted", connection.fd());
                return;
            }
            // The reference tests the network of every client but those on a unix socket (no peer address), and
            // of none arriving with a migrated VM (a main link with the connection id it had at the source).
            NetworkEstimate network = new NetworkEstimate();
            boolean overNetwork = server.network().peerAddress(connection.fd()) != null;
            boolean arriving = message.connectionId() != 0;
            MainChannelClient main = arriving
                    ? MainChannelClient.arriving(retarget(connection), message, server, id,
                            Sessions.this::advertisedChannels)
                    : new MainChannelClient(retarget(connection), message, server, id,
                            Sessions.this::advertisedChannels, overNetwork ? network : null, System::nanoTime);
            network.onLatencyNeeded(ms -> server.runOnMainLoop(() -> main.moreMultimediaLatency(ms)));
            ClientSession created = new ClientSession(id, main, network);
            main.session(new MigratingSession(created));
            sessions.add(created);
            attach(created, main, reason -> {
                server.agentDevice().clientGone(main);
                if (sessions.remove(created)) {
                    created.close("main channel closed");
                }
                server.sourceMigration().clientGone(main);
            });
            if (sessions.shared()) {
                LOG.info("{} clients connected", sessions.size());
            }
        }

        private void linkOther(SocketConnection connection, LinkMessage message) {
            ClientSession owner = sessions.find(message.connectionId());
            if (owner == null) {
                LOG.warn("fd {}: channel {} names unknown session {}", connection.fd(), message.channelType(),
                        Integer.toUnsignedString(message.connectionId()));
                result(LinkError.BAD_CONNECTION_ID);
                connection.close("bad connection id");
                return;
            }
            if (!channelExists(message.channelType(), message.channelId())) {
                LOG.warn("fd {}: channel {}:{} not available", connection.fd(), message.channelType(),
                        message.channelId());
                result(LinkError.CHANNEL_NOT_AVAILABLE);
                connection.close("channel not available");
                return;
            }
            MainChannelClient.ChannelId id = new MainChannelClient.ChannelId(message.channelType(),
                    message.channelId());
            if (owner.has(id)) {
                LOG.warn("fd {}: channel {}:{} is already linked in session {}; refused", connection.fd(),
                        message.channelType(), message.channelId(), Integer.toUnsignedString(owner.id()));
                result(LinkError.CHANNEL_NOT_AVAILABLE);
                connection.close("duplicate channel");
                return;
            }
            result(LinkError.OK);
            if (connection.closed()) { // the reply's write failed (the peer went): link nothing, report nothing
                LOG.info("fd {}: closed as its link was accepted", connection.fd());
                return;
            }
            if (owner.arriving() && !owner.seamless()) {
                // Linked ahead of a semi-seamless migration: it starts when the client has arrived (MIGRATE_END).
                owner.hold(id, connection, () -> {
                    if (channelExists(message.channelType(), message.channelId())) {
                        start(owner, id, connection, message);
                    } else {
                        connection.close("channel removed before the migration completed");
                    }
                });
                LOG.info("channel {}:{} of session {} waits for the migration to complete", message.channelType(),
                        message.channelId(), Integer.toUnsignedString(owner.id()));
                return;
            }
            start(owner, id, connection, message);
        }

        /**
         * Starts a linked channel other than main; for a client arriving seamlessly a channel that carries state
         * waits for it (the client sends it first).
         */
        private void start(ClientSession owner, MainChannelClient.ChannelId id, SocketConnection connection,
                           LinkMessage message) {
            boolean awaitsState = owner.arriving() && owner.seamless()
                    && ChannelClient.migratesData(message.channelType());
            if (awaitsState) {
                owner.awaitState();
            }
            if (message.channelType() == ChannelType.DISPLAY || message.channelType() == ChannelType.CURSOR) {
                linkToWorker(owner, id, connection, message, awaitsState);
                return;
            }
            ChannelClient channel = switch (message.channelType()) {
                case ChannelType.INPUTS -> new InputsChannelClient(retarget(connection), message, server);
                case ChannelType.PLAYBACK -> new PlaybackChannelClient(retarget(connection), message,
                        (PlaybackChannel) server.soundChannel(ChannelType.PLAYBACK).orElseThrow(),
                        () -> server.config().playbackCompression(), server::multimediaTime);
                case ChannelType.RECORD -> new RecordChannelClient(retarget(connection), message,
                        (RecordChannel) server.soundChannel(ChannelType.RECORD).orElseThrow());
                case ChannelType.SMARTCARD, ChannelType.USBREDIR, ChannelType.PORT, ChannelType.WEBDAV ->
                        server.vmc().link(retarget(connection), message,
                                server.network().peerAddress(connection.fd()) != null).orElseThrow();
                default -> throw new IllegalStateException("listed channel without implementation");
            };
            owner.add(channel, id, channel::close, channel::migrate);
            if (awaitsState) {
                channel.awaitMigrationData(() -> stateArrived(owner));
            }
            attach(owner, channel, reason -> {
                owner.remove(channel);
                if (channel instanceof SoundChannelClient sound) {
                    sound.closed(reason);
                } else if (channel instanceof VmcClient vmc) {
                    vmc.closed(reason);
                }
            });
            // After the channel joined its session: a failing write here closes the session with it.
            if (channel instanceof InputsChannelClient && !connection.secure() && sessions.find(owner.id()) == owner) {
                owner.main().sendNotify("keyboard channel is insecure"); // as the reference warns
            }
        }

        /** Display and cursor channels live on their QXL instance's worker thread; events stay on this one. */
        private void linkToWorker(ClientSession owner, MainChannelClient.ChannelId id, SocketConnection connection,
                                  LinkMessage m, boolean awaitsState) {
            QxlControl display = server.displays().stream().filter(d -> d.id() == m.channelId()).findFirst()
                    .orElseThrow();
            ChannelReport report = report(owner, m, connection.fd());
            report.connected();
            // A display client's own queue holds frames back (DisplayChannelClient); cursor messages are small.
            connection.setOutputLimit(m.channelType() == ChannelType.DISPLAY ? DISPLAY_OUTPUT_LIMIT
                    : CHANNEL_OUTPUT_LIMIT);
            ClientSession.WorkerChannel key = new ClientSession.WorkerChannel(); // the client object lives on the worker
            DisplayWorker.Adopted adopted = display.worker().adopt(connection.handOver(), m, owner.glzWindow(),
                    owner.network(), reason -> {
                        key.ended = true; // the client may link this channel again before the task below runs
                        server.mainDispatcher().execute(() -> {
                            LOG.info("channel {}:{} of session {} closed: {}", m.channelType(), m.channelId(),
                                    Integer.toUnsignedString(owner.id()), reason);
                            report.disconnected();
                            owner.remove(key);
                        });
                    }, awaitsState ? () -> server.mainDispatcher().execute(() -> stateArrived(owner)) : null);
            owner.add(key, id, adopted.close(), adopted.migrate());
            report.initialized();
            LOG.info("channel {}:{} linked to session {} on display worker {}", m.channelType(), m.channelId(),
                    Integer.toUnsignedString(owner.id()), display.id());
        }

        /** What channel_event reports about a channel connection. */
        private ChannelReport report(ClientSession owner, LinkMessage m, int fd) {
            return new ChannelReport(events, new ChannelEvents.Info(owner.id(), m.channelType(), m.channelId(),
                    connection.secure() ? ChannelEvents.FLAG_TLS : 0, fd,
                    server.network().localAddress(fd), server.network().peerAddress(fd)));
        }

        /** Linked channels may queue more output than a linking connection. */
        private SocketConnection retarget(SocketConnection connection) {
            connection.setOutputLimit(CHANNEL_OUTPUT_LIMIT);
            return connection;
        }

        private void attach(ClientSession owner, ChannelClient channel, Consumer<String> onClosed) {
            LinkMessage m = channel.link();
            ChannelReport report = report(owner, m, channel.connection().fd());
            channel.connection().onClose(reason -> {
                LOG.info("channel {}:{} of session {} closed: {}", m.channelType(), m.channelId(),
                        Integer.toUnsignedString(owner.id()), reason);
                report.disconnected();
                onClosed.accept(reason);
            });
            report.connected();
            channel.start(); // may close the channel: a write to a killed client fails
            report.initialized();
            LOG.info("channel {}:{} linked to session {}", m.channelType(), m.channelId(),
                    Integer.toUnsignedString(owner.id()));
        }
    }
}
