package org.spicejava.core.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.spicejava.core.device.MigrationDevice;
import org.spicejava.core.host.EventLoop;

/**
 * The source's side of a client migration, as the reference's reds/main channel run it (spice_server_migrate_*,
 * MIGRATE_CONNECTED/CONNECT_ERROR from clients, the 10 s timer): which messages each client gets and when the host's
 * migrate_connect_complete / migrate_end_complete run. Clients, host and timer are fakes driven by hand.
 */
class SourceMigrationTest {
    static final MigrationTarget DST = MigrationTarget.of("10.0.0.2", 5930, -1, null);

    /** One client's main channel: records what it was sent. */
    static final class Client implements SourceMigration.Client {
        final boolean semiSeamless;
        boolean arriving;
        final List<String> sent = new ArrayList<>();
        boolean disconnected;
        Fixture fixture;

        Client(boolean semiSeamless) {
            this.semiSeamless = semiSeamless;
        }

        @Override
        public boolean semiSeamless() {
            return semiSeamless;
        }

        @Override
        public boolean arriving() {
            return arriving;
        }

        @Override
        public void sendMigrateBegin(MigrationTarget target) {
            sent.add("BEGIN " + target.host() + ":" + target.port());
        }

        @Override
        public void sendMigrateCancel() {
            sent.add("CANCEL");
        }

        @Override
        public void sendMigrateEnd() {
            sent.add("END");
        }

        @Override
        public void sendSwitchHost(MigrationTarget target) {
            sent.add("SWITCH_HOST " + target.host() + ":" + target.port());
        }

        @Override
        public void disconnect(String reason) {
            if (!disconnected) {
                disconnected = true;
                fixture.clients.remove(this);
                fixture.migration.clientGone(this);
            }
        }
    }

    /** A server's worth of clients, the host's migration interface and a timer the test fires. */
    static final class Fixture implements MigrationDevice, EventLoop.Timer {
        final List<Client> clients = new ArrayList<>();
        final List<String> host = new ArrayList<>();
        Runnable timerTask;
        long timerMillis = -1;
        final SourceMigration migration;

        Fixture(Client... connected) {
            migration = new SourceMigration(task -> {
                timerTask = task;
                return this;
            }, () -> List.copyOf(clients), () -> this);
            for (Client c : connected) {
                add(c);
            }
        }

        void add(Client c) {
            c.fixture = this;
            clients.add(c);
        }

        /** The client's main channel closed. */
        void leave(Client c) {
            c.disconnect("client left");
        }

        void fireTimer() {
            assertTrue(timerMillis >= 0, "the timer runs");
            timerMillis = -1;
            timerTask.run();
        }

        @Override
        public void connectComplete() {
            host.add("connect_complete");
        }

        @Override
        public void endComplete() {
            host.add("end_complete");
        }

        @Override
        public void start(long millis) {
            timerMillis = millis;
        }

        @Override
        public void cancel() {
            timerMillis = -1;
        }

        @Override
        public void remove() {
            timerMillis = -1;
        }
    }

    @Test
    void semiSeamlessMigrationOfOneClient() {
        Client c = new Client(true);
        Fixture f = new Fixture(c);
        assertEquals(0, f.migration.connect(DST));
        assertEquals(List.of("BEGIN 10.0.0.2:5930"), c.sent);
        assertEquals(List.of(), f.host, "connect completes when the client answers");
        assertEquals(SourceMigration.TIMEOUT_MS, f.timerMillis);
        assertEquals(0, f.migration.start());

        f.migration.connected(c, true);
        assertEquals(List.of("connect_complete"), f.host);
        assertEquals(-1, f.timerMillis, "the timer stops with the answer");

        assertEquals(0, f.migration.end(true));
        assertEquals(List.of("BEGIN 10.0.0.2:5930", "END"), c.sent);
        assertEquals(SourceMigration.TIMEOUT_MS, f.timerMillis, "waits for the client to leave");
        assertEquals(List.of("connect_complete"), f.host);
        f.leave(c);
        assertEquals(List.of("connect_complete", "end_complete"), f.host);
        assertEquals(-1, f.timerMillis);
        assertEquals(-1, f.migration.start(), "the target is forgotten after migrate_end");
    }

