package org.spicejava.core.vmc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.spicejava.core.channel.ChannelClient;
import org.spicejava.core.chardev.CharDeviceState;
import org.spicejava.core.migration.MigrationData;
import org.spicejava.core.net.FakeSocket;
import org.spicejava.core.net.SocketConnection;
import org.spicejava.core.protocol.ChannelType;
import org.spicejava.core.vmc.VmcFakes.Msg;

import net.jpountz.lz4.LZ4Factory;

/** usbredir and port devices with their channel clients: data and events both ways, compression, flow control. */
class PassthroughDeviceTest {
    private final VmcFakes.Loop loop = new VmcFakes.Loop();
    private final VmcFakes.Host host = new VmcFakes.Host();

    private PassthroughDevice device(String subtype, String port, int type) {
        CharDeviceState state = VmcFakes.state(subtype, port);
        PassthroughDevice d = new PassthroughDevice(state, host, type, 0, loop, () -> loop);
        state.onWakeup(d::wakeup);
        state.onPortEvent(d::portEvent);
        state.onRunning(d::postPump);
        return d;
    }

    /** A client on a fake socket, linked with {@code caps}; its close reaches the device as the session's does. */
    private record Linked(FakeSocket socket, VmcChannelClient client) {
        List<Msg> messages() {
            return VmcFakes.messages(socket);
        }

        void send(int type, byte[] body) {
            socket.receive(VmcFakes.frame(type, body), 1 << 16);
        }
    }

    private Linked link(PassthroughDevice d, int caps, boolean overNetwork) {
        FakeSocket socket = new FakeSocket();
        SocketConnection connection = socket.connection();
        VmcChannelClient client = new VmcChannelClient(connection,
                VmcFakes.link(d.channelType(), d.channelId(), caps), d, overNetwork);
        connection.onClose(client::closed);
        client.start();
        loop.run();
        return new Linked(socket, client);
    }

