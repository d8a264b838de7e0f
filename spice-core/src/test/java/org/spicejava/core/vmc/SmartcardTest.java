package org.spicejava.core.vmc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.spicejava.core.channel.ChannelClient;
import org.spicejava.core.chardev.CharDeviceState;
import org.spicejava.core.migration.MigrationData;
import org.spicejava.core.net.FakeSocket;
import org.spicejava.core.net.SocketConnection;
import org.spicejava.core.protocol.ChannelType;
import org.spicejava.core.vmc.VmcFakes.Msg;

/** Smartcard readers and the smartcard channel: VSC messages both ways, reader ids, hostile input. */
class SmartcardTest {
    private final VmcFakes.Loop loop = new VmcFakes.Loop();
    private final VmcDevices devices = new VmcDevices(loop, () -> loop);
    private final List<VmcFakes.Host> hosts = new ArrayList<>();

    /** Adds a smartcard device; returns its host. */
    private VmcFakes.Host reader() {
        VmcFakes.Host h = new VmcFakes.Host();
        assertTrue(devices.add(VmcFakes.state("smartcard", null), h));
        hosts.add(h);
        loop.run();
        return h;
    }

    private record Linked(FakeSocket socket, SmartcardChannelClient client) {
        void send(int type, int readerId, byte[] payload) {
            sendRaw(ByteBuffer.allocate(12 + payload.length).order(ByteOrder.LITTLE_ENDIAN).putInt(type)
                    .putInt(readerId).putInt(payload.length).put(payload).array());
        }

        void sendRaw(byte[] body) {
            socket.receive(VmcFakes.frame(Vsc.MSGC_DATA, body), 1 << 16);
        }

        /** The VSC messages the client received: {type, reader id, payload...} as little-endian ints and bytes. */
        List<Vsc3> received() {
            List<Vsc3> list = new ArrayList<>();
            for (Msg m : VmcFakes.messages(socket)) {
                assertEquals(Vsc.MSG_DATA, m.type());
                ByteBuffer b = m.le();
                assertEquals(m.body().length - 12, b.getInt(8), "length matches the message");
                byte[] payload = new byte[m.body().length - 12];
                b.get(12, payload);
                list.add(new Vsc3(b.getInt(0), b.getInt(4), payload));
            }
            return list;
        }
    }

    record Vsc3(int type, int readerId, byte[] payload) {
    }

    private Linked link() {
        FakeSocket socket = new FakeSocket();
        SocketConnection connection = socket.connection();
        SmartcardChannelClient client = (SmartcardChannelClient) devices.link(connection,
                VmcFakes.link(ChannelType.SMARTCARD, 0, 0), true).orElseThrow();
        connection.onClose(client::closed);
        client.start();
        loop.run();
        return new Linked(socket, client);
    }

    /** A VSC message as the device writes it: network-order header. */
    static byte[] fromDevice(int type, int readerId, byte[] payload) {
        return ByteBuffer.allocate(12 + payload.length).putInt(type).putInt(readerId).putInt(payload.length)
                .put(payload).array();
    }

    static byte[] be(int v) {
        return ByteBuffer.allocate(4).putInt(v).array();
    }

