package org.spicejava.core.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.spicejava.core.agent.AgentFakes.chunk;
import static org.spicejava.core.agent.AgentFakes.message;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.spicejava.core.migration.MigrationData;

class AgentDeviceTest {
    private AgentFakes.Host host;
    private AgentFakes.Client client;
    private AgentFakes.Policy policy;
    private AgentDevice device;

    @BeforeEach
    void setUp() {
        host = new AgentFakes.Host();
        client = new AgentFakes.Client();
        policy = new AgentFakes.Policy();
        device = new AgentDevice(policy, Runnable::run, () -> null);
    }

    /** Agent attached, client linked and started with {@code tokens} for agent data. */
    private void connect(int tokens) {
        device.attach(host);
        device.clientConnected(client);
        device.agentStart(client, tokens);
    }

    private void fromAgent(byte[] bytes) {
        host.offer(bytes);
        device.wakeup();
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void attachTellsHostAndLateClientGetsNoConnectedMessage() {
        device.attach(host);
        assertEquals(List.of(true), host.states);
        assertTrue(device.attached());
        device.clientConnected(client);
        assertEquals(0, client.connected, "a client linking after the agent learns it from INIT");
    }

    @Test
    void agentAttachingWhileClientConnectedSendsAgentConnected() {
        device.clientConnected(client);
        device.attach(host);
        assertEquals(1, client.connected);
    }

    @Test
    void agentMessageReachesClientAsAgentData() {
        connect(10);
        byte[] msg = message(AgentProtocol.CLIPBOARD_GRAB, new byte[] {1, 0, 0, 0});
        fromAgent(chunk(AgentProtocol.PORT_CLIENT, msg));
        assertEquals(1, client.data.size());
        assertArrayEquals(msg, client.data.get(0));
    }

    @Test
    void bigChunkIsSplitIn2048BytePieces() {
        connect(10);
        byte[] msg = message(AgentProtocol.CLIPBOARD, new byte[5000 - 20]);
        fromAgent(chunk(AgentProtocol.PORT_CLIENT, msg));
        assertEquals(List.of(2048, 2048, 904), client.data.stream().map(b -> b.length).toList());
    }

    @Test
    void byteByByteStreamGivesTheSamePieces() {
        connect(10);
        host.readChunk = 1;
        byte[] msg = message(AgentProtocol.CLIPBOARD, new byte[3000]);
        host.offer(chunk(AgentProtocol.PORT_CLIENT, msg));
        for (int i = 0; i < 4000 && host.pending.size() > 0; i++) {
            device.wakeup();
        }
        assertEquals(List.of(2048, 972), client.data.stream().map(b -> b.length).toList());
    }

    @Test
    void aWakeupOnTheMainLoopSendsAtOnceAndOneFromElsewhereWaitsForTheLoop() {
        ArrayDeque<Runnable> loop = new ArrayDeque<>();
        device = new AgentDevice(policy, loop::add, () -> null);
        connect(10);
        loop.forEach(Runnable::run);
        loop.clear();
        byte[] msg = message(AgentProtocol.CLIPBOARD, new byte[] {1, 0, 0, 0, 'h', 'i'});
        host.offer(chunk(AgentProtocol.PORT_CLIENT, msg));
        device.wakeup();
        assertEquals(0, client.data.size(), "another thread's wakeup only reads; the loop sends");
        loop.poll().run();
        assertEquals(1, client.data.size());
        host.offer(chunk(AgentProtocol.PORT_CLIENT, msg));
        device.wakeupOnMainLoop();
        assertEquals(2, client.data.size(), "sent within the main loop's own wakeup");
        assertTrue(loop.isEmpty(), "nothing posted: " + loop.size());
    }

    @Test
    void clientSendTokensGateAgentData() {
        connect(1);
        byte[] msg = message(AgentProtocol.REPLY, new byte[8]);
        fromAgent(chunk(AgentProtocol.PORT_CLIENT, msg));
        fromAgent(chunk(AgentProtocol.PORT_CLIENT, msg));
        assertEquals(1, client.data.size(), "second message waits for a token");
        device.agentTokens(client, 1);
        assertEquals(2, client.data.size());
    }

    @Test
    void atMostFiveReadBuffersInFlightAndReadAheadIsBounded() {
        connect(1000);
        client.holdSent = true;
        byte[] msg = message(AgentProtocol.CLIPBOARD, new byte[2048 - 20]);
        for (int i = 0; i < 50; i++) {
            host.offer(chunk(AgentProtocol.PORT_CLIENT, msg));
        }
        device.wakeup();
        assertEquals(AgentProtocol.READ_BUFFERS, client.data.size());
        assertTrue(host.offered <= (long) AgentProtocol.READ_BUFFERS * 2056 + AgentDevice.RAW_CAPACITY,
                "read ahead " + host.offered);
        client.held.poll().run();
        assertEquals(AgentProtocol.READ_BUFFERS + 1, client.data.size());
        while (!client.held.isEmpty()) {
            client.held.poll().run();
        }
        assertEquals(50, client.data.size());
    }

    @Test
    void noClientMeansAgentDataIsReadAndDropped() {
        device.attach(host);
        fromAgent(chunk(AgentProtocol.PORT_CLIENT, message(AgentProtocol.REPLY, new byte[8])));
        assertEquals(0, host.pending.size());
        assertTrue(device.attached());
    }

    @Test
    void wrongProtocolFromAgentDetachesIt() {
        connect(10);
        fromAgent(chunk(AgentProtocol.PORT_CLIENT, message(7, AgentProtocol.REPLY, new byte[8])));
        assertFalse(device.attached());
        assertEquals(List.of(true, false), host.states);
        assertEquals(1, client.disconnectedMsgs);
        assertNull(client.cutOff, "the client stays");
        assertTrue(client.data.isEmpty());
    }

    @Test
    void messageLongerThanItsHeaderSaysDetachesAgent() {
        connect(10);
        byte[] msg = message(AgentProtocol.REPLY, new byte[8]);
        le(msg).putInt(16, 4); // header says 4, chunk carries 8
        fromAgent(chunk(AgentProtocol.PORT_CLIENT, msg));
        assertFalse(device.attached());
    }

    @Test
    void truncatedHeaderAndEmptyChunkAndBadPortDetachAgent() {
        for (byte[] bad : new byte[][] {chunk(AgentProtocol.PORT_CLIENT, new byte[10]),
                chunk(AgentProtocol.PORT_CLIENT, new byte[0]), chunk(9, message(AgentProtocol.REPLY, new byte[8]))}) {
            setUp();
            connect(10);
            fromAgent(bad);
            assertFalse(device.attached(), Arrays.toString(Arrays.copyOf(bad, 8)));
        }
    }

    @Test
    void serverPortDataIsDropped() {
        connect(10);
        fromAgent(chunk(AgentProtocol.PORT_SERVER, message(AgentProtocol.REPLY, new byte[8])));
        assertTrue(device.attached());
        assertTrue(client.data.isEmpty());
    }

    @Test
    void reattachedAgentStartsClean() {
        connect(10);
        host.offer(chunk(AgentProtocol.PORT_CLIENT, message(AgentProtocol.REPLY, new byte[8])));
        byte[] half = chunk(AgentProtocol.PORT_CLIENT, message(AgentProtocol.REPLY, new byte[8]));
        host.offer(Arrays.copyOf(half, 13));
        device.wakeup();
        device.detach();
        assertEquals(1, client.disconnectedMsgs);
        host.pending.reset();
        device.attach(host);
        assertEquals(1, client.connected);
        device.agentStart(client, 10);
        byte[] msg = message(AgentProtocol.CLIPBOARD_RELEASE, new byte[0]);
        fromAgent(chunk(AgentProtocol.PORT_CLIENT, msg));
        assertArrayEquals(msg, client.data.get(client.data.size() - 1));
    }

    @Test
    void clientDataGoesToAgentWithChunkHeaderAndTokensComeBackInFives() {
        connect(10);
        byte[] msg = message(AgentProtocol.CLIPBOARD_RELEASE, new byte[0]);
        for (int i = 0; i < 4; i++) {
            device.agentData(client, ByteBuffer.wrap(msg));
        }
        assertTrue(client.tokens.isEmpty());
        device.agentData(client, ByteBuffer.wrap(msg));
        assertEquals(List.of(5), client.tokens);
        byte[] w = host.written.toByteArray();
        assertEquals(5 * (8 + msg.length), w.length);
        assertEquals(AgentProtocol.PORT_CLIENT, le(w).getInt(0));
        assertEquals(msg.length, le(w).getInt(4));
        assertNull(client.cutOff);
    }

    @Test
    void agentDataBeyondTokensCutsTheClientOff() {
        connect(10);
        host.writeRoom = 0; // the guest takes nothing: no token comes back
        byte[] msg = message(AgentProtocol.CLIPBOARD_RELEASE, new byte[0]);
        for (int i = 0; i < AgentProtocol.CLIENT_WINDOW; i++) {
            device.agentData(client, ByteBuffer.wrap(msg));
        }
        assertNull(client.cutOff);
        device.agentData(client, ByteBuffer.wrap(msg));
        assertNotNull(client.cutOff);
        assertTrue(client.cutOff.contains("token"));
        assertTrue(device.attached(), "the agent stays");
    }

    /** The source's agent state as a destination gets it: through the reference's byte layout. */
    private static MigrationData.Agent carried(MigrationData.Agent state) throws Exception {
        assertNotNull(state);
        return MigrationData.parseMain(MigrationData.mainWithAgent(state)).agent();
    }

    /** A destination's device with its own guest side, serving {@code arriving}, which goes on from {@code state}. */
    private AgentDevice destination(AgentFakes.Host guest, AgentFakes.Client arriving, MigrationData.Agent state) {
        AgentDevice there = new AgentDevice(policy, Runnable::run, () -> null);
        there.attach(guest);
        there.clientConnected(arriving);
        there.continueSeamlessly(arriving, state);
        return there;
    }

    private static byte[] joined(List<byte[]> pieces) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        pieces.forEach(out::writeBytes);
        return out.toByteArray();
    }

