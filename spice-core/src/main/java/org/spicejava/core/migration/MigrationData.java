package org.spicejava.core.migration;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The channels' state a seamless migration carries through the client (SPICE_MSG_MIGRATE_DATA from the source,
 * SPICE_MSGC_MIGRATE_DATA to the destination), in the reference's formats (server/migration-protocol.h, version 1),
 * so a VM moves between the reference and ours. Every body starts with SpiceMigrateDataHeader {u32 magic,
 * u32 version}; all is packed little-endian. Parsing treats the bytes as hostile: every size, offset and count is
 * checked, and a version newer than ours is refused (the reference aborts QEMU on that one). Immutable; any thread.
 */
public final class MigrationData {
    /** SPICE_MIGRATION_PROTOCOL_VERSION: what MIGRATE_BEGIN_SEAMLESS and MIGRATE_DST_DO_SEAMLESS carry. */
    public static final int PROTOCOL_VERSION = 1;
    /** sizeof(SpiceMigrateDataHeader). */
    static final int HEADER = 8;
    /** sizeof(SpiceMigrateDataCharDevice): u32 version, u8 connected, five u32. */
    static final int CHAR_DEVICE = 25;
    /** SPICE_MIGRATE_DATA_CHAR_DEVICE_VERSION. */
    static final int CHAR_DEVICE_VERSION = 1;
    /** The tokens of a char device without flow control, as the reference's spicevmc and smartcard ones keep them. */
    private static final int NO_FLOW_CONTROL = -1;
    /** sizeof(SpiceMigrateDataMain): the agent's char device, client_agent_started, agent2client, client2agent. */
    static final int MAIN = CHAR_DEVICE + 1 + 26 + 5;
    /** sizeof(SpiceMigrateDataDisplay), up to and with surfaces_at_client_ptr. */
    static final int DISPLAY = 72;
    /** MIGRATE_DATA_DISPLAY_MAX_CACHE_CLIENTS. */
    static final int CACHE_CLIENTS = 4;
    /** The reference's shared GLZ dictionaries serve up to MAX_CACHE_CLIENTS encoders. */
    public static final int GLZ_MAX_ENCODERS = 4;
    /** sizeof(SpiceMigrateDataInputs): u16 motion_count. */
    static final int INPUTS = 2;

    /** The channel kinds that carry data, with their magic (SPICE_MAGIC_CONST), version and fixed size. */
    public enum Kind {
        MAIN("MNMD", 1, MigrationData.MAIN),
        INPUTS("ICMD", 1, MigrationData.INPUTS),
        DISPLAY("DCMD", 1, MigrationData.DISPLAY),
        SMARTCARD("SCMD", 1, CHAR_DEVICE + 1 + 4 + 4),
        SPICEVMC("SVMD", 1, CHAR_DEVICE);

        final int magic;
        final int version;
        final int size;

        Kind(String magic, int version, int size) {
            byte[] m = magic.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            this.magic = (m[0] & 0xff) | (m[1] & 0xff) << 8 | (m[2] & 0xff) << 16 | (m[3] & 0xff) << 24;
            this.version = version;
            this.size = size;
        }
    }

    /** Migration data that cannot be used; the channel that sent it is closed. */
    public static final class BadDataException extends Exception {
        public BadDataException(String message) {
            super(message);
        }
    }

    private MigrationData() {
    }

