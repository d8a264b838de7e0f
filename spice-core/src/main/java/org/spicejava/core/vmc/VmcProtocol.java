package org.spicejava.core.vmc;

/**
 * Wire constants of the spicevmc channels (spice-common's spice.proto: SpicevmcChannel, UsbredirChannel,
 * PortChannel, WebDAVChannel) and the limits of their char devices: the reference's (spice-server spicevmc.cpp,
 * char-device.cpp) and ours where the reference has none. Integers on the SPICE side are little-endian.
 */
public final class VmcProtocol {
    private VmcProtocol() {
    }

    /** Server to client: SPICE_MSG_SPICEVMC_DATA (raw bytes to the end), _COMPRESSED_DATA. */
    public static final int MSG_DATA = 101;
    public static final int MSG_COMPRESSED_DATA = 102;
    /** SPICE_MSG_PORT_INIT: u32 name_size, u32 offset of the name, u8 opened, then the name with its NUL. */
    public static final int MSG_PORT_INIT = 201;
    /** SPICE_MSG_PORT_EVENT: u8 event. */
    public static final int MSG_PORT_EVENT = 202;

    /** Client to server: SPICE_MSGC_SPICEVMC_DATA, _COMPRESSED_DATA, SPICE_MSGC_PORT_EVENT (u8 event). */
    public static final int MSGC_DATA = 101;
    public static final int MSGC_COMPRESSED_DATA = 102;
    public static final int MSGC_PORT_EVENT = 201;

    /** SPICE_SPICEVMC_CAP_DATA_COMPRESS_LZ4: the channel capability both ends need for COMPRESSED_DATA. */
    public static final int CAP_DATA_COMPRESS_LZ4 = 0;
    /** SpiceDataCompressionType: COMPRESSED_DATA is u8 type, u32 uncompressed size (unless NONE), then data. */
    public static final int COMPRESSION_NONE = 0;
    public static final int COMPRESSION_LZ4 = 1;

    /** The port name the reference turns into a WEBDAV channel instead of a PORT channel. */
    public static final String WEBDAV_PORT = "org.spice-space.webdav.0";
    /** The port the reference gives its streaming device (a display path), not a PORT channel. */
    public static final String STREAM_PORT = "org.spice-space.stream.0";

    /** spicevmc.cpp BUF_SIZE: the most one read from the device puts into one message (64 KiB + 32). */
    public static final int READ_BYTES = 64 * 1024 + 32;
    /** spicevmc.cpp COMPRESS_THRESHOLD: device data up to this size goes out uncompressed. */
    public static final int COMPRESS_THRESHOLD = 1000;
    /**
     * spicevmc.cpp QUEUED_DATA_LIMIT: device data waiting for one client, read but not yet written to its socket;
     * at this much the device is not read until the client catches up (1 MiB).
     */
    public static final long QUEUED_DATA_LIMIT = 1024 * 1024;
    /**
     * The device's self tokens (RedCharDeviceSpiceVmc is made with 128): client messages queued to the device at
     * most before the client's socket is no longer read.
     */
    public static final int WRITE_QUEUE_MESSAGES = 128;
    /**
     * Ours: bytes queued to the device at most before the client's socket is no longer read (the reference counts
     * messages only, of any size; a full queue holds at most this plus what was already read from the socket).
     */
    public static final long WRITE_QUEUE_BYTES = 1024 * 1024;
    /**
     * Ours: the largest client message (and decompressed size) a spicevmc channel takes; the reference has no
     * bound. Twice Linux's largest usb-storage transfer (1 MiB, max_sectors 2048) carried in one usbredir packet.
     */
    public static final int MAX_CLIENT_MESSAGE = 2 * 1024 * 1024;
    /** char-device.cpp CHAR_DEVICE_WRITE_TO_TIMEOUT: retry of a device write that took nothing, in ms. */
    public static final int WRITE_RETRY_MS = 100;
    /** Channel ids per type the reference hands out (reds_get_free_channel_id looks at 256). */
    public static final int MAX_CHANNEL_IDS = 256;
}
