package org.spicejava.core.vmc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.spicejava.core.FuzzSeeds;
import org.spicejava.core.channel.ChannelFuzzing;
import org.spicejava.core.channel.ChannelFuzzing.Msg;
import org.spicejava.core.chardev.CharDeviceState;
import org.spicejava.core.protocol.ChannelType;

import com.code_intelligence.jazzer.junit.FuzzTest;

import net.jpountz.lz4.LZ4Factory;

/**
 * The spicevmc channels' client messages over any stream (layout: {@link ChannelFuzzing}): a port whose guest
 * side takes everything, and a usbredir device that takes nothing (the client must end up paused with the device's
 * queue bounded, never with memory growing); the smartcard channel with one reader, where what reaches the device
 * must be well-formed VSC messages of the kinds the server passes on.
 */
class VmcChannelFuzzTest {
    /** What one read of the socket may add to a full write queue: the connection's input buffer at most. */
    private static final long INPUT_SLACK = 2L * VmcProtocol.MAX_CLIENT_MESSAGE + (1 << 16);

    @FuzzTest
    void portMessages(byte[] input) {
        for (boolean takesNothing : new boolean[] {false, true}) {
            VmcFakes.Loop loop = new VmcFakes.Loop();
            VmcFakes.Host host = new VmcFakes.Host();
            if (takesNothing) {
                host.writeRoom = 0;
            }
            CharDeviceState state = VmcFakes.state(takesNothing ? "usbredir" : "port", "org.example.port");
            PassthroughDevice device = new PassthroughDevice(state, host,
                    takesNothing ? ChannelType.USBREDIR : ChannelType.PORT, 0, loop, () -> loop);
            host.offer("guest bytes".getBytes(StandardCharsets.US_ASCII));
            ChannelFuzzing.Run run = ChannelFuzzing.run(input, device.channelType(),
                    VmcDevices.caps(device.channelType()),
                    (connection, link) -> new VmcChannelClient(connection, link, device, true));
            loop.run();
            assertTrue(device.writes.buffers() <= VmcProtocol.WRITE_QUEUE_MESSAGES + INPUT_SLACK / 6,
                    "queued buffers " + device.writes.buffers());
            assertTrue(device.writes.bytes() <= VmcProtocol.WRITE_QUEUE_BYTES + INPUT_SLACK,
                    "queued bytes " + device.writes.bytes());
            if (run.socket().closed()) {
                ((VmcClient) run.client()).closed("closed");
            } else if (takesNothing && device.writes.full()) {
                assertTrue(run.client().connection().readPaused(), "a full queue pauses the client");
            }
            assertTrue(host.events.stream().allMatch(e -> e >= 0 && e <= 0xff));
            if (takesNothing) {
                assertTrue(host.events.isEmpty(), "usbredir takes no port events");
            }
            assertEquals(Boolean.TRUE, host.states.get(0));
            assertTrue(host.states.size() <= 2);
        }
    }

    @FuzzTest
    void smartcardMessages(byte[] input) {
        VmcFakes.Loop loop = new VmcFakes.Loop();
        VmcDevices devices = new VmcDevices(loop, () -> loop);
        VmcFakes.Host host = new VmcFakes.Host();
        devices.add(VmcFakes.state("smartcard", null), host);
        loop.run();
        ChannelFuzzing.Run run = ChannelFuzzing.run(input, ChannelType.SMARTCARD, VmcDevices.caps(ChannelType.SMARTCARD),
                (connection, link) -> devices.link(connection, link, true).orElseThrow());
        if (run.socket().closed()) {
            ((VmcClient) run.client()).closed("closed");
        }
        loop.run();
        checkVsc(host.written.toByteArray());
        assertTrue(devices.reader(0).writes.bytes() <= VmcProtocol.WRITE_QUEUE_BYTES + INPUT_SLACK);
    }

    /** What reached the device: whole VSC messages, network order, only the kinds the server passes on. */
    private static void checkVsc(byte[] written) {
        ByteBuffer b = ByteBuffer.wrap(written);
        Set<Integer> passed = Set.of(Vsc.ERROR, Vsc.READER_ADD, Vsc.READER_REMOVE, Vsc.ATR, Vsc.CARD_REMOVE, Vsc.APDU);
        while (b.remaining() >= Vsc.HEADER_BYTES) {
            int type = b.getInt();
            int reader = b.getInt();
            int length = b.getInt();
            assertTrue(passed.contains(type), "type " + type);
            if (type == Vsc.READER_ADD || type == Vsc.READER_REMOVE) {
                assertEquals(0, reader, "the server's own messages carry the reader's id");
                assertEquals(0, length);
            }
            assertTrue(length >= 0 && length <= b.remaining(), "length " + length);
            b.position(b.position() + length);
        }
        assertEquals(0, b.remaining(), "a partial VSC message reached the device");
    }

