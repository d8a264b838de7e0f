package org.spicejava.core.agent;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Collects a client's VD_AGENT_MONITORS_CONFIG message across AGENT_DATA chunks when the server handles it for the
 * displays (the reference's reds_on_main_agent_monitors_config). Bounded as the reference bounds it since the
 * 2017 fixes (CVE-2017-7506 class): at most {@link #MAX_MONITORS} monitors, so the whole message is at most
 * {@link #MAX_MESSAGE} bytes, and the monitor count must fit the size the header announced.
 * Main-loop thread.
 */
public final class MonitorsConfigAssembler {
    /** MAX_NUM_MONITORS in reds_on_main_agent_monitors_config. */
    public static final int MAX_MONITORS = 256;
    /** sizeof(VDAgentMonitorsConfig): u32 num_of_monitors, u32 flags. */
    static final int CONFIG_HEADER = 8;
    /** sizeof(VDAgentMonConfig): u32 height, width, depth; s32 x, y. */
    static final int MON_CONFIG = 20;
    /** sizeof(VDAgentMonitorMM): u16 height, width. */
    static final int MON_MM = 4;
    /** VD_AGENT_CONFIG_MONITORS_FLAG_USE_POS | _PHYSICAL_SIZE: the flags the server passes on. */
    static final int KNOWN_FLAGS = 1 | 2;
    static final int FLAG_PHYSICAL_SIZE = 2;
    /** The largest VDAgentMonitorsConfig body accepted. */
    public static final int MAX_CONFIG = CONFIG_HEADER + MAX_MONITORS * (MON_CONFIG + MON_MM);
    /** The largest message (header and body) accepted. */
    public static final int MAX_MESSAGE = AgentProtocol.MESSAGE_HEADER_BYTES + MAX_CONFIG;

    /** What one chunk did. */
    public enum Outcome { NEED_MORE, COMPLETE, INVALID }

    private final ByteBuffer buffer = ByteBuffer.allocate(MAX_MESSAGE).order(ByteOrder.LITTLE_ENDIAN);
    private ByteBuffer config;

    /** Adds a chunk; on COMPLETE {@link #config()} holds the body; on INVALID the buffer is cleared. */
    public Outcome add(ByteBuffer chunk) {
        if (chunk.remaining() > buffer.remaining()) {
            reset();
            return Outcome.INVALID;
        }
        buffer.put(chunk.duplicate());
        int have = buffer.position();
        if (have < AgentProtocol.MESSAGE_HEADER_BYTES) {
            return Outcome.NEED_MORE;
        }
        long size = Integer.toUnsignedLong(buffer.getInt(16));
        if (size > MAX_CONFIG) {
            reset();
            return Outcome.INVALID;
        }
        if (size > have - AgentProtocol.MESSAGE_HEADER_BYTES) {
            return Outcome.NEED_MORE;
        }
        boolean valid = buffer.getInt(0) == AgentProtocol.PROTOCOL && size >= CONFIG_HEADER;
        ByteBuffer body = null;
        if (valid) {
            body = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
            body.put(0, buffer, AgentProtocol.MESSAGE_HEADER_BYTES, (int) size);
            long monitors = Integer.toUnsignedLong(body.getInt(0));
            int flags = body.getInt(4) & KNOWN_FLAGS;
            body.putInt(4, flags);
            int element = MON_CONFIG + ((flags & FLAG_PHYSICAL_SIZE) != 0 ? MON_MM : 0);
            valid = monitors <= (size - CONFIG_HEADER) / element;
        }
        reset();
        if (!valid) {
            return Outcome.INVALID;
        }
        config = body;
        return Outcome.COMPLETE;
    }

    /** The last complete VDAgentMonitorsConfig (little-endian, flags limited to the known ones). */
    public ByteBuffer config() {
        return config;
    }

    public void reset() {
        buffer.clear();
    }
}
