package org.spicejava.core.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.spicejava.core.agent.AgentFakes.chunk;
import static org.spicejava.core.agent.AgentFakes.message;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.spicejava.core.FuzzSeeds;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The agent's data path over hostile input from either side. {@code guestStream}: byte 0 is how many bytes each
 * host read hands out (+1), byte 1 the client's tokens, byte 2 the policy bits, the rest is what the guest agent
 * writes to its port. {@code clientStream}: byte 0 the policy bits, then AGENT_DATA bodies, each a u16 length
 * (little-endian) and that many bytes. Either way the server must not fail, must keep its bounds, and whatever it
 * forwards must be well formed.
 */
class AgentStreamFuzzTest {
    @FuzzTest
    void guestStream(byte[] input) {
        if (input.length < 3) {
            return;
        }
        AgentFakes.Host host = new AgentFakes.Host();
        AgentFakes.Client client = new AgentFakes.Client();
        AgentFakes.Policy policy = policy(input[2]);
        client.holdSent = (input[2] & 8) != 0;
        AgentDevice device = new AgentDevice(policy, Runnable::run, () -> null);
        device.attach(host);
        device.clientConnected(client);
        int tokens = Byte.toUnsignedInt(input[1]);
        device.agentStart(client, tokens);
        host.readChunk = Byte.toUnsignedInt(input[0]) + 1;
        host.pending.write(input, 3, input.length - 3);
        for (int turn = 0; turn < input.length + 4 && device.attached(); turn++) {
            device.wakeup();
            assertTrue(device.inFlight() <= AgentProtocol.READ_BUFFERS, "read buffers in flight");
            if (client.holdSent && !client.held.isEmpty()) {
                client.held.poll().run();
            }
        }
        assertTrue(client.data.size() <= tokens, client.data.size() + " AGENT_DATA for " + tokens + " tokens");
        for (byte[] d : client.data) {
            assertTrue(d.length >= 1 && d.length <= AgentProtocol.MAX_DATA_SIZE, "AGENT_DATA of " + d.length);
        }
        assertTrue(client.cutOff == null, "the client is never blamed for the guest");
    }

    @FuzzTest
    void clientStream(byte[] input) {
        if (input.length < 1) {
            return;
        }
        AgentFakes.Host host = new AgentFakes.Host();
        AgentFakes.Client client = new AgentFakes.Client();
        AgentFakes.Policy policy = policy(input[0]);
        if ((input[0] & 8) != 0) {
            host.writeRoom = 100; // a slow guest: writes stay queued, tokens stay out
        }
        AgentDevice device = new AgentDevice(policy, Runnable::run, () -> null);
        device.attach(host);
        device.clientConnected(client);
        device.agentStart(client, 10);
        ByteBuffer in = ByteBuffer.wrap(input, 1, input.length - 1).order(ByteOrder.LITTLE_ENDIAN);
        int sent = 0;
        while (in.remaining() >= 2 && client.cutOff == null) {
            int len = Math.min(Short.toUnsignedInt(in.getShort()), in.remaining());
            ByteBuffer body = in.slice(in.position(), len);
            in.position(in.position() + len);
            device.agentData(client, body);
            sent++;
        }
        device.clientGone(client);
        int returned = client.tokens.stream().mapToInt(Integer::intValue).sum();
        assertTrue(sent <= AgentProtocol.CLIENT_WINDOW + returned || client.cutOff != null,
                sent + " AGENT_DATA accepted with " + returned + " tokens returned");
        ByteBuffer w = ByteBuffer.wrap(host.written.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        while (w.remaining() >= 8) {
            int port = w.getInt();
            int size = w.getInt();
            assertTrue(port == AgentProtocol.PORT_CLIENT || port == AgentProtocol.PORT_SERVER, "port " + port);
            assertTrue(size >= 0 && size <= AgentProtocol.MAX_DATA_SIZE, "chunk of " + size);
            if (w.remaining() < size) {
                break; // the slow guest took only part of it
            }
            w.position(w.position() + size);
        }
        for (ByteBuffer config : policy.monitorConfigs) {
            assertTrue(config.remaining() <= MonitorsConfigAssembler.MAX_CONFIG);
            assertEquals(0, config.getInt(4) & ~3, "only known flags reach the display");
        }
    }

    private static AgentFakes.Policy policy(byte bits) {
        AgentFakes.Policy policy = new AgentFakes.Policy();
        policy.copyPaste = (bits & 1) == 0;
        policy.fileTransfer = (bits & 2) == 0;
        policy.monitorsToDisplays = (bits & 4) != 0;
        return policy;
    }

    static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        ByteArrayOutputStream guest = new ByteArrayOutputStream();
        guest.write(255);
        guest.write(10);
        guest.write(0);
        byte[] caps = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(1).putInt(0x7fff).array();
        guest.writeBytes(chunk(AgentProtocol.PORT_CLIENT, message(AgentProtocol.ANNOUNCE_CAPABILITIES, caps)));
        guest.writeBytes(chunk(AgentProtocol.PORT_CLIENT, message(AgentProtocol.CLIPBOARD_GRAB, new byte[8])));
        guest.writeBytes(chunk(AgentProtocol.PORT_CLIENT, message(AgentProtocol.CLIPBOARD, new byte[3000])));
        seeds.put("guest-session", guest.toByteArray());
        byte[] slow = guest.toByteArray().clone();
        slow[0] = 6;
        slow[1] = 2;
        slow[2] = 8 | 1;
        seeds.put("guest-slow-client-no-copypaste", slow);

        ByteArrayOutputStream client = new ByteArrayOutputStream();
        client.write(4);
        byte[] monitors = ByteBuffer.allocate(8 + 20).order(ByteOrder.LITTLE_ENDIAN).putInt(1).putInt(0)
                .putInt(768).putInt(1024).putInt(32).putInt(0).putInt(0).array();
        for (byte[] m : new byte[][] {message(AgentProtocol.MONITORS_CONFIG, monitors),
                message(AgentProtocol.CLIPBOARD_GRAB, new byte[8]), message(AgentProtocol.CLIPBOARD_RELEASE, new byte[0]),
                message(AgentProtocol.FILE_XFER_START, new byte[16])}) {
            client.write(m.length & 0xff);
            client.write(m.length >>> 8);
            client.writeBytes(m);
        }
        seeds.put("client-session", client.toByteArray());
        return seeds;
    }

    public static void main(String[] args) throws Exception {
        Map<String, byte[]> seeds = seeds();
        Map<String, byte[]> guest = new LinkedHashMap<>();
        Map<String, byte[]> client = new LinkedHashMap<>();
        seeds.forEach((k, v) -> (k.startsWith("guest") ? guest : client).put(k, v));
        FuzzSeeds.write(Path.of(args[0]), AgentStreamFuzzTest.class, "guestStream", guest);
        FuzzSeeds.write(Path.of(args[0]), AgentStreamFuzzTest.class, "clientStream", client);
    }
}
