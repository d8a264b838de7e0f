package org.spicejava.core.server;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.net.tls.TlsFiles;

/**
 * Every spice_server_set_* option with the reference's defaults, validation and return codes (0 accepted, -1
 * refused). Owned by the thread that configures the server (QEMU's main loop).
 */
public final class ServerConfig {
    private static final Logger LOG = LoggerFactory.getLogger(ServerConfig.class);

    /** SPICE_MAX_PASSWORD_LENGTH. */
    public static final int MAX_PASSWORD_LENGTH = 60;
    /** The reference keeps the address in a 256-byte buffer. */
    public static final int MAX_ADDRESS_LENGTH = 255;
    /** SPICE_CHANNEL_SECURITY_NONE | SPICE_CHANNEL_SECURITY_SSL. */
    public static final int SECURITY_NONE = 1;
    public static final int SECURITY_SSL = 2;
    /** SpiceImageCompression: INVALID 0, OFF 1, AUTO_GLZ 2, AUTO_LZ 3, QUIC 4, GLZ 5, LZ 6, LZ4 7. */
    public static final int IMAGE_COMPRESSION_OFF = 1;
    public static final int IMAGE_COMPRESSION_AUTO_GLZ = 2;
    public static final int IMAGE_COMPRESSION_QUIC = 4;
    public static final int IMAGE_COMPRESSION_LZ4 = 7;
    /** spice_wan_compression_t: INVALID 0, AUTO 1, ALWAYS 2, NEVER 3. */
    public static final int WAN_COMPRESSION_INVALID = 0;
    public static final int WAN_COMPRESSION_AUTO = 1;
    public static final int WAN_COMPRESSION_ALWAYS = 2;
    public static final int WAN_COMPRESSION_NEVER = 3;
    /** SPICE_STREAM_VIDEO_*: INVALID 0, OFF 1, ALL 2, FILTER 3. */
    public static final int STREAM_VIDEO_OFF = 1;
    public static final int STREAM_VIDEO_ALL = 2;
    public static final int STREAM_VIDEO_FILTER = 3;
    /** spice_compat_version_t: 0.4 is 0 (unsupported), 0.6 is 1 (current). */
    public static final int COMPAT_VERSION_CURRENT = 1;
    /** Channel names of spice_server_set_channel_security, indexed by channel type. */
    static final List<String> CHANNEL_NAMES = List.of(
            "", "main", "display", "inputs", "cursor", "playback", "record", "tunnel", "smartcard", "usbredir",
            "port", "webdav");

    private final LongSupplier clockSeconds;
    private int port = -1;
    private int tlsPort = -1;
    private String address = "";
    private int family = 0;
    private int listenFd = -1;
    private boolean exitOnDisconnect;
    private boolean ticketing = true;
    private byte[] password = new byte[0];
    private long ticketExpiry;
    private boolean sasl;
    private String saslAppName;
    private String name;
    private byte[] uuid;
    private TlsFiles tls;
    private int imageCompression = IMAGE_COMPRESSION_AUTO_GLZ;
    private int jpegCompression = WAN_COMPRESSION_AUTO;
    private int zlibGlzCompression = WAN_COMPRESSION_AUTO;
    private int streamingVideo = STREAM_VIDEO_FILTER;
    private List<VideoCodecs.Codec> videoCodecs = List.of();
    private boolean playbackCompression = true;
    private boolean agentMouse = true;
    private boolean agentCopyPaste = true;
    private boolean agentFileTransfer = true;
    private boolean seamlessMigration;
    private int defaultChannelSecurity = SECURITY_NONE | SECURITY_SSL;
    private final Map<Integer, Integer> channelSecurity = new HashMap<>();
    private int renderers;

    public ServerConfig(LongSupplier clockSeconds) {
        this.clockSeconds = clockSeconds;
    }

    public int setPort(int value) {
        if (value < 0 || value > 0xffff) {
            LOG.warn("spice_server_set_port: port {} out of range", value);
            return -1;
        }
        port = value;
        return 0;
    }

    public void setAddress(String value, int flags) {
        String text = value == null ? "" : value;
        address = text.length() > MAX_ADDRESS_LENGTH ? text.substring(0, MAX_ADDRESS_LENGTH) : text;
        switch (flags) {
            case 0 -> { }
            case 1, 2, 4 -> family = flags;
            default -> LOG.warn("spice_server_set_addr: unknown address flag 0x{}", Integer.toHexString(flags));
        }
    }

    public int setListenFd(int fd) {
        listenFd = fd;
        return 0;
    }

    public int setExitOnDisconnect(boolean value) {
        exitOnDisconnect = value;
        return 0;
    }

    public int setNoAuth() {
        Arrays.fill(password, (byte) 0);
        password = new byte[0];
        ticketing = false;
        return 0;
    }

    public int setSasl(boolean enabled) {
        sasl = enabled;
        return 0;
    }

    public int setSaslAppName(String value) {
        saslAppName = value;
        return 0;
    }

    public void setName(String value) {
        name = value;
    }

    public void setUuid(byte[] value) {
        uuid = value.clone();
    }

    /** The password is checked after the fail/disconnect policy, as in the reference. */
    public int setTicket(byte[] passwd, int lifetime) {
        ticketing = true;
        ticketExpiry = lifetime == 0 ? Integer.MAX_VALUE : clockSeconds.getAsLong() + lifetime;
        if (passwd == null) {
            password = new byte[0];
            ticketExpiry = 0;
            return 0;
        }
        if (passwd.length > MAX_PASSWORD_LENGTH) {
            LOG.warn("spice_server_set_ticket: password longer than {} bytes refused", MAX_PASSWORD_LENGTH);
            return -1;
        }
        password = passwd.clone();
        return 0;
    }

