package org.spicejava.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.spicejava.core.agent.AgentDevice;
import org.spicejava.core.device.MigrationDevice;
import org.spicejava.core.mainchannel.MainChannelClient;
import org.spicejava.core.migration.MigrationData;
import org.spicejava.core.migration.SourceMigration;
import org.spicejava.core.protocol.ChannelType;
import org.spicejava.core.server.SpiceServer;

/**
 * Client migration through the server's own connection handling (link stage, Sessions, main channel) over fake
 * sockets. Destination: a main link with a non-zero connection id is a client arriving with its migrated VM; it gets
 * nothing until its MIGRATE_END, then INIT with that id, and only then do the channels it linked ahead of time start
 * (the reference's semi-seamless migration target). Source: MIGRATE_BEGIN on the wire after migrate_connect, the
 * client's answer completing the connect stage, MIGRATE_END and the client leaving completing the end.
 */
class MigrationSessionsTest {
    static final int SEMI_SEAMLESS = 1 << MainChannelClient.CAP_SEMI_SEAMLESS_MIGRATE;
    static final int TOKENS = 1 << MainChannelClient.CAP_AGENT_CONNECTED_TOKENS;
    /** What spice-gtk sends: semi-seamless, name and uuid, agent tokens, seamless. */
    static final int ALL_MIGRATION = 0b1111;
    static final int ID = 0x1234abcd;
    /** SPICE_MSGC_MAIN_*, SPICE_MSG_MAIN_*, SPICE_MSG_INPUTS_INIT. */
    static final int MSGC_MIGRATE_CONNECTED = 102;
    static final int MSGC_AGENT_START = 106;
    static final int MSGC_AGENT_DATA = 107;
    static final int MSGC_ATTACH_CHANNELS = 104;
    static final int MSGC_MIGRATE_END = 109;
    static final int MSGC_MIGRATE_DST_DO_SEAMLESS = 110;
    static final int MSGC_MIGRATE_CONNECTED_SEAMLESS = 111;
    static final int MSGC_MIGRATE_FLUSH_MARK = 4;
    static final int MSGC_MIGRATE_DATA = 5;
    static final int MSG_MIGRATE_BEGIN_SEAMLESS = 116;
    static final int MSG_DST_SEAMLESS_ACK = 117;
    static final int MSG_MOUSE_MOTION_ACK = 111;
    static final int MSG_KEY_MODIFIERS = 102;
    static final int MSG_MIGRATE_BEGIN = 101;
    static final int MSG_INIT = 103;
    static final int MSG_MIGRATE_END = 112;
    static final int MSG_DST_SEAMLESS_NACK = 118;
    static final int MSG_INPUTS_INIT = 101;
    static final int MSG_NOTIFY = 7;
    static final int MSG_PING = 4;

    final FakeClients host = new FakeClients();
    final SpiceServer server = new SpiceServer();
    final List<String> events = new ArrayList<>();
    final Sessions sessions;

    MigrationSessionsTest() {
        server.config().setNoAuth();
        sessions = new Sessions(server, (event, info) -> events.add(event + ":" + info.channelType()), false);
        assertEquals(0, server.init(SpiceServer.CORE_MAJOR, host, host, name -> null, sessions));
    }

    FakeClients.Socket link(int connectionId, int type, int caps) throws Exception {
        FakeClients.Socket s = host.connect();
        sessions.adopt(s.fd, false, false);
        assertEquals(0, host.link(s, connectionId, type, caps));
        return s;
    }

    @Test
    void linksArePreparedForOnTheMainLoopUntilTheServerGoes() {
        assertEquals(1, host.startedTimers.size(), "spice_server_init set the timer going");
        Runnable prepare = host.startedTimers.getFirst();
        host.startedTimers.clear(); // a host timer fires once
        prepare.run(); // the connection ids' SecureRandom, then another turn
        assertEquals(List.of(prepare), host.startedTimers);
        host.startedTimers.clear();
        prepare.run(); // the JDK's keys come from their own thread: nothing to do, no new turn
        assertEquals(List.of(), host.startedTimers);
        sessions.serving(); // a turn pending again, which destroy must remove
        server.destroy();
        assertEquals(List.of(), host.startedTimers, "spice_server_destroy removed it");
    }

