package org.spicejava.core.agent;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import org.spicejava.core.chardev.CharDeviceHost;

/** Fakes for the agent's data path: a guest side that offers bytes, a client's main channel, a policy. */
final class AgentFakes {
    private AgentFakes() {
    }

    /** The guest side of the vdagent port: bytes it offers, bytes the server wrote, the state calls. */
    static final class Host implements CharDeviceHost {
        final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        final List<Boolean> states = new ArrayList<>();
        /** How many bytes a write takes at most (0: the guest is full). */
        int writeRoom = Integer.MAX_VALUE;
        /** How many bytes a read hands out at most. */
        int readChunk = Integer.MAX_VALUE;
        long offered;
        int readCalls;

        void offer(byte[] bytes) {
            pending.writeBytes(bytes);
        }

        @Override
        public int read(ByteBuffer dst) {
            readCalls++;
            byte[] all = pending.toByteArray();
            int n = Math.min(Math.min(all.length, dst.remaining()), readChunk);
            dst.put(all, 0, n);
            pending.reset();
            pending.write(all, n, all.length - n);
            offered += n;
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            int n = Math.min(src.remaining(), writeRoom);
            byte[] b = new byte[n];
            src.get(b);
            written.writeBytes(b);
            if (writeRoom != Integer.MAX_VALUE) {
                writeRoom -= n;
            }
            return n;
        }

        @Override
        public void state(boolean connected) {
            states.add(connected);
        }

        @Override
        public void event(int event) {
        }

        /** The VDAgentMessage types the server wrote, in order (parsed from chunk headers). */
        List<Integer> writtenTypes() {
            ByteBuffer b = ByteBuffer.wrap(written.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
            List<Integer> types = new ArrayList<>();
            while (b.remaining() >= 8) {
                int size = b.getInt(b.position() + 4);
                types.add(b.getInt(b.position() + 12));
                b.position(b.position() + 8 + size);
            }
            return types;
        }
    }

    /** A client's main channel: what it was sent. Sent data completes at once unless {@link #holdSent}. */
    static final class Client implements AgentDevice.Client {
        final List<byte[]> data = new ArrayList<>();
        final List<Integer> tokens = new ArrayList<>();
        final ArrayDeque<Runnable> held = new ArrayDeque<>();
        int connected;
        int disconnectedMsgs;
        String cutOff;
        boolean holdSent;

        @Override
        public void sendAgentData(ByteBuffer d, Runnable sent) {
            byte[] b = new byte[d.remaining()];
            d.duplicate().get(b);
            data.add(b);
            if (holdSent) {
                held.add(sent);
            } else {
                sent.run();
            }
        }

        @Override
        public void sendAgentTokens(int n) {
            tokens.add(n);
        }

        @Override
        public void sendAgentConnected() {
            connected++;
        }

        @Override
        public void sendAgentDisconnected() {
            disconnectedMsgs++;
        }

        @Override
        public void disconnect(String reason) {
            cutOff = reason;
        }
    }

    static final class Policy implements AgentDevice.Policy {
        boolean copyPaste = true;
        boolean fileTransfer = true;
        boolean monitorsToDisplays;
        final List<ByteBuffer> monitorConfigs = new ArrayList<>();
        int attachmentChanges;
        byte[] deviceInfo = {0, 0, 0, 0};

        @Override
        public boolean copyPaste() {
            return copyPaste;
        }

        @Override
        public boolean fileTransfer() {
            return fileTransfer;
        }

        @Override
        public boolean useClientMonitorsConfig() {
            return monitorsToDisplays;
        }

        @Override
        public void clientMonitorsConfig(ByteBuffer config) {
            monitorConfigs.add(config);
        }

        @Override
        public void attachmentChanged() {
            attachmentChanges++;
        }

        @Override
        public byte[] graphicsDeviceInfo() {
            return deviceInfo;
        }
    }

    /** A VDAgentMessage: header then body. */
    static byte[] message(int protocol, int type, byte[] body) {
        return ByteBuffer.allocate(AgentProtocol.MESSAGE_HEADER_BYTES + body.length).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(protocol).putInt(type).putLong(0).putInt(body.length).put(body).array();
    }

    static byte[] message(int type, byte[] body) {
        return message(AgentProtocol.PROTOCOL, type, body);
    }

    /** A VDIChunkHeader and its data, as the guest agent writes them. */
    static byte[] chunk(int port, byte[] data) {
        return ByteBuffer.allocate(8 + data.length).order(ByteOrder.LITTLE_ENDIAN).putInt(port).putInt(data.length)
                .put(data).array();
    }
}