    @Test
    void anIdleAgentPathHandsOverItsTokensForASeamlessMigration() {
        connect(10);
        byte[] msg = message(AgentProtocol.CLIPBOARD_RELEASE, new byte[0]);
        device.agentData(client, ByteBuffer.wrap(msg)); // the client spent a token; the guest took the data
        fromAgent(chunk(AgentProtocol.PORT_CLIENT, msg)); // we spent one of the client's 10
        MigrationData.Agent s = device.seamlessState(client);
        assertEquals(AgentProtocol.CLIENT_WINDOW - 1, s.clientTokens());
        assertEquals(9, s.sendTokens());
        assertTrue(s.clientAgentStarted());
        assertEquals(0, s.pendingForDevice().length + s.chunkHeader().length + s.partialMessageHeader().length);
        assertEquals(0, s.fromAgentRemaining() + s.toAgentRemaining());
        assertNull(device.seamlessState(new AgentFakes.Client()), "not the client the agent serves");
    }

    @Test
    void aMessageHalfReadFromTheGuestGoesOnAtTheDestination() throws Exception {
        connect(10);
        byte[] msg = message(AgentProtocol.CLIPBOARD, new byte[5000]);
        for (int i = 20; i < msg.length; i++) {
            msg[i] = (byte) i;
        }
        byte[] stream = chunk(AgentProtocol.PORT_CLIENT, msg);
        fromAgent(Arrays.copyOf(stream, 8 + 3000)); // a 2048-byte piece goes; 952 bytes wait for the rest
        assertEquals(1, client.data.size());
        device.flushForMigration(client);
        assertEquals(2, client.data.size(), "the piece begun goes to the client before MIGRATE");
        assertEquals(952, client.data.get(1).length);
        MigrationData.Agent s = carried(device.seamlessState(client));
        assertEquals(5020 - 3000, ByteBuffer.wrap(s.chunkHeader()).order(ByteOrder.LITTLE_ENDIAN).getInt(4));
        assertEquals(5000 - (3000 - 20), s.fromAgentRemaining());

        AgentFakes.Host guest = new AgentFakes.Host();
        AgentFakes.Client arrived = new AgentFakes.Client();
        AgentDevice there = destination(guest, arrived, s);
        guest.offer(Arrays.copyOfRange(stream, 8 + 3000, stream.length));
        there.wakeup();
        assertTrue(there.attached(), "the stream continued: no protocol error");
        assertArrayEquals(Arrays.copyOfRange(msg, 3000, msg.length), joined(arrived.data));
        assertArrayEquals(msg, joined(Stream.of(client.data, arrived.data)
                .flatMap(List::stream).toList()), "the client got the whole message across both servers");
        assertEquals(0, arrived.connected, "and its agent never went away");
    }

