package org.spicejava.core.migration;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.device.MigrationDevice;
import org.spicejava.core.host.EventLoop;

/**
 * The source's side of moving clients with their VM (the reference's mig_* state in reds.cpp and the per-client
 * flags of main-channel-client.cpp), semi-seamless and switch-host:
 * <ol>
 * <li>{@link #connect} (spice_server_migrate_connect, from QMP client_migrate_info) sends MIGRATE_BEGIN with the
 * destination to each client that has SEMI_SEAMLESS_MIGRATE; they link to the destination ahead of time and answer
 * MIGRATE_CONNECTED or MIGRATE_CONNECT_ERROR. When all have answered (or {@link #TIMEOUT_MS} passed, or none was
 * asked) the host's migrate_connect_complete runs. Nothing here waits: QEMU's main loop goes on.</li>
 * <li>{@link #end} (spice_server_migrate_end): after a completed migration a connected client gets MIGRATE_END
 * (it switches to its links to the destination), any other client MIGRATE_SWITCH_HOST (it reconnects there from
 * scratch); after a failed one a connected client gets MIGRATE_CANCEL and stays. Once the clients of a completed
 * migration have left (or the timeout disconnected them) the host's migrate_end_complete runs.</li>
 * </ol>
 * Seamless (spice_server_set_seamless_migration, one client with SEAMLESS_MIGRATE and AGENT_CONNECTED_TOKENS, whose
 * channels can all carry their state): MIGRATE_BEGIN_SEAMLESS instead; when the client answers
 * MIGRATE_CONNECTED_SEAMLESS (the destination accepted) the end sends MIGRATE on every channel instead of
 * MIGRATE_END, and the channels hand their state to the client (see ChannelClient#migrate).
 * {@link #info} and {@link #switchHost} are the older interface without host callbacks. Return values and
 * callbacks follow the reference, including its quirks (no end_complete after a failed migration whose clients had
 * all answered). Main-loop thread only.
 */
public final class SourceMigration {
    private static final Logger LOG = LoggerFactory.getLogger(SourceMigration.class);
    /** MIGRATE_TIMEOUT: how long clients get to connect to the destination, and later to leave the source. */
    public static final long TIMEOUT_MS = 10_000;

    /** What the source needs of one connected client: its main channel. */
    public interface Client {
        /** The client has main cap SEMI_SEAMLESS_MIGRATE. */
        boolean semiSeamless();

        /** The client is itself still arriving here from an earlier migration (it has not sent MIGRATE_END yet). */
        boolean arriving();

        /** The client has main cap SEAMLESS_MIGRATE. */
        default boolean seamless() {
            return false;
        }

        /** The client has main cap AGENT_CONNECTED_TOKENS (the reference asks it of every client for seamless). */
        default boolean agentConnectedTokens() {
            return false;
        }

        /** Every channel of the client's session can carry its state to the destination. */
        default boolean canMigrateSeamlessly() {
            return false;
        }

        void sendMigrateBegin(MigrationTarget target);

        /** MIGRATE_BEGIN_SEAMLESS. */
        default void sendMigrateBeginSeamless(MigrationTarget target) {
            throw new UnsupportedOperationException();
        }

        /** The end of a seamless migration: every channel of the client's session gets MIGRATE. */
        default void migrateSeamlessly() {
            throw new UnsupportedOperationException();
        }

        void sendMigrateCancel();

        void sendMigrateEnd();

        void sendSwitchHost(MigrationTarget target);

        void disconnect(String reason);
    }

    /** One client's part: waiting for its answer, connected to the destination, BEGIN due once it has arrived. */
    private static final class ClientState {
        boolean waitConnect;
        boolean connectOk;
        boolean waitPrevComplete;
        /** It was offered (or, once arrived, will be offered) a seamless migration. */
        boolean trySeamless;
    }

    private final Function<Runnable, EventLoop.Timer> timers;
    private final Supplier<List<? extends Client>> clients;
    private final Supplier<MigrationDevice> device;
    private final java.util.function.BooleanSupplier seamlessEnabled;
    /** The client connected to the destination seamlessly: the end migrates its channels' state. */
    private boolean sourceSeamless;
    private final Map<Client, ClientState> states = new IdentityHashMap<>();
    private EventLoop.Timer timer;
    /** The target set by migrate_connect or migrate_info (the reference's config->mig_spice), null when none. */
    private MigrationTarget target;
    /** The target clients were last told of (the main channel's own copy), for late BEGINs and SWITCH_HOST. */
    private MigrationTarget announced;
    private boolean expectMigrate;
    private boolean inProgress;
    private boolean waitConnect;
    private boolean waitDisconnect;
    /** Clients asked to connect that have not answered yet (num_clients_mig_wait). */
    private int waitingClients;
    /** The clients of a completed migration that have not left yet. */
    private final Set<Client> leaving = Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * {@code timers} makes the timeout timer on the main loop (on first use); {@code clients} lists the connected
     * clients; {@code device} is the host's migration interface, or null while there is none.
     */
    public SourceMigration(Function<Runnable, EventLoop.Timer> timers, Supplier<List<? extends Client>> clients,
                           Supplier<MigrationDevice> device) {
        this(timers, clients, device, () -> false);
    }