    public int setTls(int value, TlsFiles files) {
        if (value == 0 || files.caCertFile() == null || files.certsFile() == null || files.privateKeyFile() == null) {
            LOG.warn("spice_server_set_tls: port and CA, certificate and key files are required");
            return -1;
        }
        if (value < 0 || value > 0xffff) {
            LOG.warn("spice_server_set_tls: port {} out of range", value);
            return -1;
        }
        tlsPort = value;
        tls = files;
        return 0;
    }

    public int setImageCompression(int value) {
        if (value < IMAGE_COMPRESSION_OFF || value > IMAGE_COMPRESSION_LZ4) {
            LOG.warn("spice_server_set_image_compression: invalid value {} ignored", value);
            return 0; // the reference logs, keeps the old value and still returns 0
        }
        imageCompression = value;
        return 0;
    }

    public int setJpegCompression(int value) {
        if (value == WAN_COMPRESSION_INVALID) {
            LOG.warn("spice_server_set_jpeg_compression: invalid state");
            return -1;
        }
        jpegCompression = value;
        return 0;
    }

    public int setZlibGlzCompression(int value) {
        if (value == WAN_COMPRESSION_INVALID) {
            LOG.warn("spice_server_set_zlib_glz_compression: invalid state");
            return -1;
        }
        zlibGlzCompression = value;
        return 0;
    }

    public int setStreamingVideo(int value) {
        if (value != STREAM_VIDEO_OFF && value != STREAM_VIDEO_ALL && value != STREAM_VIDEO_FILTER) {
            LOG.warn("spice_server_set_streaming_video: invalid value {}", value);
            return -1;
        }
        streamingVideo = value;
        return 0;
    }

    public int setVideoCodecs(String spec) {
        if (spec == null) {
            LOG.warn("spice_server_set_video_codecs: NULL list");
            return -1;
        }
        VideoCodecs.Parsed parsed = VideoCodecs.parse(spec);
        if (parsed.invalid() > 0) {
            LOG.warn("spice_server_set_video_codecs: {} invalid entries in '{}'", parsed.invalid(), spec);
        }
        if (parsed.codecs().isEmpty()) {
            LOG.warn("spice_server_set_video_codecs: no usable codec in '{}'", spec);
            return -1;
        }
        videoCodecs = parsed.codecs();
        return 0;
    }

    public int setPlaybackCompression(boolean value) {
        playbackCompression = value;
        return 0;
    }

    public int setAgentMouse(boolean value) {
        agentMouse = value;
        return 0;
    }

    public int setAgentCopyPaste(boolean value) {
        agentCopyPaste = value;
        return 0;
    }

    public int setAgentFileTransfer(boolean value) {
        agentFileTransfer = value;
        return 0;
    }

    public void setSeamlessMigration(boolean value) {
        seamlessMigration = value;
    }

    public int setChannelSecurity(String channel, int security) {
        if (channel == null) {
            defaultChannelSecurity = security;
            return 0;
        }
        int type = channel.isEmpty() ? -1 : CHANNEL_NAMES.indexOf(channel);
        if (type < 0) {
            LOG.warn("spice_server_set_channel_security: unknown channel '{}'", channel);
            return -1;
        }
        channelSecurity.put(type, security);
        return 0;
    }

    public int addRenderer(String renderer) {
        if (!"sw".equals(renderer) || renderers >= 1) {
            LOG.warn("spice_server_add_renderer: renderer '{}' refused", renderer);
            return -1;
        }
        renderers++;
        return 0;
    }

    /** Defaults applied at spice_server_init when the host chose none. */
    void applyInitDefaults() {
        if (renderers == 0) {
            renderers = 1;
        }
        if (videoCodecs.isEmpty()) {
            videoCodecs = VideoCodecs.parse(VideoCodecs.DEFAULT).codecs();
        }
    }

    public int port() {
        return port;
    }

    public int tlsPort() {
        return tlsPort;
    }

    public String address() {
        return address;
    }

    public int family() {
        return family;
    }

    public int listenFd() {
        return listenFd;
    }

    public boolean exitOnDisconnect() {
        return exitOnDisconnect;
    }

    public boolean ticketing() {
        return ticketing;
    }

    public byte[] password() {
        return password.clone();
    }

    /** Seconds on the config's clock after which the ticket is refused. */
    public long ticketExpiry() {
        return ticketExpiry;
    }

    public long nowSeconds() {
        return clockSeconds.getAsLong();
    }

    public boolean sasl() {
        return sasl;
    }

    public String saslAppName() {
        return saslAppName;
    }

    public String name() {
        return name;
    }

    public byte[] uuid() {
        return uuid == null ? null : uuid.clone();
    }

    public TlsFiles tls() {
        return tls;
    }

    public int imageCompression() {
        return imageCompression;
    }

    public int jpegCompression() {
        return jpegCompression;
    }

    public int zlibGlzCompression() {
        return zlibGlzCompression;
    }

    public int streamingVideo() {
        return streamingVideo;
    }

    public List<VideoCodecs.Codec> videoCodecs() {
        return videoCodecs;
    }

    public boolean playbackCompression() {
        return playbackCompression;
    }

    public boolean agentMouse() {
        return agentMouse;
    }

    public boolean agentCopyPaste() {
        return agentCopyPaste;
    }

    public boolean agentFileTransfer() {
        return agentFileTransfer;
    }

    public boolean seamlessMigration() {
        return seamlessMigration;
    }

    /** SPICE_CHANNEL_SECURITY_* bits required for a channel type. */
    public int channelSecurity(int channelType) {
        return channelSecurity.getOrDefault(channelType, defaultChannelSecurity);
    }
}
