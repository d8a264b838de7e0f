package org.spicejava.core.agent;

/**
 * Wire constants of the guest agent stream (spice-protocol's vd_agent.h) and the reference server's limits for it.
 * All integers on this stream are little-endian.
 */
public final class AgentProtocol {
    private AgentProtocol() {
    }

    /** VDIChunkHeader: u32 port, u32 size. */
    public static final int CHUNK_HEADER_BYTES = 8;
    /** VDAgentMessage: u32 protocol, u32 type, u64 opaque, u32 size. */
    public static final int MESSAGE_HEADER_BYTES = 20;
    /** VDP_CLIENT_PORT / VDP_SERVER_PORT. */
    public static final int PORT_CLIENT = 1;
    public static final int PORT_SERVER = 2;
    /** VD_AGENT_PROTOCOL. */
    public static final int PROTOCOL = 1;
    /** VD_AGENT_MAX_DATA_SIZE: the largest chunk of agent data per read buffer and per AGENT_DATA message. */
    public static final int MAX_DATA_SIZE = 2048;

    /** VD_AGENT_* message types. */
    public static final int MOUSE_STATE = 1;
    public static final int MONITORS_CONFIG = 2;
    public static final int REPLY = 3;
    public static final int CLIPBOARD = 4;
    public static final int DISPLAY_CONFIG = 5;
    public static final int ANNOUNCE_CAPABILITIES = 6;
    public static final int CLIPBOARD_GRAB = 7;
    public static final int CLIPBOARD_REQUEST = 8;
    public static final int CLIPBOARD_RELEASE = 9;
    public static final int FILE_XFER_START = 10;
    public static final int FILE_XFER_STATUS = 11;
    public static final int FILE_XFER_DATA = 12;
    public static final int CLIENT_DISCONNECTED = 13;
    /** VDAgentGraphicsDeviceInfo: which device and device display each (channel, monitor) is, for the agent. */
    public static final int GRAPHICS_DEVICE_INFO = 16;

    /** VD_AGENT_CAP_* bit numbers. */
    public static final int CAP_CLIPBOARD = 3;
    public static final int CAP_CLIPBOARD_BY_DEMAND = 5;
    public static final int CAP_CLIPBOARD_SELECTION = 6;
    public static final int CAP_FILE_XFER_DISABLED = 13;
    public static final int CAP_GRAPHICS_DEVICE_INFO = 15;

    /** VD_AGENT_*BUTTON_MASK are SPICE's button mask shifted left by one. */
    public static int agentButtons(int spiceButtons) {
        return spiceButtons << 1;
    }

    public static final int UBUTTON_MASK = 1 << 4;
    public static final int DBUTTON_MASK = 1 << 5;
    /** sizeof(VDAgentMouseState): u32 x, u32 y, u32 buttons, u8 display_id. */
    public static final int MOUSE_STATE_BYTES = 13;

    /** REDS_AGENT_WINDOW_SIZE: AGENT_DATA messages a client may send before the server returns tokens. */
    public static final int CLIENT_WINDOW = 10;
    /** REDS_TOKENS_TO_SEND: the server returns client tokens in batches of this many. */
    public static final int TOKENS_TO_SEND = 5;
    /** REDS_VDI_PORT_NUM_RECEIVE_BUFFS: agent-to-client chunks in flight at once. */
    public static final int READ_BUFFERS = 5;
    /**
     * REDS_NUM_INTERNAL_AGENT_MESSAGES: messages the server itself may have queued to the agent (mouse state, graphics
     * device info).
     */
    public static final int SELF_TOKENS = 1;
    /** CHAR_DEVICE_WRITE_TO_TIMEOUT: retry a write the device did not take after this many ms. */
    public static final long WRITE_RETRY_MS = 100;
}
