package org.spicejava.core.inputs;

import java.nio.ByteBuffer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.agent.AgentProtocol;
import org.spicejava.core.channel.ChannelClient;
import org.spicejava.core.device.Keyboard;
import org.spicejava.core.device.Mouse;
import org.spicejava.core.device.Tablet;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.migration.MigrationData;
import org.spicejava.core.net.SocketConnection;
import org.spicejava.core.server.SpiceServer;

/**
 * The inputs channel of one client (the reference's InputsChannelClient): keys to the host keyboard, relative
 * motion to the mouse in server mode, absolute positions to the agent (agent mouse) or the tablet in client
 * mode, buttons and wheel, lock keys synchronised both ways, and a motion ack every {@link #MOTION_ACK_BUNCH}
 * motion messages. Main-loop thread.
 */
public final class InputsChannelClient extends ChannelClient {
    private static final Logger LOG = LoggerFactory.getLogger(InputsChannelClient.class);
    /** SPICE_INPUTS_CAP_KEY_SCANCODE. */
    public static final int SERVER_CAPS = 1;
    /** SPICE_INPUT_MOTION_ACK_BUNCH. */
    public static final int MOTION_ACK_BUNCH = 4;
    /** Inputs messages are tiny; KEY_SCANCODE carries a few bytes. */
    public static final int MAX_CLIENT_MESSAGE = 4096;
    static final int MSG_INIT = 101;
    static final int MSG_KEY_MODIFIERS = 102;
    static final int MSG_MOUSE_MOTION_ACK = 111;
    static final int MSGC_KEY_DOWN = 101;
    static final int MSGC_KEY_UP = 102;
    static final int MSGC_KEY_MODIFIERS = 103;
    static final int MSGC_KEY_SCANCODE = 104;
    static final int MSGC_MOUSE_MOTION = 111;
    static final int MSGC_MOUSE_POSITION = 112;
    static final int MSGC_MOUSE_PRESS = 113;
    static final int MSGC_MOUSE_RELEASE = 114;
    /** SPICE_KEYBOARD_MODIFIER_FLAGS_*. */
    static final int SCROLL_LOCK = 1;
    static final int NUM_LOCK = 2;
    static final int CAPS_LOCK = 4;
    /** Set-1 make codes of the lock keys; | 0x80 releases. */
    static final int SCROLL_LOCK_SCAN = 0x46;
    static final int NUM_LOCK_SCAN = 0x45;
    static final int CAPS_LOCK_SCAN = 0x3a;
    static final int RELEASE = 0x80;
    /** SPICE_MOUSE_BUTTON_UP / DOWN: the wheel. */
    static final int BUTTON_UP = 4;
    static final int BUTTON_DOWN = 5;

    private final SpiceServer server;
    private int motionCount;
    /** The pointer as the agent last saw it (the reference's per-channel VDAgentMouseState). */
    private int agentX;
    private int agentY;
    private int agentButtons;
    private int agentDisplay;
    private int locksHeld;

    public InputsChannelClient(SocketConnection connection, LinkMessage link, SpiceServer server) {
        super(connection, link, MAX_CLIENT_MESSAGE);
        this.server = server;
    }

    @Override
    protected void onStart() {
        send(MSG_INIT, body(2).putShort((short) server.leds()).flip());
    }

    /** The guest's LEDs changed (spice_server_kbd_leds). */
    public void sendLeds(int leds) {
        send(MSG_KEY_MODIFIERS, body(2).putShort((short) leds).flip());
    }

    /** SPICE's button mask has middle and right the other way round from the host devices'. */
    static int localButtons(int state) {
        return (state & 1) | ((state & (2 | 0xffe0)) << 1) | ((state & 4) >> 1);
    }