    @Test
    void aMessageHeaderBegunGoesOnAtTheDestination() throws Exception {
        connect(10);
        byte[] msg = message(AgentProtocol.CLIPBOARD_GRAB, new byte[] {1, 0, 0, 0, 5, 6, 7, 8});
        byte[] stream = chunk(AgentProtocol.PORT_CLIENT, msg);
        fromAgent(Arrays.copyOf(stream, 8 + 10)); // half of the message header
        device.flushForMigration(client);
        assertTrue(client.data.isEmpty(), "half a header cannot go to the client");
        MigrationData.Agent s = carried(device.seamlessState(client));
        assertEquals(10, s.partialMessageHeader().length);

        AgentFakes.Host guest = new AgentFakes.Host();
        AgentFakes.Client arrived = new AgentFakes.Client();
        AgentDevice there = destination(guest, arrived, s);
        guest.offer(Arrays.copyOfRange(stream, 8 + 10, stream.length));
        there.wakeup();
        assertEquals(1, arrived.data.size());
        assertArrayEquals(msg, arrived.data.getFirst());
    }

    @Test
    void aChunkHeaderBegunGoesOnAtTheDestination() throws Exception {
        connect(10);
        byte[] msg = message(AgentProtocol.CLIPBOARD_RELEASE, new byte[0]);
        byte[] stream = chunk(AgentProtocol.PORT_CLIENT, msg);
        fromAgent(Arrays.copyOf(stream, 5));
        device.flushForMigration(client);
        MigrationData.Agent s = carried(device.seamlessState(client));
        assertArrayEquals(Arrays.copyOf(stream, 5), s.chunkHeader());

        AgentFakes.Host guest = new AgentFakes.Host();
        AgentFakes.Client arrived = new AgentFakes.Client();
        AgentDevice there = destination(guest, arrived, s);
        guest.offer(Arrays.copyOfRange(stream, 5, stream.length));
        there.wakeup();
        assertArrayEquals(msg, arrived.data.getFirst());
    }