    @Test
    void anArrivingClientGetsItsInitAndItsChannelsAtMigrateEnd() throws Exception {
        FakeClients.Socket main = link(ID, ChannelType.MAIN, SEMI_SEAMLESS);
        FakeClients.Socket inputs = link(ID, ChannelType.INPUTS, 0);
        assertEquals(List.of(), main.types(), "nothing before MIGRATE_END: no INIT, no network test");
        assertEquals(List.of(), inputs.types(), "the inputs channel waits");
        assertEquals(List.of("1:1", "2:1"), events, "only main is reported until the client arrives");
        assertEquals(1, server.numClients());

        main.message(MSGC_ATTACH_CHANNELS, new byte[0]);
        assertEquals(List.of(), main.types(), "ATTACH_CHANNELS before MIGRATE_END is ignored");

        main.message(MSGC_MIGRATE_END, new byte[0]);
        List<FakeClients.Message> out = main.messages();
        assertEquals(MSG_INIT, out.getFirst().type());
        assertEquals(ID, out.getFirst().le().getInt(0), "INIT carries the session id the client came with");
        assertEquals(List.of(), inputs.types(), "the held channels wait for the VM to run here");
        server.vmStart(); // QEMU resumes the VM it loaded
        assertEquals(List.of(MSG_INPUTS_INIT), inputs.types(), "the held inputs channel started");
        assertEquals(List.of("1:1", "2:1", "1:3", "2:3"), events);
        assertTrue(out.stream().skip(1).allMatch(m -> m.type() == MSG_NOTIFY), "then only the insecure-keyboard note");
        assertEquals(List.of(MSG_NOTIFY), main.types(), "the note as the inputs channel starts");

        main.message(MSGC_MIGRATE_END, new byte[0]);
        assertEquals(List.of(), main.types(), "a second MIGRATE_END changes nothing");
        main.message(MSGC_ATTACH_CHANNELS, new byte[0]);
        assertTrue(main.types().contains(104), "a normal session now: CHANNELS_LIST");
    }

    @Test
    void aChannelClosedBeforeTheClientArrivedIsNeverStarted() throws Exception {
        FakeClients.Socket main = link(ID, ChannelType.MAIN, SEMI_SEAMLESS);
        FakeClients.Socket inputs = link(ID, ChannelType.INPUTS, 0);
        inputs.close();
        assertTrue(inputs.closed);
        main.message(MSGC_MIGRATE_END, new byte[0]);
        assertEquals(MSG_INIT, main.types().getFirst());
        assertEquals(List.of("1:1", "2:1"), events);
        FakeClients.Socket again = link(ID, ChannelType.INPUTS, 0);
        assertEquals(List.of(MSG_INPUTS_INIT), again.types(), "the client may link it again");
    }

    @Test
    void aHeldChannelIsLinkedOnce() throws Exception {
        link(ID, ChannelType.MAIN, SEMI_SEAMLESS);
        link(ID, ChannelType.INPUTS, 0);
        FakeClients.Socket dup = host.connect();
        sessions.adopt(dup.fd, false, false);
        assertEquals(9, host.link(dup, ID, ChannelType.INPUTS, 0), "CHANNEL_NOT_AVAILABLE");
        assertTrue(dup.closed);
    }

    @Test
    void aHeldChannelThatSendsTooMuchIsClosed() throws Exception {
        link(ID, ChannelType.MAIN, SEMI_SEAMLESS);
        FakeClients.Socket inputs = link(ID, ChannelType.INPUTS, 0);
        inputs.send(new byte[ClientSession.HELD_INPUT_LIMIT]);
        assertFalse(inputs.closed);
        inputs.send(new byte[1]);
        assertTrue(inputs.closed);
    }

    @Test
    void anArrivingClientThatGivesUpTakesItsHeldChannelsAlong() throws Exception {
        FakeClients.Socket main = link(ID, ChannelType.MAIN, SEMI_SEAMLESS);
        FakeClients.Socket inputs = link(ID, ChannelType.INPUTS, 0);
        main.close();
        assertTrue(inputs.closed);
        assertEquals(0, server.numClients());
        assertEquals(List.of("1:1", "2:1", "3:1"), events);
    }

    @Test
    void migrateEndFromAClientWithoutSemiSeamlessIsIgnored() throws Exception {
        FakeClients.Socket main = link(ID, ChannelType.MAIN, 0);
        main.message(MSGC_MIGRATE_END, new byte[0]);
        assertEquals(List.of(), main.types(), "the reference ignores it too");
    }