    private static byte[] data(List<Msg> messages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Msg m : messages) {
            if (m.type() == VmcProtocol.MSG_DATA) {
                out.writeBytes(m.body());
            } else if (m.type() == VmcProtocol.MSG_COMPRESSED_DATA) {
                ByteBuffer b = m.le();
                byte[] plain = new byte[b.getInt(1)];
                LZ4Factory.safeInstance().safeDecompressor().decompress(m.body(), 5, m.body().length - 5, plain, 0);
                out.writeBytes(plain);
            }
        }
        return out.toByteArray();
    }

    @Test
    void portInitCarriesNameAndGuestState() {
        PassthroughDevice d = device("port", "org.qemu.monitor.qmp.0", ChannelType.PORT);
        d.state.portEvent(CharDeviceState.PORT_EVENT_OPENED); // no client yet: remembered, not sent
        loop.run();
        Linked c = link(d, 0, true);
        List<Msg> m = c.messages();
        assertEquals(VmcProtocol.MSG_PORT_INIT, m.get(0).type());
        byte[] name = "org.qemu.monitor.qmp.0\0".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer expected = ByteBuffer.allocate(9 + name.length).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(name.length).putInt(9).put((byte) 1).put(name);
        assertArrayEquals(expected.array(), m.get(0).body());
        assertEquals(List.of(true), host.states);
        assertEquals(1, m.size());
    }

    @Test
    void portEventsBothWays() {
        PassthroughDevice d = device("port", "com.example.port", ChannelType.PORT);
        Linked c = link(d, 0, true);
        assertEquals(0, c.messages().get(0).body()[8], "closed port");
        d.state.portEvent(CharDeviceState.PORT_EVENT_OPENED);
        host.offer("hello".getBytes(StandardCharsets.US_ASCII));
        d.wakeup();
        d.state.portEvent(CharDeviceState.PORT_EVENT_CLOSED);
        d.state.portEvent(7); // unknown to us, passed on as the reference does
        loop.run();
        List<Msg> m = c.messages();
        assertEquals(List.of(VmcProtocol.MSG_PORT_INIT, VmcProtocol.MSG_PORT_EVENT, VmcProtocol.MSG_DATA,
                VmcProtocol.MSG_PORT_EVENT, VmcProtocol.MSG_PORT_EVENT), m.stream().map(Msg::type).toList());
        assertArrayEquals(new byte[] {0}, m.get(1).body());
        assertArrayEquals(new byte[] {1}, m.get(3).body());
        assertArrayEquals(new byte[] {7}, m.get(4).body());
        assertFalse(d.portOpened());

        c.send(VmcProtocol.MSGC_PORT_EVENT, new byte[] {2});
        assertEquals(List.of(2), host.events);
        c.send(VmcProtocol.MSGC_PORT_EVENT, new byte[] {0, 0}); // wrong size closes, as the reference
        assertTrue(c.socket().closed());
        assertEquals(List.of(true, false), host.states);
    }

    @Test
    void dataBothWays() {
        PassthroughDevice d = device("usbredir", null, ChannelType.USBREDIR);
        Linked c = link(d, 0, true);
        assertTrue(c.messages().isEmpty(), "usbredir has no PORT_INIT");
        byte[] fromGuest = VmcFakes.bytes(200_000, 1);
        host.offer(fromGuest);
        d.wakeup();
        loop.run();
        List<Msg> m = c.messages();
        assertArrayEquals(fromGuest, data(m));
        assertTrue(m.stream().allMatch(x -> x.body().length <= VmcProtocol.READ_BYTES));

        byte[] fromClient = VmcFakes.bytes(100_000, 2);
        c.send(VmcProtocol.MSGC_DATA, fromClient);
        c.send(VmcProtocol.MSGC_DATA, new byte[0]);
        c.send(VmcProtocol.MSGC_DATA, new byte[] {9});
        byte[] all = ByteBuffer.allocate(fromClient.length + 1).put(fromClient).put((byte) 9).array();
        assertArrayEquals(all, host.written.toByteArray());
        assertFalse(c.socket().closed());
    }

    @Test
    void aSeamlessMigrationCarriesWhatTheDeviceHasNotTakenToTheDestinationsDevice() throws Exception {
        PassthroughDevice d = device("usbredir", null, ChannelType.USBREDIR);
        Linked c = link(d, 0, true);
        host.writeRoom = 3; // the guest takes "hel" and then nothing
        c.send(VmcProtocol.MSGC_DATA, "hello".getBytes(StandardCharsets.US_ASCII));
        c.send(VmcProtocol.MSGC_DATA, " world".getBytes(StandardCharsets.US_ASCII));
        c.client().migrate();
        c.send(ChannelClient.MSGC_MIGRATE_FLUSH_MARK, new byte[0]);
        List<Msg> m = c.messages();
        assertEquals(List.of(ChannelClient.MSG_MIGRATE, ChannelClient.MSG_MIGRATE_DATA),
                m.stream().map(Msg::type).toList());
        byte[] data = m.get(1).body();
        assertArrayEquals("lo world".getBytes(StandardCharsets.US_ASCII),
                MigrationData.parseSpicevmc(ByteBuffer.wrap(data)));

        VmcFakes.Host destinationHost = new VmcFakes.Host();
        CharDeviceState state = VmcFakes.state("usbredir", null);
        PassthroughDevice destination = new PassthroughDevice(state, destinationHost, ChannelType.USBREDIR, 0, loop,
                () -> loop);
        FakeSocket socket = new FakeSocket();
        VmcChannelClient arriving = new VmcChannelClient(socket.connection(),
                VmcFakes.link(ChannelType.USBREDIR, 0, 0), destination, true);
        boolean[] arrived = {false};
        arriving.awaitMigrationData(() -> arrived[0] = true);
        arriving.start();
        loop.run();
        socket.receive(VmcFakes.frame(ChannelClient.MSGC_MIGRATE_DATA, data), 1 << 16);
        socket.receive(VmcFakes.frame(VmcProtocol.MSGC_DATA, "!".getBytes(StandardCharsets.US_ASCII)), 1 << 16);
        assertTrue(arrived[0]);
        assertEquals("lo world!", destinationHost.written.toString(StandardCharsets.US_ASCII),
                "the source's bytes first, then the client's new ones");
        assertFalse(socket.closed());
    }

    @Test
    void migrationDataWithBytesOutsideItClosesTheArrivingChannel() {
        PassthroughDevice d = device("usbredir", null, ChannelType.USBREDIR);
        FakeSocket socket = new FakeSocket();
        VmcChannelClient arriving = new VmcChannelClient(socket.connection(),
                VmcFakes.link(ChannelType.USBREDIR, 0, 0), d, true);
        arriving.awaitMigrationData(() -> { });
        arriving.start();
        loop.run();
        ByteBuffer bad = MigrationData.spicevmc(new byte[] {1, 2, 3}).order(ByteOrder.LITTLE_ENDIAN);
        bad.putInt(8 + 13, 1_000_000); // write_size past the body
        byte[] body = new byte[bad.remaining()];
        bad.get(body);
        socket.receive(VmcFakes.frame(ChannelClient.MSGC_MIGRATE_DATA, body), 1 << 16);
        assertTrue(socket.closed());
        assertEquals(0, host.written.size());
    }

    @Test
    void guestDataWaitsWithoutClient() {
        PassthroughDevice d = device("usbredir", null, ChannelType.USBREDIR);
        host.offer(new byte[] {1, 2, 3});
        d.wakeup();
        loop.run();
        assertEquals(0, host.offered, "no client: the device is not read");
        Linked c = link(d, 0, true);
        assertArrayEquals(new byte[] {1, 2, 3}, data(c.messages()), "client_add reads what waited");
    }

    @Test
    void largeDataIsCompressedForClientsWithTheCapability() {
        PassthroughDevice d = device("usbredir", null, ChannelType.USBREDIR);
        Linked lz4 = link(d, 1 << VmcProtocol.CAP_DATA_COMPRESS_LZ4, true);
        byte[] text = VmcFakes.text(50_000);
        host.offer(text);
        d.wakeup();
        host.offer(VmcFakes.text(900)); // at most the threshold: plain
        d.wakeup();
        loop.run();
        List<Msg> m = lz4.messages();
        assertEquals(VmcProtocol.MSG_COMPRESSED_DATA, m.get(0).type());
        assertEquals(VmcProtocol.COMPRESSION_LZ4, m.get(0).body()[0]);
        assertEquals(50_000, m.get(0).le().getInt(1));
        assertTrue(m.get(0).body().length < 5_000);
        assertEquals(VmcProtocol.MSG_DATA, m.get(1).type());
        assertArrayEquals(ByteBuffer.allocate(50_900).put(text).put(VmcFakes.text(900)).array(), data(m));
        lz4.client().close("done");
        loop.run();

        Linked unix = link(d, 1 << VmcProtocol.CAP_DATA_COMPRESS_LZ4, false);
        host.offer(text);
        d.wakeup();
        loop.run();
        assertArrayEquals(text, data(unix.messages()));
        assertTrue(unix.messages().stream().allMatch(x -> x.type() == VmcProtocol.MSG_DATA),
                "a unix socket gets plain data");
        unix.client().close("done");
        loop.run();

        Linked noCap = link(d, 0, true);
        host.offer(VmcFakes.bytes(5000, 3)); // random bytes do not compress: plain even with the capability
        d.wakeup();
        loop.run();
        assertTrue(noCap.messages().stream().allMatch(x -> x.type() == VmcProtocol.MSG_DATA));
    }

    @Test
    void compressedDataFromTheClient() {
        PassthroughDevice d = device("usbredir", null, ChannelType.USBREDIR);
        Linked c = link(d, 1 << VmcProtocol.CAP_DATA_COMPRESS_LZ4, true);
        byte[] plain = VmcFakes.text(30_000);
        byte[] packed = LZ4Factory.safeInstance().fastCompressor().compress(plain);
        c.send(VmcProtocol.MSGC_COMPRESSED_DATA, compressed(VmcProtocol.COMPRESSION_LZ4, plain.length, packed));
        assertArrayEquals(plain, host.written.toByteArray());
        assertFalse(c.socket().closed());
    }

    @Test
    void brokenCompressedDataClosesTheChannel() {
        byte[] plain = VmcFakes.text(3000);
        byte[] packed = LZ4Factory.safeInstance().fastCompressor().compress(plain);
        List<byte[]> bad = List.of(
                compressed(VmcProtocol.COMPRESSION_NONE, plain.length, packed), // NONE is not valid here
                compressed(VmcProtocol.COMPRESSION_LZ4, plain.length + 1, packed), // size mismatch
                compressed(VmcProtocol.COMPRESSION_LZ4, plain.length - 1, packed),
                compressed(VmcProtocol.COMPRESSION_LZ4, plain.length, new byte[] {(byte) 0xff, 1, 2}),
                compressed(VmcProtocol.COMPRESSION_LZ4, -1, packed), // 4 GiB claimed: refused before allocation
                compressed(7, plain.length, packed),
                new byte[] {1, 0, 0},
                new byte[0]);
        for (byte[] body : bad) {
            host.written.reset();
            PassthroughDevice d = device("usbredir", null, ChannelType.USBREDIR);
            Linked c = link(d, 0, true);
            c.send(VmcProtocol.MSGC_COMPRESSED_DATA, body);
            assertTrue(c.socket().closed(), "closed for a bad compressed message");
            assertEquals(0, host.written.size());
            assertEquals(List.of(true, false), host.states.subList(host.states.size() - 2, host.states.size()));
        }
    }

    static byte[] compressed(int type, int size, byte[] packed) {
        return ByteBuffer.allocate(5 + packed.length).order(ByteOrder.LITTLE_ENDIAN).put((byte) type).putInt(size)
                .put(packed).array();
    }

    @Test
    void oversizedClientMessageClosesTheChannel() {
        PassthroughDevice d = device("usbredir", null, ChannelType.USBREDIR);
        Linked c = link(d, 0, true);
        ByteBuffer header = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) VmcProtocol.MSGC_DATA).putInt(VmcProtocol.MAX_CLIENT_MESSAGE + 1);
        c.socket().receive(header.array(), 6);
        assertTrue(c.socket().closed());
        assertEquals(0, host.written.size());
    }

    @Test
    void aStalledClientHoldsBackOnlyItsDevice() {
        PassthroughDevice d = device("usbredir", null, ChannelType.USBREDIR);
        Linked c = link(d, 0, true);
        VmcFakes.Host otherHost = new VmcFakes.Host();
        CharDeviceState otherState = VmcFakes.state("port", "other");
        PassthroughDevice other = new PassthroughDevice(otherState, otherHost, ChannelType.PORT, 0, loop, () -> loop);
        FakeSocket otherSocket = new FakeSocket();
        VmcChannelClient otherClient = new VmcChannelClient(otherSocket.connection(),
                VmcFakes.link(ChannelType.PORT, 0, 0), other, true);
        otherClient.start();

        c.socket().stall(true);
        host.endless = 0x41; // a guest that writes forever
        for (int i = 0; i < 200; i++) {
            d.wakeup();
            loop.run();
        }
        long held = host.offered;
        assertTrue(held <= VmcProtocol.QUEUED_DATA_LIMIT + VmcProtocol.READ_BYTES, "read " + held);
        assertTrue(d.queued() <= VmcProtocol.QUEUED_DATA_LIMIT + VmcProtocol.READ_BYTES);
        assertTrue(c.client().connection().queuedBytes() <= VmcProtocol.QUEUED_DATA_LIMIT + 4096);
        assertFalse(c.socket().closed());

        otherHost.offer("still here".getBytes(StandardCharsets.US_ASCII));
        other.wakeup();
        loop.run();
        assertArrayEquals("still here".getBytes(StandardCharsets.US_ASCII),
                data(VmcFakes.messages(otherSocket).subList(1, 2)));

        host.endless = -1;
        c.socket().stall(false);
        c.socket().writable();
        loop.run();
        long messages = (held + VmcProtocol.READ_BYTES - 1) / VmcProtocol.READ_BYTES;
        assertTrue(c.socket().writtenBytes() >= held + 6 * messages, "what was read reaches the client once it reads");
        assertEquals(0, d.queued());
    }

    @Test
    void aDeviceThatTakesNothingPausesOnlyItsClient() {
        PassthroughDevice d = device("port", "closed.port", ChannelType.PORT);
        Linked c = link(d, 0, true);
        host.writeRoom = 0; // the guest never opens or reads its port
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        for (int i = 0; i < 1000; i++) {
            byte[] chunk = VmcFakes.bytes(10_000, i);
            sent.writeBytes(chunk);
            c.send(VmcProtocol.MSGC_DATA, chunk);
        }
        assertTrue(c.client().connection().readPaused());
        assertTrue(d.writes.bytes() <= VmcProtocol.WRITE_QUEUE_BYTES + 2 * (1 << 16), "queued " + d.writes.bytes());
        assertTrue(d.writes.buffers() <= VmcProtocol.WRITE_QUEUE_MESSAGES);
        assertTrue(c.socket().unread() > 5_000_000, "the rest waits in the client's socket");
        assertFalse(c.socket().closed());
        assertEquals(1, loop.startedTimers.size(), "the write is retried");

        host.writeRoom = Integer.MAX_VALUE; // the guest reads again
        while (c.client().connection().readPaused() || c.socket().unread() > 0) {
            loop.fireTimers();
            loop.run();
            c.socket().readable();
        }
        loop.fireTimers();
        assertArrayEquals(sent.toByteArray(), host.written.toByteArray());
        assertTrue(d.writes.isEmpty());
    }

    @Test
    void clientDataOutlivesTheClientAndStopsWithTheVm() {
        PassthroughDevice d = device("usbredir", null, ChannelType.USBREDIR);
        Linked c = link(d, 0, true);
        d.state.setRunning(false);
        c.send(VmcProtocol.MSGC_DATA, new byte[] {1, 2});
        assertEquals(0, host.written.size(), "a stopped VM's device is not written");
        c.client().close("client left");
        loop.run();
        assertEquals(List.of(true, false), host.states);
        d.state.setRunning(true);
        loop.run();
        assertArrayEquals(new byte[] {1, 2}, host.written.toByteArray(), "queued data is the device's");
    }

    @Test
    void removalDisconnectsTheClientAndLeavesTheHostAlone() {
        PassthroughDevice d = device("usbredir", null, ChannelType.USBREDIR);
        Linked c = link(d, 0, true);
        host.writeRoom = 0;
        c.send(VmcProtocol.MSGC_DATA, new byte[] {1});
        d.remove();
        assertEquals(List.of(true, false), host.states, "the host hears the client go during the removal");
        int calls = host.calls;
        loop.run();
        assertTrue(c.socket().closed());
        host.writeRoom = Integer.MAX_VALUE;
        host.offer(new byte[] {5});
        d.wakeup();
        loop.fireTimers();
        loop.run();
        assertEquals(calls, host.calls, "no call into a removed instance");
        assertNull(d.client());
        Linked late = link(d, 0, true);
        assertTrue(late.socket().closed(), "a removed device takes no client");
    }

    @Test
    void aSecondClientIsRefused() {
        PassthroughDevice d = device("usbredir", null, ChannelType.USBREDIR);
        Linked first = link(d, 0, true);
        Linked second = link(d, 0, true);
        assertTrue(second.socket().closed());
        assertFalse(first.socket().closed());
        host.offer(new byte[] {4});
        d.wakeup();
        loop.run();
        assertArrayEquals(new byte[] {4}, data(first.messages()));
        assertEquals(List.of(true), host.states);
    }
}