    @Test
    void theClientsDataTheGuestHadNotTakenReachesTheDestinationsGuest() throws Exception {
        connect(10);
        host.writeRoom = 10;
        byte[] msg = message(AgentProtocol.CLIPBOARD_RELEASE, new byte[0]);
        for (int i = 0; i < AgentProtocol.TOKENS_TO_SEND; i++) {
            device.agentData(client, ByteBuffer.wrap(msg));
        }
        assertEquals(10, host.written.size(), "the guest took 10 bytes of the first");
        MigrationData.Agent s = carried(device.seamlessState(client));
        assertEquals(AgentProtocol.TOKENS_TO_SEND, s.pendingClientTokens());
        assertEquals(AgentProtocol.CLIENT_WINDOW - AgentProtocol.TOKENS_TO_SEND, s.clientTokens());

        AgentFakes.Host guest = new AgentFakes.Host();
        AgentFakes.Client arrived = new AgentFakes.Client();
        destination(guest, arrived, s);
        byte[] all = joined(Collections.nCopies(AgentProtocol.TOKENS_TO_SEND,
                chunk(AgentProtocol.PORT_CLIENT, msg)));
        assertArrayEquals(all, joined(List.of(host.written.toByteArray(), guest.written.toByteArray())),
                "what the first guest had not taken went to the second, before anything else");
        assertEquals(List.of(AgentProtocol.TOKENS_TO_SEND), arrived.tokens, "and its tokens came back");
    }