    @Test
    void aNewerSeamlessProtocolIsDeclined() throws Exception {
        FakeClients.Socket main = link(ID, ChannelType.MAIN, SEMI_SEAMLESS);
        main.message(MSGC_MIGRATE_DST_DO_SEAMLESS, new byte[] {2, 0, 0, 0});
        assertEquals(List.of(MSG_DST_SEAMLESS_NACK), main.types());
        main.message(MSGC_MIGRATE_END, new byte[0]);
        assertEquals(MSG_INIT, main.types().getFirst(), "it goes on semi-seamlessly");
        main.message(MSGC_MIGRATE_DST_DO_SEAMLESS, new byte[] {1});
        assertTrue(main.closed, "a short MIGRATE_DST_DO_SEAMLESS closes the channel");
    }

    @Test
    void seamlessIsDeclinedWithSeveralClients() throws Exception {
        SpiceServer s = new SpiceServer();
        s.config().setNoAuth();
        FakeClients h = new FakeClients();
        Sessions table = new Sessions(s, (event, info) -> { }, true);
        assertEquals(0, s.init(SpiceServer.CORE_MAJOR, h, h, name -> null, table));
        FakeClients.Socket main = h.connect();
        table.adopt(main.fd, false, false);
        assertEquals(0, h.link(main, ID, ChannelType.MAIN, ALL_MIGRATION));
        main.message(MSGC_MIGRATE_DST_DO_SEAMLESS, new byte[] {1, 0, 0, 0});
        assertEquals(List.of(MSG_DST_SEAMLESS_NACK), main.types());
        assertTrue(table.sharesClients());
    }

    @Test
    void aSeamlessArrivalGoesOnOnceEveryChannelHasItsState() throws Exception {
        FakeClients.Socket main = link(ID, ChannelType.MAIN, ALL_MIGRATION);
        FakeClients.Socket heldInputs = link(ID, ChannelType.INPUTS, 0);
        assertEquals(List.of(), heldInputs.types(), "linked before the handshake: held");
        main.message(MSGC_MIGRATE_DST_DO_SEAMLESS, new byte[] {1, 0, 0, 0});
        assertEquals(List.of(MSG_DST_SEAMLESS_ACK), main.types(), "ACK, and no INIT: the session goes on");
        assertEquals(List.of(MSG_INPUTS_INIT), heldInputs.types(), "started at the handshake");
        assertTrue(sessions.migrationClients().getFirst().arriving());

        // The client moves its inputs channel: its state (5 motions not yet acknowledged) comes first.
        heldInputs.message(MSGC_MIGRATE_DATA, bytes(MigrationData.inputs(5)));
        assertEquals(List.of(MSG_MOUSE_MOTION_ACK, MSG_KEY_MODIFIERS), heldInputs.types());
        assertTrue(sessions.migrationClients().getFirst().arriving(), "main's state has not come");
        main.message(MSGC_MIGRATE_DATA, bytes(MigrationData.mainWithoutAgent()));
        assertFalse(sessions.migrationClients().getFirst().arriving(), "arrived");
        assertEquals(List.of(), main.types(), "no agent on either side: nothing to tell");
        main.message(MSGC_ATTACH_CHANNELS, new byte[0]);
        assertTrue(main.types().contains(104), "a normal session now");
        assertTrue(events.containsAll(List.of("1:3", "2:3")));
    }

    @Test
    void badStateFromTheSourceClosesTheChannel() throws Exception {
        FakeClients.Socket main = link(ID, ChannelType.MAIN, ALL_MIGRATION);
        main.message(MSGC_MIGRATE_DST_DO_SEAMLESS, new byte[] {1, 0, 0, 0});
        FakeClients.Socket inputs = link(ID, ChannelType.INPUTS, 0);
        inputs.take();
        inputs.message(MSGC_MIGRATE_DATA, bytes(MigrationData.inputs(0).putInt(4, 2).rewind()));
        assertTrue(inputs.closed, "a newer version: the reference aborts QEMU, we close the channel");
        ByteBuffer shortMain = MigrationData.mainWithoutAgent().limit(20);
        main.message(MSGC_MIGRATE_DATA, bytes(shortMain));
        assertTrue(main.closed, "too short");
        assertEquals(0, server.numClients());
    }

