package org.spicejava.core.inputs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.spicejava.core.FuzzSeeds;
import org.spicejava.core.channel.ChannelFuzzing;
import org.spicejava.core.channel.ChannelFuzzing.Msg;
import org.spicejava.core.device.Keyboard;
import org.spicejava.core.device.Mouse;
import org.spicejava.core.device.Tablet;
import org.spicejava.core.protocol.ChannelType;
import org.spicejava.core.server.SpiceServer;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The inputs channel's client message handling over any stream (layout: {@link ChannelFuzzing}), once in server
 * and once in client mouse mode, with devices that check what reaches the host.
 */
class InputsChannelFuzzTest {
    @FuzzTest
    void clientMessages(byte[] input) {
        for (int mode : new int[] {SpiceServer.MOUSE_MODE_SERVER, SpiceServer.MOUSE_MODE_CLIENT}) {
            for (boolean agentMouse : new boolean[] {false, true}) { // client mode: to the tablet, or the agent
                SpiceServer server = new SpiceServer();
                server.vmStart();
                Devices devices = new Devices();
                server.addKeyboard(devices);
                server.addMouse(devices);
                server.addTablet(devices);
                server.addCharDevice("vdagent", null); // the agent makes client mouse mode possible
                server.primarySurfaceChanged(0, 640, 480, true);
                assertTrue(server.requestMouseMode(mode));
                // Without a display device the tablet alone does not allow client mode: agent mouse is switched
                // off behind the server's back (no mode update) so the tablet's path is reached too.
                server.config().setAgentMouse(agentMouse);
                ChannelFuzzing.run(input, ChannelType.INPUTS, new int[] {InputsChannelClient.SERVER_CAPS},
                        (connection, link) -> new InputsChannelClient(connection, link, server));
            }
        }
    }

    /** Host devices that check each call: scancodes are bytes, button masks use the host's bits only. */
    static final class Devices implements Keyboard, Mouse, Tablet {
        @Override
        public void pushScanCode(int code) {
            assertTrue(code >= 0 && code <= 0xff, "scancode " + code);
        }

        @Override
        public int leds() {
            return 0;
        }

        @Override
        public void motion(int dx, int dy, int dz, int buttonsState) {
            assertTrue(dz >= -1 && dz <= 1, "wheel " + dz);
            checkButtons(buttonsState);
        }

        @Override
        public void buttons(int buttonsState) {
            checkButtons(buttonsState);
        }

        @Override
        public void setLogicalSize(int width, int height) {
        }

        @Override
        public void position(int x, int y, int buttonsState) {
            checkButtons(buttonsState);
        }

        @Override
        public void wheel(int wheelMotion, int buttonsState) {
            assertTrue(wheelMotion >= -1 && wheelMotion <= 1, "wheel " + wheelMotion);
            checkButtons(buttonsState);
        }

        private static void checkButtons(int state) {
            assertTrue(state >= 0 && state <= 0x1ffff, "button state 0x" + Integer.toHexString(state));
        }
    }

    static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("typing", ChannelFuzzing.seed(true, 128,
                Msg.of(InputsChannelClient.MSGC_KEY_MODIFIERS, b -> b.putShort((short) 7)),
                Msg.of(InputsChannelClient.MSGC_KEY_DOWN, b -> b.putInt(0x1e)),
                Msg.of(InputsChannelClient.MSGC_KEY_UP, b -> b.putInt(0x9e)),
                Msg.of(InputsChannelClient.MSGC_KEY_DOWN, b -> b.putInt(0x48e0)),
                Msg.of(InputsChannelClient.MSGC_KEY_SCANCODE, b -> b.put((byte) 0x3a).put((byte) 0xba)),
                Msg.of(InputsChannelClient.MSGC_KEY_MODIFIERS, b -> b.putShort((short) 0))));
        seeds.put("mouse", ChannelFuzzing.seed(true, 5,
                Msg.of(InputsChannelClient.MSGC_MOUSE_MOTION, b -> b.putInt(3).putInt(-4).putShort((short) 1)),
                Msg.of(InputsChannelClient.MSGC_MOUSE_MOTION, b -> b.putInt(1).putInt(1).putShort((short) 0)),
                Msg.of(InputsChannelClient.MSGC_MOUSE_POSITION, b -> b.putInt(100).putInt(200).putShort((short) 4)
                        .put((byte) 0)),
                Msg.of(InputsChannelClient.MSGC_MOUSE_POSITION, b -> b.putInt(101).putInt(201).putShort((short) 0)
                        .put((byte) 0)),
                Msg.of(InputsChannelClient.MSGC_MOUSE_PRESS, b -> b.put((byte) 4).putShort((short) 0)),
                Msg.of(InputsChannelClient.MSGC_MOUSE_RELEASE, b -> b.put((byte) 1).putShort((short) 0)),
                Msg.of(InputsChannelClient.MSGC_MOUSE_PRESS, b -> b.put((byte) 5).putShort((short) 2))));
        seeds.put("full-header", ChannelFuzzing.seed(false, 128,
                Msg.of(InputsChannelClient.MSGC_KEY_DOWN, b -> b.putInt(0x1c)),
                Msg.of(InputsChannelClient.MSGC_MOUSE_PRESS, b -> b.put((byte) 3).putShort((short) 4))));
        seeds.put("short-messages", ChannelFuzzing.seed(true, 128,
                new Msg(InputsChannelClient.MSGC_MOUSE_MOTION, new byte[9])));
        seeds.put("oversized", ChannelFuzzing.seed(true, 128,
                new Msg(InputsChannelClient.MSGC_KEY_SCANCODE, new byte[InputsChannelClient.MAX_CLIENT_MESSAGE + 1])));
        return seeds;
    }

    public static void main(String[] args) throws Exception {
        FuzzSeeds.write(Path.of(args[0]), InputsChannelFuzzTest.class, "clientMessages", seeds());
    }
}