    @Test
    void aMessageGoingOnAcrossAChunkBoundaryHasNoSeamlessState() {
        connect(10);
        byte[] msg = message(AgentProtocol.CLIPBOARD, new byte[100]);
        fromAgent(chunk(AgentProtocol.PORT_CLIENT, Arrays.copyOf(msg, 60))); // its first chunk only
        device.flushForMigration(client);
        assertNull(device.seamlessState(client), "the reference's format cannot say it");
        fromAgent(chunk(AgentProtocol.PORT_CLIENT, Arrays.copyOfRange(msg, 60, msg.length)));
        assertNotNull(device.seamlessState(client));
    }

    @Test
    void theDestinationReadsNothingUntilTheStateCame() throws Exception {
        AgentFakes.Host guest = new AgentFakes.Host();
        AgentFakes.Client arrived = new AgentFakes.Client();
        AgentDevice there = new AgentDevice(policy, Runnable::run, () -> null);
        there.attach(guest);
        there.awaitMigrationData(arrived);
        byte[] msg = message(AgentProtocol.CLIPBOARD_RELEASE, new byte[0]);
        guest.offer(chunk(AgentProtocol.PORT_CLIENT, msg));
        there.wakeup();
        assertEquals(0, guest.offered, "the guest's bytes stay where they are");
        there.clientConnected(arrived);
        there.continueSeamlessly(arrived, MigrationData.Agent.idle(AgentProtocol.CLIENT_WINDOW, 10, true));
        assertArrayEquals(msg, arrived.data.getFirst());
    }

    @Test
    void aSeamlesslyArrivedClientGoesOnWithTheAgentWithoutAStart() {
        device.attach(host);
        device.clientConnected(client);
        device.continueSeamlessly(client, MigrationData.Agent.idle(7, 3, true));
        assertEquals(0, client.connected, "its agent never went away: no AGENT_CONNECTED");
        assertEquals(7, device.clientTokens());
        assertEquals(3, device.sendTokens());
        byte[] msg = message(AgentProtocol.CLIPBOARD_RELEASE, new byte[0]);
        device.agentData(client, ByteBuffer.wrap(msg));
        assertEquals(8 + msg.length, host.written.size(), "its data reaches the guest without a new AGENT_START");
        assertNull(client.cutOff);
        fromAgent(chunk(AgentProtocol.PORT_CLIENT, msg));
        assertArrayEquals(msg, client.data.getLast(), "and the guest's reaches it, on the tokens it had given");
        assertEquals(2, device.sendTokens());
    }

    @Test
    void anArrivedStateWaitsForTheAgentToAttach() {
        device.clientConnected(client);
        device.continueSeamlessly(client, MigrationData.Agent.idle(AgentProtocol.CLIENT_WINDOW, 5, true));
        device.attach(host);
        assertEquals(0, client.connected, "attached for a client that kept its agent session: not announced");
        assertEquals(5, device.sendTokens());
        device.agentData(client, ByteBuffer.wrap(message(AgentProtocol.CLIPBOARD_RELEASE, new byte[0])));
        assertTrue(host.written.size() > 0);
        assertNull(client.cutOff);
    }

    @Test
    void partialWritesResumeOnWakeup() {
        connect(10);
        host.writeRoom = 10;
        byte[] msg = message(AgentProtocol.CLIPBOARD_RELEASE, new byte[0]);
        device.agentData(client, ByteBuffer.wrap(msg));
        assertEquals(10, host.written.size());
        host.writeRoom = Integer.MAX_VALUE;
        device.wakeup();
        assertEquals(8 + msg.length, host.written.size());
    }