    @Test
    void theSourceMigratesSeamlesslyWhenAskedAndAble() throws Exception {
        List<String> callbacks = device();
        server.config().setSeamlessMigration(true);
        FakeClients.Socket main = link(0, ChannelType.MAIN, ALL_MIGRATION);
        int id = main.messages().getFirst().le().getInt(0);
        FakeClients.Socket inputs = link(id, ChannelType.INPUTS, 0);
        main.take();
        inputs.take();
        assertEquals(0, server.migrateConnect("127.0.0.1", 0xa12f, -1, null));
        List<FakeClients.Message> begin = main.messages();
        assertEquals(MSG_MIGRATE_BEGIN_SEAMLESS, begin.getFirst().type());
        assertEquals("2fa1ffff0a000000180000000000000000000000" + "01000000" + "3132372e302e302e3100",
                HexFormat.of().formatHex(begin.getFirst().body()), "DstInfo, version 1, the host");
        main.message(MSGC_MIGRATE_CONNECTED_SEAMLESS, new byte[0]);
        assertEquals(List.of("connect_complete"), callbacks);

        assertEquals(0, server.migrateEnd(true));
        assertEquals(List.of("1:03000000"), hexMessages(main), "MIGRATE, no MIGRATE_END");
        assertEquals(List.of("1:03000000"), hexMessages(inputs));
        inputs.message(MSGC_MIGRATE_FLUSH_MARK, new byte[0]);
        assertEquals(List.of("2:49434d44010000000000"), hexMessages(inputs));
        main.message(MSGC_MIGRATE_FLUSH_MARK, new byte[0]);
        List<FakeClients.Message> data = main.messages();
        assertEquals(2, data.getFirst().type());
        assertEquals(HexFormat.of().formatHex(bytes(MigrationData.mainWithoutAgent())),
                HexFormat.of().formatHex(data.getFirst().body()));
        main.close();
        assertEquals(List.of("connect_complete", "end_complete"), callbacks);
    }

    /** A VDAgentMessage in a client's AGENT_DATA: CLIPBOARD_RELEASE with no body. */
    static final byte[] RELEASE = HexFormat.of().parseHex("01000000" + "09000000" + "0000000000000000" + "00000000");

    @Test
    void agentDataThatFollowsTheFlushMarkStillGoesIntoTheState() throws Exception {
        device();
        server.config().setSeamlessMigration(true);
        server.addCharDevice("vdagent", null, AgentDevice.NO_HOST); // a guest that takes nothing yet
        FakeClients.Socket main = link(0, ChannelType.MAIN, ALL_MIGRATION);
        main.message(MSGC_AGENT_START, new byte[] {-1, -1, -1, -1});
        main.message(MSGC_AGENT_DATA, RELEASE); // a file copy in progress
        main.take();
        assertEquals(0, server.migrateConnect("127.0.0.1", 0xa12f, -1, null));
        main.message(MSGC_MIGRATE_CONNECTED_SEAMLESS, new byte[0]);
        assertEquals(0, server.migrateEnd(true));
        main.take();
        int timers = host.startedTimers.size();
        main.message(MSGC_MIGRATE_FLUSH_MARK, new byte[0]);
        assertEquals(List.of(), main.types(), "the client's agent data may still be on its way");
        Runnable nextCheck = host.startedTimers.get(timers);
        main.message(MSGC_AGENT_DATA, RELEASE); // spice-gtk wrote it after its FLUSH_MARK
        Thread.sleep(MainChannelClient.AGENT_QUIET_NANOS / 1_000_000 + 10);
        nextCheck.run();
        List<FakeClients.Message> data = main.messages();
        assertEquals(List.of(2), data.stream().map(FakeClients.Message::type).toList(), "MIGRATE_DATA once quiet");
        MigrationData.Agent agent = MigrationData.parseMain(ByteBuffer.wrap(data.getFirst().body())).agent();
        assertEquals(2 * (8 + RELEASE.length), agent.pendingForDevice().length, "both messages for the guest");
        assertEquals(2, agent.pendingClientTokens());
        assertEquals(8, agent.clientTokens());
    }