    @Test
    void aClientThatCouldNotConnectIsSwitchedToTheHostAtTheEnd() {
        Client c = new Client(true);
        Fixture f = new Fixture(c);
        f.migration.connect(DST);
        f.migration.connected(c, false); // MIGRATE_CONNECT_ERROR
        assertEquals(List.of("connect_complete"), f.host);
        f.migration.end(true);
        assertEquals(List.of("BEGIN 10.0.0.2:5930", "SWITCH_HOST 10.0.0.2:5930"), c.sent);
    }

    @Test
    void aFailedMigrationCancelsAConnectedClient() {
        Client c = new Client(true);
        Fixture f = new Fixture(c);
        f.migration.connect(DST);
        f.migration.connected(c, true);
        assertEquals(0, f.migration.end(false));
        assertEquals(List.of("BEGIN 10.0.0.2:5930", "CANCEL"), c.sent);
        assertEquals(List.of("connect_complete"), f.host, "no end_complete after a failed migration, as the reference");
        assertEquals(-1, f.timerMillis);
        assertFalse(c.disconnected);
        // The next migration starts from scratch.
        assertEquals(0, f.migration.connect(DST));
        assertEquals("BEGIN 10.0.0.2:5930", c.sent.getLast());
    }

    @Test
    void aClientWithoutSemiSeamlessGetsOnlySwitchHost() {
        Client old = new Client(false);
        Fixture f = new Fixture(old);
        assertEquals(0, f.migration.connect(DST));
        assertEquals(List.of("connect_complete"), f.host, "nobody to wait for");
        assertEquals(List.of(), old.sent);
        assertEquals(0, f.migration.start());
        f.migration.end(true);
        assertEquals(List.of("SWITCH_HOST 10.0.0.2:5930"), old.sent);
        f.leave(old);
        assertEquals(List.of("connect_complete", "end_complete"), f.host);
    }

    @Test
    void aFailedMigrationTellsAClientWithoutTheCapNothing() {
        Client old = new Client(false);
        Fixture f = new Fixture(old);
        f.migration.connect(DST);
        f.migration.end(false);
        assertEquals(List.of(), old.sent);
    }

    @Test
    void aDestinationThatNeverAnswersTimesOutWithoutBlocking() {
        Client c = new Client(true);
        Fixture f = new Fixture(c);
        f.migration.connect(DST);
        f.fireTimer();
        assertEquals(List.of("connect_complete"), f.host);
        f.migration.connected(c, true); // the late answer
        assertEquals(List.of("BEGIN 10.0.0.2:5930", "CANCEL"), c.sent, "a late MIGRATE_CONNECTED is cancelled");
        f.migration.end(true);
        assertEquals("SWITCH_HOST 10.0.0.2:5930", c.sent.getLast(), "falls back to switch-host");
    }

    @Test
    void aClientThatNeverLeavesIsDisconnectedAfterTheTimeout() {
        Client c = new Client(true);
        Fixture f = new Fixture(c);
        f.migration.connect(DST);
        f.migration.connected(c, true);
        f.migration.end(true);
        f.fireTimer();
        assertTrue(c.disconnected);
        assertEquals(List.of("connect_complete", "end_complete"), f.host);
    }

    @Test
    void migrateEndWithoutConnectDisconnectsTheClients() {
        Client c = new Client(true);
        Fixture f = new Fixture(c);
        assertEquals(-1, f.migration.end(true));
        assertTrue(c.disconnected);
        assertEquals(List.of("end_complete"), f.host);
    }

    @Test
    void migrateEndWithNoClientsOnlyCompletes() {
        Fixture f = new Fixture();
        assertEquals(0, f.migration.connect(DST));
        assertEquals(List.of("connect_complete"), f.host);
        assertEquals(-1, f.migration.start(), "no client: the target is not kept");
        assertEquals(0, f.migration.end(true));
        assertEquals(List.of("connect_complete", "end_complete"), f.host);
        assertEquals(0, f.migration.end(false));
    }