    /** As above; {@code seamlessEnabled}: spice_server_set_seamless_migration, off with several clients. */
    public SourceMigration(Function<Runnable, EventLoop.Timer> timers, Supplier<List<? extends Client>> clients,
                           Supplier<MigrationDevice> device, java.util.function.BooleanSupplier seamlessEnabled) {
        this.timers = timers;
        this.clients = clients;
        this.device = device;
        this.seamlessEnabled = seamlessEnabled;
    }

    /** spice_server_migrate_connect: tells the clients where to connect; 0, or -1 for an invalid target. */
    public int connect(MigrationTarget newTarget) {
        MigrationDevice host = device.get();
        if (host == null) {
            LOG.warn("spice_server_migrate_connect: no migration interface added");
            return -1;
        }
        if (expectMigrate) {
            LOG.info("migrate_connect again without a migration: cancelling the previous one");
            sourceComplete(false);
        }
        target = newTarget;
        if (newTarget == null) {
            LOG.warn("spice_server_migrate_connect: invalid target (no host, or neither port)");
            host.connectComplete();
            return -1;
        }
        expectMigrate = true;
        announced = newTarget;
        waitingClients = 0;
        sourceSeamless = false;
        List<? extends Client> connected = clients.get();
        // main_channel_migrate_connect: seamless needs every client to have AGENT_CONNECTED_TOKENS and the first
        // SEAMLESS_MIGRATE (the reference has a single client then); ours also that its channels can go.
        boolean seamless = seamlessEnabled.getAsBoolean() && connected.size() == 1
                && connected.getFirst().agentConnectedTokens() && connected.getFirst().seamless()
                && connected.getFirst().canMigrateSeamlessly();
        for (Client c : connected) {
            if (!seamless && !c.semiSeamless()) {
                continue;
            }
            ClientState s = state(c);
            s.trySeamless = seamless;
            if (c.arriving()) {
                s.waitPrevComplete = true; // told once it has arrived (arrived())
            } else {
                begin(c, s);
            }
            s.connectOk = false;
            waitingClients++;
        }
        LOG.info("migration to {} port {} TLS port {}: {} client(s) asked to connect ahead{}", newTarget.host(),
                newTarget.port(), newTarget.securePort(), waitingClients, seamless ? ", seamlessly" : "");
        if (waitingClients > 0) {
            inProgress = true;
            waitConnect = true;
            timer().start(TIMEOUT_MS);
        } else {
            if (clients.get().isEmpty()) {
                target = null;
            }
            host.connectComplete();
        }
        return 0;
    }

    /** spice_server_migrate_info (hosts without a migration interface): only remembers the target. */
    public int info(MigrationTarget newTarget) {
        target = newTarget;
        return newTarget == null ? -1 : 0;
    }

    /** spice_server_migrate_start: 0 when a target is set. */
    public int start() {
        return target == null ? -1 : 0;
    }

    /** spice_server_migrate_end: the VM's migration completed or failed. */
    public int end(boolean completed) {
        MigrationDevice host = device.get();
        List<? extends Client> connected = clients.get();
        if (completed && !expectMigrate && !connected.isEmpty()) {
            LOG.warn("spice_server_migrate_end: migrate_connect was not called, disconnecting clients");
            for (Client c : List.copyOf(connected)) {
                c.disconnect("migrated without telling the client");
            }
            cleanup();
            endComplete(host);
            return -1;
        }
        expectMigrate = false;
        if (connected.isEmpty()) {
            endComplete(host);
            return 0;
        }
        inProgress = true;
        if (sourceSeamless && completed) {
            LOG.info("migration completed: the client's channels carry their state to the destination");
            connected.getFirst().migrateSeamlessly();
        } else {
            sourceComplete(completed);
        }
        sourceSeamless = false;
        if (completed) {
            leaving.clear();
            leaving.addAll(connected);
            waitConnect = false;
            waitDisconnect = true;
            timer().start(TIMEOUT_MS);
        } else {
            cleanup();
        }
        target = null;
        return 0;
    }