    @Test
    void aSemiSeamlessAnswerEndsSemiSeamlessly() throws Exception {
        device();
        server.config().setSeamlessMigration(true);
        FakeClients.Socket main = link(0, ChannelType.MAIN, ALL_MIGRATION);
        main.take();
        server.migrateConnect("127.0.0.1", 5930, -1, null);
        assertEquals(List.of(MSG_MIGRATE_BEGIN_SEAMLESS), main.types());
        main.message(MSGC_MIGRATE_CONNECTED, new byte[0]); // the destination said NACK
        server.migrateEnd(true);
        assertEquals(List.of(MSG_MIGRATE_END), main.types());
    }

    @Test
    void withoutTheClientsCapOrTheSettingItIsSemiSeamless() throws Exception {
        device();
        FakeClients.Socket main = link(0, ChannelType.MAIN, ALL_MIGRATION);
        main.take();
        server.migrateConnect("127.0.0.1", 5930, -1, null);
        assertEquals(List.of(MSG_MIGRATE_BEGIN), main.types(), "seamless-migration is off");
        server.migrateEnd(false);
        main.take();
        server.config().setSeamlessMigration(true);
        FakeClients.Socket other = link(0, ChannelType.MAIN, SEMI_SEAMLESS | TOKENS);
        other.take();
        server.migrateConnect("127.0.0.1", 5930, -1, null);
        assertEquals(List.of(MSG_MIGRATE_BEGIN), other.types(), "no SEAMLESS_MIGRATE cap");
    }

    List<String> device() {
        List<String> callbacks = new ArrayList<>();
        server.addMigration(new MigrationDevice() {
            @Override
            public void connectComplete() {
                callbacks.add("connect_complete");
            }

            @Override
            public void endComplete() {
                callbacks.add("end_complete");
            }
        });
        return callbacks;
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    static List<String> hexMessages(FakeClients.Socket s) {
        return s.messages().stream().map(m -> m.type() + ":" + HexFormat.of().formatHex(m.body())).toList();
    }

    @Test
    void aNewClientGetsItsInitAndMigrateEndFromItIsIgnored() throws Exception {
        FakeClients.Socket main = link(0, ChannelType.MAIN, SEMI_SEAMLESS);
        assertEquals(MSG_INIT, main.types().getFirst());
        main.message(MSGC_MIGRATE_END, new byte[0]);
        assertFalse(main.types().contains(MSG_INIT));
    }

    @Test
    void theSourceSendsBeginAndEndAndHearsTheAnswer() throws Exception {
        List<String> callbacks = new ArrayList<>();
        server.addMigration(new MigrationDevice() {
            @Override
            public void connectComplete() {
                callbacks.add("connect_complete");
            }

            @Override
            public void endComplete() {
                callbacks.add("end_complete");
            }
        });
        FakeClients.Socket main = link(0, ChannelType.MAIN, SEMI_SEAMLESS);
        main.take();
        List<Runnable> timersBefore = List.copyOf(host.startedTimers); // the link keys' own
        assertEquals(0, server.migrateConnect("127.0.0.1", 0xa12f, -1, null));
        List<FakeClients.Message> begin = main.messages();
        assertEquals(1, begin.size());
        assertEquals(MSG_MIGRATE_BEGIN, begin.getFirst().type());
        assertEquals("2fa1ffff0a0000001400000000000000000000003132372e302e302e3100",
                HexFormat.of().formatHex(begin.getFirst().body()), "as the reference sent it");
        assertEquals(timersBefore.size() + 1, host.startedTimers.size(), "the 10 s wait runs");
        assertEquals(List.of(), callbacks);
        main.message(MSGC_MIGRATE_CONNECTED, new byte[0]);
        assertEquals(List.of("connect_complete"), callbacks);
        assertEquals(timersBefore, host.startedTimers, "the wait stopped");

        assertEquals(0, server.migrateStart());
        assertEquals(0, server.migrateEnd(true));
        assertEquals(List.of(MSG_MIGRATE_END), main.types());
        main.close();
        assertEquals(List.of("connect_complete", "end_complete"), callbacks);
        assertEquals(0, server.numClients());
    }

    @Test
    void theSourceListsItsClientsForMigration() throws Exception {
        link(0, ChannelType.MAIN, SEMI_SEAMLESS);
        List<? extends SourceMigration.Client> clients = sessions.migrationClients();
        assertEquals(1, clients.size());
        assertTrue(clients.getFirst().semiSeamless());
        assertFalse(clients.getFirst().arriving());
    }
}