    @Test
    void oversizedOrWrongProtocolClientDataCutsTheClientOff() {
        connect(10);
        device.agentData(client, ByteBuffer.wrap(new byte[AgentProtocol.MAX_DATA_SIZE + 1]));
        assertNotNull(client.cutOff);
        setUp();
        connect(10);
        device.agentData(client, ByteBuffer.wrap(message(2, AgentProtocol.CLIPBOARD_RELEASE, new byte[0])));
        assertNotNull(client.cutOff);
        setUp();
        connect(10);
        device.agentData(client, ByteBuffer.wrap(new byte[5]));
        assertNotNull(client.cutOff, "incomplete header");
    }

    @Test
    void clientDataBeforeAgentStartIsDroppedWithoutTokens() {
        device.attach(host);
        device.clientConnected(client);
        device.agentData(client, ByteBuffer.wrap(message(AgentProtocol.CLIPBOARD_RELEASE, new byte[0])));
        assertEquals(0, host.written.size());
        assertNull(client.cutOff);
    }

    @Test
    void copyPasteOffDropsClipboardBothWaysAndHidesTheCapability() {
        policy.copyPaste = false;
        policy.fileTransfer = false;
        device = new AgentDevice(policy, Runnable::run, () -> null);
        connect(10);
        device.agentData(client, ByteBuffer.wrap(message(AgentProtocol.CLIPBOARD_GRAB, new byte[4])));
        assertEquals(0, host.written.size());
        fromAgent(chunk(AgentProtocol.PORT_CLIENT, message(AgentProtocol.CLIPBOARD_GRAB, new byte[4])));
        assertTrue(client.data.isEmpty());
        int caps = 1 << AgentProtocol.CAP_CLIPBOARD | 1 << AgentProtocol.CAP_CLIPBOARD_BY_DEMAND | 1;
        byte[] announce = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(1).putInt(caps).array();
        fromAgent(chunk(AgentProtocol.PORT_CLIENT, message(AgentProtocol.ANNOUNCE_CAPABILITIES, announce)));
        int seen = le(client.data.get(0)).getInt(24);
        assertEquals(1 | 1 << AgentProtocol.CAP_FILE_XFER_DISABLED, seen);
    }

    @Test
    void fileTransferOffDropsTransfers() {
        policy.fileTransfer = false;
        device = new AgentDevice(policy, Runnable::run, () -> null);
        connect(10);
        device.agentData(client, ByteBuffer.wrap(message(AgentProtocol.FILE_XFER_START, new byte[8])));
        assertEquals(0, host.written.size());
        assertNull(client.cutOff);
    }

    private static byte[] monitors(int count, int flags, int room) {
        ByteBuffer b = ByteBuffer.allocate(8 + room * 20).order(ByteOrder.LITTLE_ENDIAN).putInt(count).putInt(flags);
        for (int i = 0; i < room; i++) {
            b.putInt(768).putInt(1024).putInt(32).putInt(0).putInt(0);
        }
        return b.array();
    }

    @Test
    void monitorsConfigGoesToDisplaysWhenTheyTakeIt() {
        policy.monitorsToDisplays = true;
        connect(10);
        device.agentData(client, ByteBuffer.wrap(message(AgentProtocol.MONITORS_CONFIG, monitors(1, 0xfd, 1))));
        assertEquals(1, policy.monitorConfigs.size());
        ByteBuffer config = policy.monitorConfigs.get(0);
        assertEquals(1, config.getInt(0));
        assertEquals(1, config.getInt(4), "unknown flags are cleared");
        assertEquals(0, host.written.size());
        assertNull(client.cutOff);
    }

    @Test
    void physicalSizesNeedRoomForThem() {
        policy.monitorsToDisplays = true;
        connect(10);
        device.agentData(client, ByteBuffer.wrap(message(AgentProtocol.MONITORS_CONFIG, monitors(1, 2, 1))));
        assertNotNull(client.cutOff, "one monitor with a physical size needs 8 + 20 + 4 bytes");
    }