    static byte[] le(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    @Test
    void aSeamlessMigrationCarriesTheReadersStateToTheDestination() throws Exception {
        VmcFakes.Host host = reader();
        Linked c = link();
        c.send(Vsc.READER_ADD, Vsc.UNDEFINED_READER_ID, new byte[0]);
        host.written.reset();
        host.writeRoom = 0; // the guest takes nothing more
        byte[] apdu = VmcFakes.bytes(40, 3);
        c.send(Vsc.APDU, 0, apdu);
        byte[] answer = VmcFakes.bytes(30, 4);
        byte[] whole = fromDevice(Vsc.APDU, 0, answer);
        host.offer(Arrays.copyOf(whole, 20)); // the header and 8 of the 30 payload bytes
        devices.reader(0).wakeup();
        loop.run();
        assertEquals(List.of(), c.received(), "half a message is not sent");
        c.client().migrate();
        c.socket().receive(VmcFakes.frame(ChannelClient.MSGC_MIGRATE_FLUSH_MARK, new byte[0]), 1 << 16);
        List<Msg> m = VmcFakes.messages(c.socket());
        assertEquals(List.of(ChannelClient.MSG_MIGRATE, ChannelClient.MSG_MIGRATE_DATA),
                m.stream().map(Msg::type).toList());
        MigrationData.Smartcard state = MigrationData.parseSmartcard(ByteBuffer.wrap(m.get(1).body()));
        assertTrue(state.readerAdded());
        assertArrayEquals(fromDevice(Vsc.APDU, 0, apdu), state.pendingForDevice());
        assertArrayEquals(Arrays.copyOf(whole, 20), state.partialRead());

        VmcDevices destination = new VmcDevices(loop, () -> loop);
        VmcFakes.Host destinationHost = new VmcFakes.Host();
        assertTrue(destination.add(VmcFakes.state("smartcard", null), destinationHost));
        loop.run();
        FakeSocket socket = new FakeSocket();
        SocketConnection connection = socket.connection();
        SmartcardChannelClient arriving = (SmartcardChannelClient) destination.link(connection,
                VmcFakes.link(ChannelType.SMARTCARD, 0, 0), true).orElseThrow();
        connection.onClose(arriving::closed);
        arriving.awaitMigrationData(() -> { });
        arriving.start();
        loop.run();
        socket.receive(VmcFakes.frame(ChannelClient.MSGC_MIGRATE_DATA, m.get(1).body()), 1 << 16);
        loop.run();
        assertArrayEquals(fromDevice(Vsc.APDU, 0, apdu), destinationHost.written.toByteArray(),
                "the source's untaken message is written here");
        destinationHost.offer(Arrays.copyOfRange(whole, 20, whole.length));
        destination.reader(0).wakeup();
        loop.run();
        List<Vsc3> got = new Linked(socket, arriving).received();
        assertEquals(1, got.size());
        assertArrayEquals(answer, got.get(0).payload(), "the message the source began completes here");
        destinationHost.written.reset();
        connection.close("the client left");
        loop.run();
        assertArrayEquals(fromDevice(Vsc.READER_REMOVE, 0, new byte[0]), destinationHost.written.toByteArray(),
                "the reader the source added is removed when the client leaves");
    }

    @Test
    void readersShareOneChannel() {
        assertEquals(List.of(), devices.channels());
        reader();
        reader();
        assertEquals(1, devices.channels().size());
        assertEquals(ChannelType.SMARTCARD, devices.channels().get(0).type());
        for (int i = 2; i < Vsc.MAX_READERS; i++) {
            reader();
        }
        assertFalse(devices.add(VmcFakes.state("smartcard", null), new VmcFakes.Host()), "11th reader refused");
        assertEquals(Vsc.MAX_READERS, devices.count());
    }

    @Test
    void readerAddAndDeviceAnswers() {
        VmcFakes.Host host = reader();
        Linked c = link();
        assertEquals(List.of(true), host.states, "the device hears the client at link");
        c.send(Vsc.INIT, Vsc.UNDEFINED_READER_ID, new byte[] {'V', 'S', 'C', 'D', 0, 0, 0, 2, 0, 0, 0, 0});
        assertEquals(0, host.written.size(), "Init is the server's to ignore");
        c.send(Vsc.READER_ADD, Vsc.UNDEFINED_READER_ID, "reader\0".getBytes());
        assertArrayEquals(fromDevice(Vsc.READER_ADD, 0, new byte[0]), host.written.toByteArray(),
                "the server's own ReaderAdd, with the reader's id and no name");

        host.offer(fromDevice(Vsc.INIT, Vsc.UNDEFINED_READER_ID, new byte[12])); // dropped on the way out
        host.offer(fromDevice(Vsc.ERROR, 0, be(Vsc.SUCCESS)));
        host.offer(fromDevice(Vsc.APDU, 0x55, new byte[] {(byte) 0x90, 0}));
        devices.reader(0).wakeup();
        loop.run();
        List<Vsc3> got = c.received();
        assertEquals(2, got.size());
        assertEquals(Vsc.ERROR, got.get(0).type());
        assertEquals(0, got.get(0).readerId());
        assertArrayEquals(be(Vsc.SUCCESS), got.get(0).payload(), "the device's payload passes unchanged");
        assertEquals(Vsc.APDU, got.get(1).type());
        assertEquals(0, got.get(1).readerId(), "the reader id is the server's");
        assertArrayEquals(new byte[] {(byte) 0x90, 0}, got.get(1).payload());
    }

    @Test
    void clientMessagesGoToTheNamedReader() {
        VmcFakes.Host host = reader();
        Linked c = link();
        byte[] apdu = VmcFakes.bytes(300, 1);
        c.send(Vsc.APDU, 0, apdu);
        c.send(Vsc.ATR, 0, new byte[] {0x3b, 0x00});
        // Extra bytes after the payload the header claims are not passed on (buf_used = length + 12).
        c.sendRaw(ByteBuffer.allocate(12 + 3).order(ByteOrder.LITTLE_ENDIAN).putInt(Vsc.CARD_REMOVE).putInt(0)
                .putInt(0).put(new byte[] {1, 2, 3}).array());
        ByteBuffer expected = ByteBuffer.allocate(12 + 300 + 14 + 12).put(fromDevice(Vsc.APDU, 0, apdu))
                .put(fromDevice(Vsc.ATR, 0, new byte[] {0x3b, 0x00})).put(fromDevice(Vsc.CARD_REMOVE, 0,
                        new byte[0]));
        assertArrayEquals(expected.array(), host.written.toByteArray());
        c.send(Vsc.FLUSH, 0, new byte[0]); // not for the device: ignored, the channel stays
        assertFalse(c.socket().closed());
        assertEquals(expected.array().length, host.written.size());
    }

    @Test
    void hostileClientMessagesCloseTheChannel() {
        List<byte[]> bad = List.of(
                new byte[11], // shorter than a header
                ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(Vsc.APDU).putInt(0).putInt(1).array(),
                ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(Vsc.APDU).putInt(0).putInt(-1).array(),
                ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(Vsc.APDU).putInt(1).putInt(0).array(),
                ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(Vsc.ATR).putInt(-1).putInt(0).array());
        VmcFakes.Host host = reader();
        for (byte[] body : bad) {
            Linked c = link();
            c.sendRaw(body);
            assertTrue(c.socket().closed());
            assertEquals(0, host.written.size());
            assertSame(devices.reader(0), devices.unattached(), "the reader is free again");
        }
        Linked c = link();
        ByteBuffer header = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN).putShort((short) Vsc.MSGC_DATA)
                .putInt(SmartcardChannelClient.MAX_CLIENT_MESSAGE + 1);
        c.socket().receive(header.array(), 6);
        assertTrue(c.socket().closed(), "oversized message");
    }