    /**
     * Checks the header and the fixed part's size (migration_protocol_validate_header): the magic must be the
     * kind's and the version not newer than ours. Returns the body, little-endian, positioned after the header.
     */
    public static ByteBuffer check(ByteBuffer body, Kind kind) throws BadDataException {
        ByteBuffer b = body.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < HEADER + kind.size) {
            throw new BadDataException(kind + " migration data of " + b.remaining() + " bytes; at least "
                    + (HEADER + kind.size) + " expected");
        }
        int magic = b.getInt(0);
        int version = b.getInt(4);
        if (magic != kind.magic) {
            throw new BadDataException(kind + " migration data with magic 0x" + Integer.toHexString(magic));
        }
        if (Integer.compareUnsigned(version, kind.version) > 0) {
            throw new BadDataException(kind + " migration data version " + Integer.toUnsignedString(version)
                    + " is newer than ours (" + kind.version + ")");
        }
        return b.position(HEADER);
    }

    private static ByteBuffer start(Kind kind, int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN).putInt(kind.magic).putInt(kind.version);
    }

    // --- main: the guest agent's state ---

    /**
     * The guest agent's data path where a seamless migration leaves it (SpiceMigrateDataMain with an agent): the
     * tokens the client holds and ours to send it, whether the client started its agent session; the bytes the
     * device had not taken, oldest first, {@code pendingClientTokens} of them the client's (each buffer of the
     * client's returns a token when written); from the agent, the chunk header as read (0 to 7 bytes of one begun,
     * or all 8, its size then the chunk's bytes still to read after {@code partialMessageHeader}), a message header
     * begun in that chunk (under 20 bytes) and the read filter's position (bytes left of the current message and
     * its result, AgentMsgFilterResult); to the agent, the write filter's.
     */
    public record Agent(long clientTokens, long sendTokens, boolean clientAgentStarted, byte[] pendingForDevice,
                        long pendingClientTokens, byte[] chunkHeader, byte[] partialMessageHeader,
                        long fromAgentRemaining, int fromAgentResult, long toAgentRemaining, int toAgentResult) {
        /** sizeof(VDIChunkHeader) and sizeof(VDAgentMessage). */
        public static final int CHUNK_HEADER = 8;
        public static final int MESSAGE_HEADER = 20;
        /** AGENT_MSG_FILTER_MONITORS_CONFIG, the last of the filter results. */
        public static final int LAST_RESULT = 3;

        /** An idle path: nothing pending either way, both filters between messages. */
        public static Agent idle(long clientTokens, long sendTokens, boolean clientAgentStarted) {
            return new Agent(clientTokens, sendTokens, clientAgentStarted, new byte[0], 0, new byte[0], new byte[0],
                    0, 0, 0, 0);
        }
    }

    /** The main channel's data: the source's guest agent, or null when it had none. */
    public record Main(Agent agent) {
        public boolean agentConnected() {
            return agent != null;
        }
    }

    /**
     * The main channel's data when no guest agent is attached (reds_marshall_migrate_data): an empty char device
     * state (its version, the rest 0) and zeros to the full size.
     */
    public static ByteBuffer mainWithoutAgent() {
        ByteBuffer b = start(Kind.MAIN, HEADER + MAIN);
        b.putInt(CHAR_DEVICE_VERSION);
        return b.position(b.capacity()).flip();
    }

    /**
     * The main channel's data with a guest agent (reds_marshall_migrate_data): the agent's char device with the
     * bytes its device had not taken, client_agent_started, agent2client (the chunk header as read; a message
     * header begun, or the read filter's position once the header is done) and client2agent (the write filter's
     * position). The device's bytes follow the struct, then the partial message header; each pointer counts from
     * the body's start and is 0 when nothing is there, as the reference's marshaller leaves it.
     */
    public static ByteBuffer mainWithAgent(Agent a) {
        int fixed = HEADER + MAIN;
        byte[] w = a.pendingForDevice();
        byte[] partial = a.partialMessageHeader();
        ByteBuffer b = start(Kind.MAIN, fixed + w.length + partial.length);
        putConnectedCharDevice(b, u32(a.clientTokens()), u32(a.sendTokens()), w.length,
                u32(a.pendingClientTokens()), w.length == 0 ? 0 : fixed);
        b.put((byte) (a.clientAgentStarted() ? 1 : 0));
        boolean headerDone = a.chunkHeader().length == Agent.CHUNK_HEADER && partial.length == 0;
        b.putInt(a.chunkHeader().length).put(Arrays.copyOf(a.chunkHeader(), Agent.CHUNK_HEADER));
        b.put((byte) (headerDone ? 1 : 0)).putInt(partial.length).putInt(partial.length == 0 ? 0 : fixed + w.length);
        b.putInt(headerDone ? u32(a.fromAgentRemaining()) : 0).put((byte) (headerDone ? a.fromAgentResult() : 0));
        b.putInt(u32(a.toAgentRemaining())).put((byte) a.toAgentResult());
        return b.put(w).put(partial).flip();
    }

    private static int u32(long value) {
        return (int) Math.clamp(value, 0, 0xffff_ffffL);
    }

    /**
     * The main channel's data from a source (reds_agent_state_restore reads the same). Refused: a chunk header of
     * more than 8 bytes, a message header of 20 or more or begun before its chunk header was read, bytes outside
     * the body, a filter result the reference does not have, a chunk whose remaining size overflows.
     */
    public static Main parseMain(ByteBuffer body) throws BadDataException {
        ByteBuffer b = check(body, Kind.MAIN);
        if (!charDeviceConnected(b)) {
            return new Main(null);
        }
        int fixed = HEADER + MAIN;
        byte[] pending = charDeviceWrites(b, fixed);
        int a2c = HEADER + CHAR_DEVICE + 1; // agent2client: chunk_header_size, VDIChunkHeader, msg_header_done,
        int c2a = a2c + 26;                  // msg_header_partial_len, msg_header_ptr, msg_remaining, filter result
        long headerLen = Integer.toUnsignedLong(b.getInt(a2c));
        if (headerLen > Agent.CHUNK_HEADER) {
            throw new BadDataException("main migration data: a chunk header of " + headerLen + " bytes read");
        }
        byte[] chunkHeader = new byte[(int) headerLen];
        b.get(a2c + 4, chunkHeader);
        boolean headerDone = b.get(a2c + 12) != 0;
        byte[] partial = new byte[0];
        long fromRemaining = 0;
        int fromResult = 0;
        if (headerDone) {
            fromRemaining = Integer.toUnsignedLong(b.getInt(a2c + 21));
            fromResult = filterResult(b.get(a2c + 25));
        } else {
            partial = bytesAt(b, a2c + 13, a2c + 17, fixed, "partial agent message header");
            if (partial.length >= Agent.MESSAGE_HEADER || partial.length > 0 && headerLen < Agent.CHUNK_HEADER) {
                throw new BadDataException("main migration data: a message header of " + partial.length
                        + " bytes begun after " + headerLen + " bytes of its chunk header");
            }
            if (headerLen == Agent.CHUNK_HEADER
                    && Integer.toUnsignedLong(b.getInt(a2c + 8)) + partial.length > 0xffff_ffffL) {
                throw new BadDataException("main migration data: a chunk larger than 4 GiB");
            }
        }
        return new Main(new Agent(Integer.toUnsignedLong(b.getInt(HEADER + 5)),
                Integer.toUnsignedLong(b.getInt(HEADER + 9)), b.get(HEADER + CHAR_DEVICE) != 0, pending,
                Integer.toUnsignedLong(b.getInt(HEADER + 17)), chunkHeader, partial, fromRemaining, fromResult,
                Integer.toUnsignedLong(b.getInt(c2a)), filterResult(b.get(c2a + 4))));
    }

    private static int filterResult(byte value) throws BadDataException {
        int r = Byte.toUnsignedInt(value);
        if (r > Agent.LAST_RESULT) {
            throw new BadDataException("main migration data: agent filter result " + r);
        }
        return r;
    }

    // --- inputs ---

    /** The inputs channel's data: mouse motions the client sent since the last MOUSE_MOTION_ACK. */
    public static ByteBuffer inputs(int motionCount) {
        return start(Kind.INPUTS, HEADER + INPUTS).putShort((short) motionCount).flip();
    }

    /** The motion count (u16). */
    public static int parseInputs(ByteBuffer body) throws BadDataException {
        return Short.toUnsignedInt(check(body, Kind.INPUTS).getShort(HEADER));
    }

    // --- spicevmc (usbredir, port, WebDAV): the bytes that wait for the char device ---

    /**
     * A spicevmc channel's data (red_char_device_migrate_data_marshall): its char device connected, and the bytes
     * the device has not taken yet, oldest first, right after the struct; write_data_ptr counts from the body's
     * start, header included. They are the server's own bytes (no client tokens), as ours queues them.
     */
    public static ByteBuffer spicevmc(byte[] pendingForDevice) {
        ByteBuffer b = start(Kind.SPICEVMC, HEADER + CHAR_DEVICE + pendingForDevice.length);
        return putConnectedCharDevice(b, NO_FLOW_CONTROL, NO_FLOW_CONTROL, pendingForDevice.length, 0,
                HEADER + CHAR_DEVICE).put(pendingForDevice).flip();
    }

    /**
     * A connected char device (SpiceMigrateDataCharDevice): the tokens the client holds and ours to send it, and
     * {@code writeSize} bytes its device has not taken, at {@code writeDataPtr}, whose buffers cost the client
     * {@code writeClientTokens}.
     */
    private static ByteBuffer putConnectedCharDevice(ByteBuffer b, int clientTokens, int sendTokens, int writeSize,
                                                     int writeClientTokens, int writeDataPtr) {
        return b.putInt(CHAR_DEVICE_VERSION).put((byte) 1).putInt(clientTokens).putInt(sendTokens).putInt(writeSize)
                .putInt(writeClientTokens).putInt(writeDataPtr);
    }

    /**
     * The bytes a spicevmc channel's char device had not taken at the source (red_char_device_restore), to be
     * written before anything new; empty when there were none or the device was not connected. A char device
     * version newer than ours, or bytes outside the body, are refused.
     */
    public static byte[] parseSpicevmc(ByteBuffer body) throws BadDataException {
        ByteBuffer b = check(body, Kind.SPICEVMC);
        return charDeviceConnected(b) ? charDeviceWrites(b, HEADER + CHAR_DEVICE) : new byte[0];
    }

    /** The char device's write_size bytes at write_data_ptr: what its device had not taken. */
    private static byte[] charDeviceWrites(ByteBuffer b, int firstFree) throws BadDataException {
        return bytesAt(b, HEADER + 13, HEADER + 21, firstFree, "char device data");
    }

    /** Whether the char device state (right after the header) says connected; a newer version is refused. */
    private static boolean charDeviceConnected(ByteBuffer b) throws BadDataException {
        int version = b.getInt(HEADER);
        if (Integer.compareUnsigned(version, CHAR_DEVICE_VERSION) > 0) {
            throw new BadDataException("char device migration data version " + Integer.toUnsignedString(version)
                    + " is newer than ours (" + CHAR_DEVICE_VERSION + ")");
        }
        return b.get(HEADER + 4) != 0;
    }

    /**
     * The bytes that a u32 size at {@code sizeAt} and a u32 offset at {@code offsetAt} name; they must lie between
     * the fixed part's end ({@code firstFree}) and the body's.
     */
    private static byte[] bytesAt(ByteBuffer b, int sizeAt, int offsetAt, int firstFree, String what)
            throws BadDataException {
        long size = Integer.toUnsignedLong(b.getInt(sizeAt));
        long at = Integer.toUnsignedLong(b.getInt(offsetAt));
        if (size == 0) {
            return new byte[0];
        }
        if (at < firstFree || at + size > b.limit()) {
            throw new BadDataException(what + " of " + size + " bytes at " + at + " outside the " + b.limit()
                    + " bytes of migration data");
        }
        byte[] out = new byte[(int) size];
        b.get((int) at, out);
        return out;
    }

    // --- smartcard: the reader's char device, whether a reader was added, a VSC message half read ---

    /** A smartcard channel's state: whether it had a reader, and that reader's device state. */
    public record Smartcard(boolean attached, boolean readerAdded, byte[] pendingForDevice, byte[] partialRead) {
    }

    /**
     * A smartcard channel's data (smartcard_channel_send_migrate_data): without a reader an empty char device
     * state and zeros; with one, the char device as for spicevmc, reader_added, and the bytes of a VSC message the
     * device sent only part of; the device's bytes follow the struct, then the partial message (each pointer
     * counted from the body's start).
     */
    public static ByteBuffer smartcard(Smartcard s) {
        int fixed = HEADER + Kind.SMARTCARD.size;
        if (!s.attached()) {
            ByteBuffer b = start(Kind.SMARTCARD, fixed).putInt(CHAR_DEVICE_VERSION);
            return b.position(b.capacity()).flip();
        }
        byte[] w = s.pendingForDevice();
        byte[] r = s.partialRead();
        ByteBuffer b = start(Kind.SMARTCARD, fixed + w.length + r.length);
        putConnectedCharDevice(b, NO_FLOW_CONTROL, NO_FLOW_CONTROL, w.length, 0, fixed);
        b.put((byte) (s.readerAdded() ? 1 : 0)).putInt(r.length).putInt(fixed + w.length);
        return b.put(w).put(r).flip();
    }

    /** A smartcard channel's state from the source; offsets outside the body and newer versions are refused. */
    public static Smartcard parseSmartcard(ByteBuffer body) throws BadDataException {
        ByteBuffer b = check(body, Kind.SMARTCARD);
        if (!charDeviceConnected(b)) {
            return new Smartcard(false, false, new byte[0], new byte[0]);
        }
        int fixed = HEADER + Kind.SMARTCARD.size;
        return new Smartcard(true, b.get(HEADER + CHAR_DEVICE) != 0, charDeviceWrites(b, fixed),
                bytesAt(b, HEADER + CHAR_DEVICE + 1, HEADER + CHAR_DEVICE + 5, fixed, "partial smartcard message"));
    }

    // --- display ---

    /** A surface the client has, and (with lossy images in use) the part of it that is lossy, else null. */
    public record Surface(int id, int[] lossyLeftTopRightBottom) {
    }

    /**
     * One display channel's state at the client (SpiceMigrateDataDisplay): the message serial, the pixmap cache
     * the client holds (its id and size, whether this channel froze it, the per-channel sync serials), the GLZ
     * dictionary (id, window in pixels, encoders, the id its next image gets) and the surfaces it has.
     */
    public record Display(long messageSerial, boolean lowBandwidth, int pixmapCacheId, long pixmapCacheSize,
                          boolean pixmapCacheFreezer, long[] pixmapCacheClients, int glzDictionaryId,
                          int glzWindowPixels, int glzMaxEncoders, long glzNextImageId, List<Surface> surfaces) {
    }

    /** Surfaces one display channel may list at most (the reference's NUM_SURFACES). */
    public static final int MAX_SURFACES = 10000;

    /**
     * Encodes {@code d}; with {@code lossy} the surfaces carry their lossy rectangle
     * (MigrateDisplaySurfacesAtClientLossy), else only their ids (...Lossless), as the reference chooses by whether
     * JPEG is enabled for the channel.
     */
    public static ByteBuffer display(Display d, boolean lossy) {
        int entry = lossy ? 4 + 16 : 4;
        ByteBuffer b = start(Kind.DISPLAY, HEADER + DISPLAY + 4 + entry * d.surfaces().size());
        b.putLong(d.messageSerial()).put((byte) (d.lowBandwidth() ? 1 : 0)).put((byte) d.pixmapCacheId())
                .putLong(d.pixmapCacheSize()).put((byte) (d.pixmapCacheFreezer() ? 1 : 0));
        for (int i = 0; i < CACHE_CLIENTS; i++) {
            b.putLong(i < d.pixmapCacheClients().length ? d.pixmapCacheClients()[i] : 0);
        }
        b.put((byte) d.glzDictionaryId()).putInt(d.glzWindowPixels()).putInt(d.glzMaxEncoders())
                .putLong(d.glzNextImageId());
        b.putInt(HEADER + DISPLAY); // surfaces_at_client_ptr, from the start of the body
        b.putInt(d.surfaces().size());
        for (Surface s : d.surfaces()) {
            b.putInt(s.id());
            if (lossy) {
                int[] r = s.lossyLeftTopRightBottom() == null ? new int[4] : s.lossyLeftTopRightBottom();
                b.putInt(r[0]).putInt(r[1]).putInt(r[2]).putInt(r[3]);
            }
        }
        return b.flip();
    }

    /** Parses a display channel's data; {@code lossy} as the sender chose (see {@link #display}). */
    public static Display parseDisplay(ByteBuffer body, boolean lossy) throws BadDataException {
        return parseDisplay(body, lowBandwidth -> lossy);
    }

    /**
     * Parses a display channel's data, the surfaces' layout chosen as the reference's destination does: lossy when
     * JPEG is in force for a channel with the low-bandwidth setting the data carries ({@code lossyFor}).
     */
    public static Display parseDisplay(ByteBuffer body, java.util.function.Predicate<Boolean> lossyFor)
            throws BadDataException {
        ByteBuffer b = check(body, Kind.DISPLAY);
        long serial = b.getLong();
        boolean lowBandwidth = b.get() != 0;
        boolean lossy = lossyFor.test(lowBandwidth);
        int cacheId = Byte.toUnsignedInt(b.get());
        long cacheSize = b.getLong();
        boolean freezer = b.get() != 0;
        long[] clients = new long[CACHE_CLIENTS];
        for (int i = 0; i < CACHE_CLIENTS; i++) {
            clients[i] = b.getLong();
        }
        int glzId = Byte.toUnsignedInt(b.get());
        int glzWindow = b.getInt();
        int glzEncoders = b.getInt();
        long glzNext = b.getLong();
        int at = b.getInt();
        if (at < HEADER + DISPLAY || (long) at + 4 > b.limit()) {
            throw new BadDataException("display migration data: surface list at " + Integer.toUnsignedString(at)
                    + " of " + b.limit() + " bytes");
        }
        long count = Integer.toUnsignedLong(b.getInt(at));
        int entry = lossy ? 20 : 4;
        if (count > MAX_SURFACES || at + 4 + count * entry > b.limit()) {
            throw new BadDataException("display migration data: " + count + " surfaces do not fit");
        }
        List<Surface> surfaces = new ArrayList<>();
        b.position(at + 4);
        for (long i = 0; i < count; i++) {
            int id = b.getInt();
            int[] rect = null;
            if (lossy) {
                rect = new int[] {b.getInt(), b.getInt(), b.getInt(), b.getInt()};
            }
            surfaces.add(new Surface(id, rect));
        }
        return new Display(serial, lowBandwidth, cacheId, cacheSize, freezer, clients, glzId, glzWindow,
                glzEncoders, glzNext, List.copyOf(surfaces));
    }
}