    /** spice_server_migrate_switch: every client reconnects to the target from scratch. */
    public int switchHost() {
        List<? extends Client> connected = clients.get();
        if (connected.isEmpty()) {
            return 0;
        }
        expectMigrate = false;
        if (target == null) {
            LOG.warn("spice_server_migrate_switch called without migrate_info set");
            return 0;
        }
        announced = target;
        for (Client c : connected) {
            c.sendSwitchHost(target);
        }
        target = null;
        return 0;
    }

    /** A client answered MIGRATE_CONNECTED ({@code success}) or MIGRATE_CONNECT_ERROR. */
    public void connected(Client c, boolean success) {
        connected(c, success, false);
    }

    /**
     * As above; {@code seamless}: MIGRATE_CONNECTED_SEAMLESS, the destination took the client seamlessly (counted
     * only from a client that was offered it).
     */
    public void connected(Client c, boolean success, boolean seamless) {
        ClientState s = state(c);
        if (!s.waitConnect) {
            if (success) {
                c.sendMigrateCancel(); // an answer nobody waits for any more: the client drops its links
            }
            return;
        }
        s.waitConnect = false;
        s.connectOk = success;
        if (waitingClients > 0 && --waitingClients == 0) {
            sourceSeamless = seamless && success && s.trySeamless;
            if (waitConnect) {
                cleanup();
            }
        }
    }

    /** A client that was arriving here has completed its own migration: a pending BEGIN goes out now. */
    public void arrived(Client c) {
        ClientState s = states.get(c);
        if (s != null && s.waitPrevComplete) {
            s.waitPrevComplete = false;
            begin(c, s);
        }
    }

    private void begin(Client c, ClientState s) {
        if (s.trySeamless) {
            c.sendMigrateBeginSeamless(announced);
        } else {
            c.sendMigrateBegin(announced);
        }
        s.waitConnect = true;
    }

    /** A client's main channel closed (reds_client_disconnect's migration part). */
    public void clientGone(Client c) {
        states.remove(c);
        if (waitDisconnect && leaving.remove(c) && leaving.isEmpty()) {
            cleanup();
        }
        if (clients.get().stream().allMatch(other -> other == c)) {
            cleanup();
        }
    }

    /** To each client, after the migration completed or failed (main_channel_client_migrate_src_complete). */
    private void sourceComplete(boolean completed) {
        for (Client c : clients.get()) {
            ClientState s = state(c);
            if (c.semiSeamless() && s.connectOk) {
                if (completed) {
                    c.sendMigrateEnd();
                } else {
                    c.sendMigrateCancel();
                }
            } else if (completed) {
                c.sendSwitchHost(announced);
            }
            s.connectOk = false;
            s.waitConnect = false;
        }
    }

    /** The timeout: clients that did not answer count as failed; clients that did not leave are disconnected. */
    private void timeout() {
        if (waitConnect) {
            LOG.warn("migration: clients did not connect to the destination within {} ms; they will switch host",
                    TIMEOUT_MS);
            for (ClientState s : states.values()) {
                s.waitConnect = false;
                s.connectOk = false;
                s.waitPrevComplete = false;
            }
            waitingClients = 0;
            for (Client c : List.copyOf(clients.get())) {
                if (c.arriving()) {
                    c.disconnect("still arriving from an earlier migration when the next one timed out");
                }
            }
            cleanup();
        } else if (waitDisconnect) {
            LOG.warn("migration: clients did not leave within {} ms; disconnecting them", TIMEOUT_MS);
            for (Client c : List.copyOf(clients.get())) {
                c.disconnect("migrated to another host");
            }
            cleanup();
        }
    }

    /** reds_mig_cleanup: tells the host the stage it waited for is over, and stops waiting. */
    private void cleanup() {
        if (!inProgress) {
            return;
        }
        boolean wasConnecting = waitConnect;
        boolean wasLeaving = waitDisconnect;
        inProgress = false;
        waitConnect = false;
        waitDisconnect = false;
        leaving.clear();
        if (timer != null) {
            timer.cancel();
        }
        MigrationDevice host = device.get();
        if (host != null && wasConnecting) {
            host.connectComplete();
        } else if (wasLeaving) {
            endComplete(host);
        }
    }

    private static void endComplete(MigrationDevice host) {
        if (host != null) {
            host.endComplete();
        }
    }

    private ClientState state(Client c) {
        return states.computeIfAbsent(c, k -> new ClientState());
    }

    private EventLoop.Timer timer() {
        if (timer == null) {
            timer = timers.apply(this::timeout);
        }
        return timer;
    }
}