    @Override
    protected boolean handle(int type, ByteBuffer body) {
        switch (type) {
            case MSGC_KEY_DOWN, MSGC_KEY_UP -> {
                if (!need(body, 4, "KEY_DOWN/KEY_UP")) {
                    return true;
                }
                int code = body.getInt(0);
                for (int i = 0; i < 4; i++) {
                    int b = (code >>> (8 * i)) & 0xff;
                    if (b == 0) {
                        break;
                    }
                    pushScan(b);
                }
            }
            case MSGC_KEY_SCANCODE -> {
                while (body.hasRemaining()) {
                    pushScan(Byte.toUnsignedInt(body.get()));
                }
            }
            case MSGC_KEY_MODIFIERS -> {
                if (need(body, 2, "KEY_MODIFIERS")) {
                    syncModifiers(Short.toUnsignedInt(body.getShort(0)));
                }
            }
            case MSGC_MOUSE_MOTION -> {
                if (!need(body, 10, "MOUSE_MOTION")) {
                    return true;
                }
                countMotion();
                Mouse mouse = server.mouse();
                if (mouse != null && server.mouseMode() == SpiceServer.MOUSE_MODE_SERVER) {
                    mouse.motion(body.getInt(0), body.getInt(4), 0, localButtons(Short.toUnsignedInt(body.getShort(8))));
                }
            }
            case MSGC_MOUSE_POSITION -> {
                if (!need(body, 11, "MOUSE_POSITION")) {
                    return true;
                }
                countMotion();
                if (server.mouseMode() != SpiceServer.MOUSE_MODE_CLIENT) {
                    return true;
                }
                int buttons = Short.toUnsignedInt(body.getShort(8));
                if (server.agentMouseActive()) {
                    agentX = body.getInt(0);
                    agentY = body.getInt(4);
                    agentButtons = AgentProtocol.agentButtons(buttons);
                    agentDisplay = Byte.toUnsignedInt(body.get(10));
                    server.agentDevice().mouseState(agentX, agentY, agentButtons, agentDisplay);
                    return true;
                }
                Tablet tablet = server.tablet();
                if (tablet != null) {
                    tablet.position(body.getInt(0), body.getInt(4), localButtons(buttons));
                }
            }
            case MSGC_MOUSE_PRESS, MSGC_MOUSE_RELEASE -> {
                if (need(body, 3, "MOUSE_PRESS/RELEASE")) {
                    int spiceState = Short.toUnsignedInt(body.getShort(1));
                    button(type == MSGC_MOUSE_PRESS, Byte.toUnsignedInt(body.get(0)), localButtons(spiceState),
                            spiceState);
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private boolean need(ByteBuffer body, int bytes, String what) {
        if (body.remaining() < bytes) {
            LOG.warn("inputs: {} with {} bytes, expected {}; closing", what, body.remaining(), bytes);
            close("malformed " + what);
            return false;
        }
        return true;
    }

    /** Seamless migration source: the motions not yet acknowledged travel to the destination. */
    @Override
    protected ByteBuffer migrationData() {
        return MigrationData.inputs(motionCount % MOTION_ACK_BUNCH);
    }

    /**
     * Seamless migration destination: acknowledges the whole bunches the source owed, counts on from the rest,
     * and tells the client the guest's lock keys (as the reference's inputs migrate data handling).
     */
    @Override
    protected void restoreMigrationData(ByteBuffer body) throws MigrationData.BadDataException {
        int owed = MigrationData.parseInputs(body);
        for (int i = 0; i < owed / MOTION_ACK_BUNCH; i++) {
            send(MSG_MOUSE_MOTION_ACK, body(0));
        }
        motionCount = owed % MOTION_ACK_BUNCH;
        sendLeds(server.leds());
    }

    private void countMotion() {
        if (++motionCount % MOTION_ACK_BUNCH == 0) {
            send(MSG_MOUSE_MOTION_ACK, body(0));
        }
    }

    private void button(boolean press, int button, int state, int spiceState) {
        int dz = !press ? 0 : button == BUTTON_UP ? -1 : button == BUTTON_DOWN ? 1 : 0;
        if (server.mouseMode() == SpiceServer.MOUSE_MODE_CLIENT && server.agentMouseActive()) {
            agentButtons = AgentProtocol.agentButtons(spiceState) | (dz == -1 ? AgentProtocol.UBUTTON_MASK : 0)
                    | (dz == 1 ? AgentProtocol.DBUTTON_MASK : 0);
            server.agentDevice().mouseState(agentX, agentY, agentButtons, agentDisplay);
        } else if (server.mouseMode() == SpiceServer.MOUSE_MODE_CLIENT) {
            Tablet tablet = server.tablet();
            if (tablet != null) {
                if (press) {
                    tablet.wheel(dz, state);
                } else {
                    tablet.buttons(state);
                }
            }
        } else {
            Mouse mouse = server.mouse();
            if (mouse != null) {
                if (press) {
                    mouse.motion(0, 0, dz, state);
                } else {
                    mouse.buttons(state);
                }
            }
        }
    }

    private void pushScan(int code) {
        Keyboard keyboard = server.keyboard();
        if (keyboard == null) {
            return;
        }
        keyboard.pushScanCode(code);
        int lock = switch (code & ~RELEASE) {
            case SCROLL_LOCK_SCAN -> SCROLL_LOCK;
            case NUM_LOCK_SCAN -> NUM_LOCK;
            case CAPS_LOCK_SCAN -> CAPS_LOCK;
            default -> 0;
        };
        locksHeld = (code & RELEASE) != 0 ? locksHeld & ~lock : locksHeld | lock;
    }

    /** Presses and releases each lock key whose state differs from what the client wants, unless it is held. */
    private void syncModifiers(int wanted) {
        Keyboard keyboard = server.keyboard();
        if (keyboard == null) {
            return;
        }
        int leds = server.leds();
        int[][] locks = {{SCROLL_LOCK, SCROLL_LOCK_SCAN}, {NUM_LOCK, NUM_LOCK_SCAN}, {CAPS_LOCK, CAPS_LOCK_SCAN}};
        for (int[] lock : locks) {
            if ((locksHeld & lock[0]) == 0 && (wanted & lock[0]) != (leds & lock[0])) {
                keyboard.pushScanCode(lock[1]);
                keyboard.pushScanCode(lock[1] | RELEASE);
            }
        }
    }
}