    static Map<String, byte[]> portSeeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        byte[] text = "{\"execute\":\"qmp_capabilities\"}\n".getBytes(StandardCharsets.US_ASCII);
        seeds.put("qmp", ChannelFuzzing.seed(true, 128, Msg.of(VmcProtocol.MSGC_PORT_EVENT, b -> b.put((byte) 0)),
                new Msg(VmcProtocol.MSGC_DATA, text), Msg.of(VmcProtocol.MSGC_PORT_EVENT, b -> b.put((byte) 2)),
                Msg.empty(VmcProtocol.MSGC_DATA)));
        byte[] plain = VmcFakes.text(4000);
        byte[] packed = LZ4Factory.safeInstance().fastCompressor().compress(plain);
        seeds.put("compressed", ChannelFuzzing.seed(true, 100, new Msg(VmcProtocol.MSGC_COMPRESSED_DATA,
                PassthroughDeviceTest.compressed(VmcProtocol.COMPRESSION_LZ4, plain.length, packed))));
        seeds.put("compressed-broken", ChannelFuzzing.seed(true, 128, new Msg(VmcProtocol.MSGC_COMPRESSED_DATA,
                PassthroughDeviceTest.compressed(VmcProtocol.COMPRESSION_LZ4, 100, new byte[] {(byte) 0xf0, 1}))));
        seeds.put("compressed-huge", ChannelFuzzing.seed(true, 128, new Msg(VmcProtocol.MSGC_COMPRESSED_DATA,
                PassthroughDeviceTest.compressed(VmcProtocol.COMPRESSION_LZ4, -2, packed))));
        List<Msg> flood = new ArrayList<>();
        for (int i = 0; i < 160; i++) {
            flood.add(new Msg(VmcProtocol.MSGC_DATA, new byte[] {(byte) i, 1, 2, 3}));
        }
        seeds.put("flood", ChannelFuzzing.seed(true, 128, flood.toArray(Msg[]::new)));
        seeds.put("full-header", ChannelFuzzing.seed(false, 64, new Msg(VmcProtocol.MSGC_DATA, text),
                Msg.of(VmcProtocol.MSGC_PORT_EVENT, b -> b.put((byte) 1))));
        seeds.put("common", ChannelFuzzing.seed(true, 128, ChannelFuzzing.common()));
        // Only the header: it claims one byte over the bound, which closes the channel before anything is read.
        seeds.put("oversized", ByteBuffer.allocate(7).order(ByteOrder.LITTLE_ENDIAN).put((byte) (1 | 127 << 1))
                .putShort((short) VmcProtocol.MSGC_DATA).putInt(VmcProtocol.MAX_CLIENT_MESSAGE + 1).array());
        return seeds;
    }

    static byte[] vsc(int type, int reader, byte[] payload) {
        return ByteBuffer.allocate(12 + payload.length).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(reader)
                .putInt(payload.length).put(payload).array();
    }

    static Map<String, byte[]> smartcardSeeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("card", ChannelFuzzing.seed(true, 128,
                new Msg(Vsc.MSGC_DATA, vsc(Vsc.INIT, Vsc.UNDEFINED_READER_ID, new byte[12])),
                new Msg(Vsc.MSGC_DATA, vsc(Vsc.READER_ADD, Vsc.UNDEFINED_READER_ID, "r\0".getBytes())),
                new Msg(Vsc.MSGC_DATA, vsc(Vsc.ATR, 0, new byte[] {0x3b, 0x00})),
                new Msg(Vsc.MSGC_DATA, vsc(Vsc.APDU, 0, new byte[] {0, (byte) 0xa4, 4, 0})),
                new Msg(Vsc.MSGC_DATA, vsc(Vsc.CARD_REMOVE, 0, new byte[0])),
                new Msg(Vsc.MSGC_DATA, vsc(Vsc.READER_REMOVE, 0, new byte[0])),
                new Msg(Vsc.MSGC_DATA, vsc(Vsc.READER_REMOVE, 0, new byte[0]))));
        seeds.put("bad-reader", ChannelFuzzing.seed(true, 16,
                new Msg(Vsc.MSGC_DATA, vsc(Vsc.APDU, 5, new byte[] {1}))));
        seeds.put("short", ChannelFuzzing.seed(true, 128, new Msg(Vsc.MSGC_DATA, new byte[11])));
        seeds.put("length-lies", ChannelFuzzing.seed(true, 128, new Msg(Vsc.MSGC_DATA,
                ByteBuffer.allocate(14).order(ByteOrder.LITTLE_ENDIAN).putInt(Vsc.APDU).putInt(0).putInt(3).array())));
        seeds.put("unknown", ChannelFuzzing.seed(false, 128, new Msg(Vsc.MSGC_DATA, vsc(99, 0, new byte[3])),
                new Msg(Vsc.MSGC_DATA, vsc(Vsc.FLUSH, 0, new byte[0]))));
        return seeds;
    }

    public static void main(String[] args) throws Exception {
        FuzzSeeds.write(Path.of(args[0]), VmcChannelFuzzTest.class, "portMessages", portSeeds());
        FuzzSeeds.write(Path.of(args[0]), VmcChannelFuzzTest.class, "smartcardMessages", smartcardSeeds());
    }
}