    @Test
    void readerRemoveAndErrorsTheServerAnswers() {
        VmcFakes.Host host = reader();
        Linked c = link();
        c.send(Vsc.READER_REMOVE, 0, new byte[0]); // no reader added yet
        c.send(Vsc.READER_REMOVE, 7, new byte[0]); // no such reader
        assertEquals(0, host.written.size());
        List<Vsc3> got = c.received();
        assertEquals(2, got.size());
        assertEquals(Vsc.ERROR, got.get(0).type());
        assertEquals(0, got.get(0).readerId());
        assertArrayEquals(le(Vsc.GENERAL_ERROR), got.get(0).payload(), "the server's own codes are little-endian");
        assertEquals(7, got.get(1).readerId());

        c.send(Vsc.READER_ADD, 0, new byte[0]);
        c.send(Vsc.READER_REMOVE, 0, new byte[0]);
        assertArrayEquals(ByteBuffer.allocate(24).put(fromDevice(Vsc.READER_ADD, 0, new byte[0]))
                .put(fromDevice(Vsc.READER_REMOVE, 0, new byte[0])).array(), host.written.toByteArray());

        Linked second = link(); // the only reader is taken
        second.send(Vsc.READER_ADD, 0, new byte[0]);
        List<Vsc3> refused = second.received();
        assertEquals(1, refused.size());
        assertEquals(Vsc.UNDEFINED_READER_ID, refused.get(0).readerId());
        assertArrayEquals(le(Vsc.CANNOT_ADD_MORE_READERS), refused.get(0).payload());
    }