    @Test
    void monitorsConfigSplitOverChunksIsAssembled() {
        policy.monitorsToDisplays = true;
        connect(10);
        byte[] msg = message(AgentProtocol.MONITORS_CONFIG, monitors(100, 0, 100));
        for (int off = 0; off < msg.length; off += 2048) {
            device.agentData(client, ByteBuffer.wrap(msg, off, Math.min(2048, msg.length - off)));
        }
        assertEquals(1, policy.monitorConfigs.size());
        assertNull(client.cutOff);
    }

    @Test
    void monitorsConfigGoesToAgentWhenDisplaysDoNotTakeIt() {
        connect(10);
        device.agentData(client, ByteBuffer.wrap(message(AgentProtocol.MONITORS_CONFIG, monitors(1, 0, 1))));
        assertTrue(policy.monitorConfigs.isEmpty());
        assertEquals(List.of(AgentProtocol.MONITORS_CONFIG), host.writtenTypes());
    }

    @Test
    void monitorsConfigClaimingMoreMonitorsThanItCarriesCutsTheClientOff() {
        policy.monitorsToDisplays = true;
        connect(10);
        device.agentData(client, ByteBuffer.wrap(message(AgentProtocol.MONITORS_CONFIG, monitors(2, 0, 1))));
        assertNotNull(client.cutOff);
        assertTrue(policy.monitorConfigs.isEmpty());
    }

    @Test
    void monitorsConfigLargerThanTheBoundCutsTheClientOff() {
        policy.monitorsToDisplays = true;
        connect(10);
        byte[] head = message(AgentProtocol.MONITORS_CONFIG, new byte[0]);
        le(head).putInt(16, MonitorsConfigAssembler.MAX_CONFIG + 1);
        device.agentData(client, ByteBuffer.wrap(head));
        assertNotNull(client.cutOff);
    }

    @Test
    void clientLeavingTellsTheAgent() {
        connect(10);
        device.clientGone(client);
        assertEquals(List.of(AgentProtocol.CLIENT_DISCONNECTED), host.writtenTypes());
        fromAgent(chunk(AgentProtocol.PORT_CLIENT, message(AgentProtocol.REPLY, new byte[8])));
        assertTrue(client.data.isEmpty());
    }

    @Test
    void theAgentServesTheNewestClientAndGoesBackToTheEarlierOneWhenItLeaves() {
        connect(10);
        AgentFakes.Client second = new AgentFakes.Client();
        device.clientConnected(second);
        assertEquals(1, client.disconnectedMsgs, "the first client is told the agent went");
        assertEquals(List.of(AgentProtocol.CLIENT_DISCONNECTED), host.writtenTypes(),
                "the agent forgets the first client");
        device.agentStart(second, 10);
        byte[] grab = message(AgentProtocol.CLIPBOARD_GRAB, new byte[] {1, 0, 0, 0});
        fromAgent(chunk(AgentProtocol.PORT_CLIENT, grab));
        assertEquals(1, second.data.size());
        assertTrue(client.data.isEmpty(), "only the served client hears the agent");
        device.agentData(client, ByteBuffer.wrap(message(AgentProtocol.CLIPBOARD_RELEASE, new byte[4])));
        assertEquals(List.of(AgentProtocol.CLIENT_DISCONNECTED), host.writtenTypes(), "nor does the agent hear it");
        assertNull(client.cutOff);

        device.clientGone(second);
        assertEquals(1, client.connected, "the first client gets the agent back");
        device.agentStart(client, 10);
        fromAgent(chunk(AgentProtocol.PORT_CLIENT, grab));
        assertEquals(1, client.data.size());
        assertArrayEquals(grab, client.data.get(0));
        device.agentData(client, ByteBuffer.wrap(message(AgentProtocol.CLIPBOARD_RELEASE, new byte[4])));
        assertEquals(List.of(AgentProtocol.CLIENT_DISCONNECTED, AgentProtocol.CLIENT_DISCONNECTED,
                AgentProtocol.CLIPBOARD_RELEASE), host.writtenTypes());
    }