    @Test
    void anInvalidTargetCompletesAtOnceAndFails() {
        Client c = new Client(true);
        Fixture f = new Fixture(c);
        assertEquals(-1, f.migration.connect(null));
        assertEquals(List.of("connect_complete"), f.host);
        assertEquals(List.of(), c.sent);
        assertEquals(-1, f.migration.start());
        f.migration.connected(c, true); // a client's stray MIGRATE_CONNECTED
        assertEquals(List.of("CANCEL"), c.sent);
    }

    @Test
    void aSecondConnectCancelsTheFirst() {
        Client c = new Client(true);
        Fixture f = new Fixture(c);
        f.migration.connect(DST);
        f.migration.connected(c, true);
        MigrationTarget other = MigrationTarget.of("10.0.0.3", 5931, -1, null);
        assertEquals(0, f.migration.connect(other));
        assertEquals(List.of("BEGIN 10.0.0.2:5930", "CANCEL", "BEGIN 10.0.0.3:5931"), c.sent);
    }

    @Test
    void theLastClientLeavingWhileWaitingCompletesTheConnectStage() {
        Client a = new Client(true);
        Client b = new Client(true);
        Fixture f = new Fixture(a, b);
        f.migration.connect(DST);
        f.migration.connected(a, true);
        assertEquals(List.of(), f.host, "b has not answered");
        f.leave(b);
        assertEquals(List.of(), f.host, "a is still connected: the timer decides");
        f.leave(a);
        assertEquals(List.of("connect_complete"), f.host);
        assertEquals(-1, f.timerMillis);
    }

    @Test
    void everyClientAnswersBeforeTheConnectStageCompletes() {
        Client a = new Client(true);
        Client b = new Client(true);
        Fixture f = new Fixture(a, b);
        f.migration.connect(DST);
        f.migration.connected(a, true);
        assertEquals(List.of(), f.host);
        f.migration.connected(b, false);
        assertEquals(List.of("connect_complete"), f.host);
        f.migration.end(true);
        assertEquals("END", a.sent.getLast());
        assertEquals("SWITCH_HOST 10.0.0.2:5930", b.sent.getLast());
        f.leave(a);
        assertEquals(List.of("connect_complete"), f.host);
        f.leave(b);
        assertEquals(List.of("connect_complete", "end_complete"), f.host);
    }

    @Test
    void aClientStillArrivingHereHearsOfTheNextMigrationWhenItHasArrived() {
        Client c = new Client(true);
        c.arriving = true;
        Fixture f = new Fixture(c);
        f.migration.connect(DST);
        assertEquals(List.of(), c.sent);
        c.arriving = false;
        f.migration.arrived(c);
        assertEquals(List.of("BEGIN 10.0.0.2:5930"), c.sent);
        f.migration.connected(c, true);
        assertEquals(List.of("connect_complete"), f.host);
    }

    @Test
    void aTimeoutDisconnectsClientsStillArriving() {
        Client c = new Client(true);
        c.arriving = true;
        Fixture f = new Fixture(c);
        f.migration.connect(DST);
        f.fireTimer();
        assertTrue(c.disconnected);
        assertEquals(List.of("connect_complete"), f.host);
    }

    @Test
    void oldSwitchHostInterface() {
        Client c = new Client(true);
        Fixture f = new Fixture(c);
        assertEquals(0, f.migration.info(DST));
        assertEquals(0, f.migration.start());
        assertEquals(List.of(), c.sent);
        assertEquals(0, f.migration.switchHost());
        assertEquals(List.of("SWITCH_HOST 10.0.0.2:5930"), c.sent);
        assertEquals(-1, f.migration.start(), "forgotten after the switch");
        assertEquals(0, f.migration.switchHost(), "nothing to switch to: still 0");
        assertEquals(1, c.sent.size());
        assertEquals(-1, f.migration.info(null));
        assertEquals(List.of(), f.host, "the switch-host interface calls no host callback");
    }

    @Test
    void switchWithoutClientsKeepsTheTarget() {
        Fixture f = new Fixture();
        f.migration.info(DST);
        assertEquals(0, f.migration.switchHost());
        assertEquals(0, f.migration.start(), "the reference returns before forgetting it");
    }
}
