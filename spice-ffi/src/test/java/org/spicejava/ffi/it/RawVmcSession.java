package org.spicejava.ffi.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import net.jpountz.lz4.LZ4Factory;

/**
 * A raw SPICE session for the spicevmc channels: the main channel (kept drained on its own thread, so pings and
 * the network test never stall it) and channels linked with its session id. Data messages are collected as the
 * device's byte stream, LZ4 COMPRESSED_DATA decompressed on the way.
 */
final class RawVmcSession implements AutoCloseable {
    static final int MSG_DATA = 101;
    static final int MSG_COMPRESSED_DATA = 102;
    static final int MSG_PORT_INIT = 201;
    static final int MSG_PORT_EVENT = 202;
    static final int MSGC_DATA = 101;
    static final int MSGC_COMPRESSED_DATA = 102;
    static final int MSGC_PORT_EVENT = 201;

    private final int port;
    private final RawSpiceClient main;
    final int sessionId;
    /** CHANNELS_LIST as (type, id) pairs. */
    final List<int[]> channels = new ArrayList<>();
    private final List<RawSpiceClient> linked = new ArrayList<>();
    /** CHANNELS_LIST messages after the first, as (type, id) lists, in order. */
    final java.util.concurrent.BlockingQueue<List<int[]>> laterLists = new java.util.concurrent.LinkedBlockingQueue<>();

    RawVmcSession(int port) throws Exception {
        this.port = port;
        main = new RawSpiceClient(port);
        sessionId = main.linkMainAndAttach();
        while (true) {
            Object[] m = main.message();
            if ((int) m[0] == 104) { // CHANNELS_LIST
                channels.addAll(channelsList((ByteBuffer) m[1]));
                break;
            }
        }
        Thread drain = new Thread(() -> {
            try {
                main.socket.setSoTimeout(0);
                while (true) {
                    Object[] m = main.message();
                    if ((int) m[0] == 104) {
                        laterLists.add(channelsList((ByteBuffer) m[1]));
                    }
                }
            } catch (IOException e) {
                // closed
            }
        }, "main-drain");
        drain.setDaemon(true);
        drain.start();
    }

    private static List<int[]> channelsList(ByteBuffer b) {
        List<int[]> list = new ArrayList<>();
        for (int i = 0; i < b.getInt(0); i++) {
            list.add(new int[] {Byte.toUnsignedInt(b.get(4 + 2 * i)), Byte.toUnsignedInt(b.get(5 + 2 * i))});
        }
        return list;
    }

    boolean lists(int type, int id) {
        return channels.stream().anyMatch(c -> c[0] == type && c[1] == id);
    }

    /** Links a channel of this session; fails unless the server says OK. */
    Channel link(int type, int id, int channelCaps) throws Exception {
        return link(type, id, channelCaps, -1);
    }

    /** Links a channel with a small socket receive buffer ({@code receiveBuffer} > 0): a slow client. */
    Channel link(int type, int id, int channelCaps, int receiveBuffer) throws Exception {
        RawSpiceClient c = new RawSpiceClient(receiveBuffer, port);
        linked.add(c);
        int result = c.link(sessionId, type, id, channelCaps, "");
        if (result != 0) {
            throw new IOException("channel " + type + ":" + id + " link refused: " + result);
        }
        return new Channel(c);
    }

    @Override
    public void close() throws IOException {
        for (RawSpiceClient c : linked) {
            c.close();
        }
        main.close();
    }

    /** One linked channel: messages, and the device's stream gathered from DATA / COMPRESSED_DATA. */
    static final class Channel {
        final RawSpiceClient client;
        final ByteArrayOutputStream stream = new ByteArrayOutputStream();
        /** Every message type received, in order. */
        final List<Integer> types = new ArrayList<>();
        /** Non-data messages received (PORT_INIT, PORT_EVENT, ...), as {type, body}. */
        final List<Object[]> others = new ArrayList<>();

        Channel(RawSpiceClient client) {
            this.client = client;
        }

        /** Reads one message; data goes to {@link #stream}. Returns its type. */
        int next() throws IOException {
            Object[] m = client.message();
            int type = (int) m[0];
            ByteBuffer body = (ByteBuffer) m[1];
            types.add(type);
            switch (type) {
                case MSG_DATA -> stream.write(body.array(), 0, body.remaining());
                case MSG_COMPRESSED_DATA -> {
                    if (body.get(0) != 1) {
                        throw new IOException("compression type " + body.get(0));
                    }
                    byte[] plain = new byte[body.getInt(1)];
                    int n = LZ4Factory.safeInstance().safeDecompressor().decompress(body.array(), 5,
                            body.remaining() - 5, plain, 0);
                    if (n != plain.length) {
                        throw new IOException("LZ4 block decompressed to " + n + " of " + plain.length + " bytes");
                    }
                    stream.write(plain, 0, plain.length);
                }
                default -> others.add(new Object[] {type, body});
            }
            return type;
        }

        /** Reads until the stream satisfies {@code done}; returns the stream as text. */
        String readUntil(Predicate<String> done) throws IOException {
            while (!done.test(text())) {
                next();
            }
            return text();
        }

        /** Reads until the stream holds at least {@code n} bytes. */
        byte[] readBytes(int n) throws IOException {
            while (stream.size() < n) {
                next();
            }
            return stream.toByteArray();
        }

        String text() {
            return stream.toString(StandardCharsets.UTF_8);
        }

        /** Empties the gathered stream. */
        void consume() {
            stream.reset();
        }

        void send(int type, byte[] body) throws IOException {
            client.send(type, ByteBuffer.wrap(body));
        }

        void sendData(byte[] data) throws IOException {
            send(MSGC_DATA, data);
        }

        void sendText(String text) throws IOException {
            sendData(text.getBytes(StandardCharsets.UTF_8));
        }

        /** Sends {@code data} as one LZ4 COMPRESSED_DATA message. */
        void sendCompressed(byte[] data) throws IOException {
            byte[] packed = LZ4Factory.safeInstance().fastCompressor().compress(data);
            send(MSGC_COMPRESSED_DATA, ByteBuffer.allocate(5 + packed.length).order(ByteOrder.LITTLE_ENDIAN)
                    .put((byte) 1).putInt(data.length).put(packed).array());
        }
    }
}