    @Test
    void aWaitingClientThatLeavesIsForgotten() {
        connect(10);
        AgentFakes.Client second = new AgentFakes.Client();
        device.clientConnected(second);
        device.clientGone(client);
        device.clientGone(second);
        assertEquals(0, client.connected, "a client that left never gets the agent back");
        assertEquals(List.of(AgentProtocol.CLIENT_DISCONNECTED, AgentProtocol.CLIENT_DISCONNECTED),
                host.writtenTypes());
    }

    @Test
    void mouseStateGoesToAgentAndTheLatestWaitsForTheServerToken() {
        connect(10);
        host.writeRoom = 0;
        device.mouseState(1, 2, 4, 0);
        device.mouseState(3, 4, 0, 0);
        device.mouseState(5, 6, 2, 1);
        host.writeRoom = Integer.MAX_VALUE;
        device.wakeup();
        assertEquals(List.of(AgentProtocol.MOUSE_STATE, AgentProtocol.MOUSE_STATE), host.writtenTypes());
        ByteBuffer w = le(host.written.toByteArray());
        int second = 8 + 20 + 13;
        assertEquals(5, w.getInt(second + 28));
        assertEquals(6, w.getInt(second + 32));
        assertEquals(2, w.getInt(second + 36));
        assertEquals(1, w.get(second + 40));
    }

    @Test
    void stoppedVmIsNeitherReadNorWritten() {
        connect(10);
        device.setRunning(false);
        fromAgent(chunk(AgentProtocol.PORT_CLIENT, message(AgentProtocol.REPLY, new byte[8])));
        device.mouseState(1, 1, 0, 0);
        assertTrue(client.data.isEmpty());
        assertEquals(0, host.written.size());
        device.setRunning(true);
        assertEquals(1, client.data.size());
        assertEquals(List.of(AgentProtocol.MOUSE_STATE), host.writtenTypes());
    }

    private void announce(int caps) {
        byte[] body = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(0).putInt(caps).array();
        fromAgent(chunk(AgentProtocol.PORT_CLIENT, message(AgentProtocol.ANNOUNCE_CAPABILITIES, body)));
    }

    @Test
    void graphicsDeviceInfoGoesToAnAgentThatAnnouncesIt() {
        policy.deviceInfo = new byte[] {1, 0, 0, 0, 9};
        connect(10);
        announce(1 << AgentProtocol.CAP_CLIPBOARD_BY_DEMAND);
        assertEquals(List.of(), host.writtenTypes(), "an agent without the capability gets none");
        announce(1 << AgentProtocol.CAP_GRAPHICS_DEVICE_INFO);
        assertEquals(List.of(AgentProtocol.GRAPHICS_DEVICE_INFO), host.writtenTypes());
        byte[] body = Arrays.copyOfRange(host.written.toByteArray(), 28, host.written.size());
        assertArrayEquals(policy.deviceInfo, body);
        device.deviceInfoChanged();
        device.agentStart(client, 10);
        assertEquals(3, host.writtenTypes().size(), "sent again when the devices change and when a client starts");
    }

    @Test
    void graphicsDeviceInfoWaitsForTheServerTokenAndIsForgottenWithTheAgent() {
        connect(10);
        announce(1 << AgentProtocol.CAP_GRAPHICS_DEVICE_INFO);
        host.written.reset();
        host.writeRoom = 0;
        device.mouseState(1, 2, 0, 0); // takes the server's only token
        device.deviceInfoChanged();
        host.writeRoom = Integer.MAX_VALUE;
        device.wakeup();
        assertEquals(List.of(AgentProtocol.MOUSE_STATE, AgentProtocol.GRAPHICS_DEVICE_INFO), host.writtenTypes());
        device.detach();
        device.attach(host);
        host.written.reset();
        device.deviceInfoChanged();
        assertEquals(List.of(), host.writtenTypes(), "a new agent has not announced the capability yet");
    }
}