    @Test
    void closingTheChannelRemovesTheReader() {
        VmcFakes.Host host = reader();
        Linked c = link();
        host.writeRoom = 0;
        c.send(Vsc.READER_ADD, 0, new byte[0]);
        c.send(Vsc.APDU, 0, new byte[100]); // still queued when the client goes: dropped
        c.client().close("bye");
        loop.run();
        assertEquals(List.of(true, false), host.states);
        host.writeRoom = Integer.MAX_VALUE;
        devices.reader(0).wakeup();
        loop.run();
        assertArrayEquals(ByteBuffer.allocate(24).put(fromDevice(Vsc.READER_ADD, 0, new byte[0]))
                .put(fromDevice(Vsc.READER_REMOVE, 0, new byte[0])).array(), host.written.toByteArray());
        assertSame(devices.reader(0), devices.unattached());
    }

    @Test
    void oversizedDeviceMessagesAreSkipped() {
        VmcFakes.Host host = reader();
        Linked c = link();
        byte[] huge = fromDevice(Vsc.APDU, 0, new byte[Vsc.MAX_PAYLOAD + 1]);
        host.offer(huge);
        host.offer(fromDevice(Vsc.ERROR, 0, be(0)));
        devices.reader(0).wakeup();
        loop.run();
        List<Vsc3> got = c.received();
        assertEquals(1, got.size(), "the oversized message is skipped, the stream stays in step");
        assertEquals(Vsc.ERROR, got.get(0).type());
        ByteBuffer lying = ByteBuffer.allocate(12).putInt(Vsc.APDU).putInt(0).putInt(-1); // claims 4 GiB
        host.offer(lying.array());
        host.offer(new byte[100_000]);
        devices.reader(0).wakeup();
        loop.run();
        assertEquals(1, c.received().size());
        assertFalse(c.socket().closed());
    }

    @Test
    void garbageForeverWithoutClientIsReadAndDropped() {
        VmcFakes.Host host = reader();
        host.endless = 0x11;
        devices.reader(0).wakeup();
        int tasks = loop.run(1000);
        assertTrue(tasks < 1000, "the pump yields: " + tasks);
        assertTrue(host.offered > 0);
        assertEquals(0, devices.reader(0).queued());
        assertEquals(0, devices.reader(0).outgoingItems());
    }

    @Test
    void aStalledClientHoldsBackItsReader() {
        VmcFakes.Host host = reader();
        Linked c = link();
        c.socket().stall(true);
        byte[] message = fromDevice(Vsc.APDU, 0, new byte[1000]);
        for (int i = 0; i < 5000; i++) {
            host.offer(message);
        }
        for (int i = 0; i < 100; i++) {
            devices.reader(0).wakeup();
            loop.run();
        }
        long queued = devices.reader(0).queued();
        // The limit, one read, and a message that read completed.
        assertTrue(queued <= VmcProtocol.QUEUED_DATA_LIMIT + VmcProtocol.READ_BYTES + Vsc.HEADER_BYTES
                + Vsc.MAX_PAYLOAD, "queued " + queued);
        assertTrue(host.pending.size() > 0, "the rest waits in the guest");
        c.socket().stall(false);
        while (host.pending.size() > 0) {
            c.socket().writable();
            devices.reader(0).wakeup();
            loop.run();
        }
        c.socket().writable();
        assertEquals(5000L * (12 + 1000 + 6), c.socket().writtenBytes());
    }

    @Test
    void removedReaderLeavesTheClientConnected() {
        reader();
        CharDeviceState second = VmcFakes.state("smartcard", null);
        VmcFakes.Host host2 = new VmcFakes.Host();
        assertTrue(devices.add(second, host2));
        Linked c = link();
        assertSame(devices.reader(0), c.client().device());
        devices.remove(stateOf(0));
        loop.run();
        assertFalse(c.socket().closed(), "the reference keeps the channel");
        assertNull(c.client().device());
        assertNull(devices.reader(0));
        assertEquals(2, devices.count(), "ids stay: reader 1 is still reader 1");
        c.send(Vsc.READER_ADD, 0, new byte[0]); // attaches the free reader 1
        assertArrayEquals(fromDevice(Vsc.READER_ADD, 1, new byte[0]), host2.written.toByteArray());
        c.send(Vsc.APDU, 0, new byte[] {1}); // reader 0 is gone: dropped, the channel stays
        assertFalse(c.socket().closed());
    }

    private CharDeviceState stateOf(int readerId) {
        return devices.reader(readerId).state;
    }
}
