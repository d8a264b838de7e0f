package org.spicejava.core.inputs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.spicejava.core.agent.AgentProtocol;
import org.spicejava.core.channel.ChannelFuzzing;
import org.spicejava.core.channel.ChannelFuzzing.Msg;
import org.spicejava.core.chardev.CharDeviceHost;
import org.spicejava.core.chardev.CharDeviceState;
import org.spicejava.core.device.Tablet;
import org.spicejava.core.protocol.ChannelType;
import org.spicejava.core.server.SpiceServer;

/** Client mouse mode through the guest agent (reds_update_mouse_mode, reds_handle_agent_mouse_event). */
class AgentMouseTest {
    /** The vdagent port: what the server wrote, bytes to offer, the state calls. */
    static final class Port implements CharDeviceHost {
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        byte[] offer = new byte[0];
        final List<Boolean> states = new ArrayList<>();

        @Override
        public int read(ByteBuffer dst) {
            int n = Math.min(offer.length, dst.remaining());
            dst.put(offer, 0, n);
            offer = java.util.Arrays.copyOfRange(offer, n, offer.length);
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            byte[] b = new byte[n];
            src.get(b);
            written.writeBytes(b);
            return n;
        }

        @Override
        public void state(boolean connected) {
            states.add(connected);
        }

        @Override
        public void event(int event) {
        }
    }

    static final class CountingTablet implements Tablet {
        int positions;

        final List<String> logicalSizes = new ArrayList<>();

        @Override
        public void setLogicalSize(int width, int height) {
            logicalSizes.add(width + "x" + height);
        }

        @Override
        public void position(int x, int y, int buttonsState) {
            positions++;
        }

        @Override
        public void wheel(int wheelMotion, int buttonsState) {
        }

        @Override
        public void buttons(int buttonsState) {
        }
    }

    @Test
    void clientModeNeedsTheAgentAndADisplayThatAllowsIt() {
        SpiceServer server = new SpiceServer();
        server.vmStart();
        Port port = new Port();
        assertFalse(server.clientMouseAllowed());
        CharDeviceState agent = server.addCharDevice("vdagent", null, port).orElseThrow();
        assertEquals(List.of(true), port.states);
        assertFalse(server.clientMouseAllowed(), "no display allows it yet");
        server.primarySurfaceChanged(0, 1024, 768, true);
        assertTrue(server.clientMouseAllowed());
        server.config().setAgentMouse(false);
        server.updateMouseMode();
        assertFalse(server.clientMouseAllowed(), "agent mouse off");
        server.config().setAgentMouse(true);
        server.updateMouseMode();
        assertTrue(server.requestMouseMode(SpiceServer.MOUSE_MODE_CLIENT));
        server.removeCharDevice(agent);
        assertEquals(List.of(true, false), port.states);
        assertEquals(SpiceServer.MOUSE_MODE_SERVER, server.mouseMode(), "back to server mode without the agent");
    }

    @Test
    void theFirstDisplayWithAPrimaryDecidesTheModeAndTheTabletSize() {
        SpiceServer server = new SpiceServer();
        server.vmStart();
        CountingTablet tablet = new CountingTablet();
        server.addTablet(tablet);
        server.addCharDevice("vdagent", null, new Port());
        server.primarySurfaceChanged(1, 640, 480, true);
        assertTrue(server.clientMouseAllowed(), "display 1 is the only one with a primary");
        server.primarySurfaceChanged(0, 1024, 768, false);
        assertFalse(server.clientMouseAllowed(), "display 0 comes first and draws its own cursor");
        server.primarySurfaceChanged(0, 1024, 768, true);
        server.primarySurfaceChanged(1, 800, 600, true);
        server.primarySurfaceChanged(1, 0, 0, false);
        assertTrue(server.clientMouseAllowed(), "display 1 going away does not take client mode from display 0");
        assertEquals(List.of("640x480", "1024x768", "1024x768", "1024x768"), tablet.logicalSizes,
                "the tablet always takes the first primary's size");
        server.primarySurfaceChanged(0, 0, 0, false);
        assertFalse(server.clientMouseAllowed(), "no primary left");
    }

    @Test
    void positionsAndButtonsGoToTheAgentNotTheTablet() {
        SpiceServer server = new SpiceServer();
        server.vmStart();
        CountingTablet tablet = new CountingTablet();
        server.addTablet(tablet);
        Port port = new Port();
        server.addCharDevice("vdagent", null, port);
        server.primarySurfaceChanged(0, 1024, 768, true);
        assertTrue(server.requestMouseMode(SpiceServer.MOUSE_MODE_CLIENT));
        ChannelFuzzing.run(ChannelFuzzing.seed(true, 128,
                        Msg.of(InputsChannelClient.MSGC_MOUSE_POSITION,
                                b -> b.putInt(100).putInt(200).putShort((short) 1).put((byte) 0)),
                        Msg.of(InputsChannelClient.MSGC_MOUSE_PRESS, b -> b.put((byte) 4).putShort((short) 0))),
                ChannelType.INPUTS, new int[] {InputsChannelClient.SERVER_CAPS},
                (connection, link) -> new InputsChannelClient(connection, link, server));
        assertEquals(0, tablet.positions);
        ByteBuffer w = ByteBuffer.wrap(port.written.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        int one = 8 + 20 + AgentProtocol.MOUSE_STATE_BYTES;
        assertEquals(2 * one, w.remaining(), "two VD_AGENT_MOUSE_STATE messages");
        assertEquals(AgentProtocol.PORT_SERVER, w.getInt(0));
        assertEquals(AgentProtocol.MOUSE_STATE, w.getInt(12));
        assertEquals(100, w.getInt(28));
        assertEquals(200, w.getInt(32));
        assertEquals(2, w.getInt(36), "SPICE's left button is the agent's bit 1");
        assertEquals(100, w.getInt(one + 28), "the wheel press keeps the position");
        assertEquals(AgentProtocol.UBUTTON_MASK, w.getInt(one + 36), "wheel up");
    }

    @Test
    void agentBreakingTheStreamIsDetachedAndMouseModeFallsBack() {
        SpiceServer server = new SpiceServer();
        server.vmStart();
        Port port = new Port();
        CharDeviceState agent = server.addCharDevice("vdagent", null, port).orElseThrow();
        server.primarySurfaceChanged(0, 1024, 768, true);
        assertTrue(server.requestMouseMode(SpiceServer.MOUSE_MODE_CLIENT));
        port.offer = ByteBuffer.allocate(8 + 20).order(ByteOrder.LITTLE_ENDIAN).putInt(AgentProtocol.PORT_CLIENT)
                .putInt(20).putInt(99).putInt(AgentProtocol.REPLY).putLong(0).putInt(0).array();
        agent.wakeup();
        assertFalse(server.agentAttached());
        assertEquals(List.of(true, false), port.states);
        assertEquals(SpiceServer.MOUSE_MODE_SERVER, server.mouseMode());
    }
}
