package org.spicejava.ffi;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.audio.PlaybackChannel;
import org.spicejava.core.audio.RecordChannel;
import org.spicejava.core.audio.SoundChannel;
import org.spicejava.core.audio.SoundProtocol;
import org.spicejava.core.chardev.CharDeviceState;
import org.spicejava.core.compress.Lz4Codecs;
import org.spicejava.core.device.DeviceKind;
import org.spicejava.core.device.Keyboard;
import org.spicejava.core.device.MigrationDevice;
import org.spicejava.core.device.Mouse;
import org.spicejava.core.device.QxlDevice;
import org.spicejava.core.device.Tablet;
import org.spicejava.core.display.DisplayWarmUp;
import org.spicejava.core.display.Memslots;
import org.spicejava.core.display.PrimarySurface;
import org.spicejava.core.display.QxlControl;
import org.spicejava.core.display.draw.Rect;
import org.spicejava.core.net.tls.TlsFiles;
import org.spicejava.core.server.ServerConfig;
import org.spicejava.core.server.SpiceServer;
import org.spicejava.core.server.VideoCodecs;
import org.spicejava.core.session.Sessions;
import org.spicejava.ffi.layout.Pointers;
import org.spicejava.ffi.layout.QXLCommand;
import org.spicejava.ffi.layout.QXLCommandExt;
import org.spicejava.ffi.layout.QXLDevMemSlot;
import org.spicejava.ffi.layout.QXLDevSurfaceCreate;
import org.spicejava.ffi.layout.SpiceBaseInstance;
import org.spicejava.ffi.layout.SpiceBaseInterface;
import org.spicejava.ffi.layout.SpiceCharDeviceInstance;
import org.spicejava.ffi.layout.SpiceCoreInterface;

/**
 * The Java side of every libspice-server.so.1 export, one public static method per C function with the C name and
 * a signature that follows the C prototype (pointers as MemorySegment, uint32_t as int, uint64_t as long). Each
 * turns raw pointers into Java values at once and calls the core. The shim reaches them through {@link Bootstrap}'s
 * one upcall and the generated {@link ExportDispatch}, where a Throwable becomes a log line and {@link #errorValue}.
 */
public final class Exports {
    private static final Logger LOG = LoggerFactory.getLogger(Exports.class);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final AddressLayout PTR = ValueLayout.ADDRESS;
    /** Strings returned by spice_server_get_video_codecs, until the host frees them. */
    private static final Map<Long, Arena> RETURNED_STRINGS = new ConcurrentHashMap<>();
    private static final MemorySegment SUBTYPES = subtypesArray();

    private Exports() {
    }

    /** The C value an export returns when its Java side fails. */
    static Object errorValue(String export, Class<?> type) {
        if (type == MemorySegment.class) {
            return MemorySegment.NULL;
        }
        return switch (export) {
            case "spice_server_get_num_clients", "spice_server_kbd_leds", "spice_server_record_get_samples",
                 "spice_server_get_image_compression", "spice_get_current_compat_version" -> 0;
            case "spice_server_is_server_mouse" -> 1;
            case "spice_server_get_best_playback_rate", "spice_server_get_best_record_rate" -> SoundProtocol.OPUS_RATE;
            default -> -1;
        };
    }

    private static SpiceServer server(MemorySegment s) {
        return Handles.server(s).server();
    }

    private static ServerConfig config(MemorySegment s) {
        return server(s).config();
    }

    private static MemorySegment subtypesArray() {
        var names = CharDeviceState.RECOGNIZED_SUBTYPES;
        MemorySegment array = Arena.global().allocate(PTR, names.size() + 1L);
        for (int i = 0; i < names.size(); i++) {
            Pointers.set(array, (long) i * PTR.byteSize(), Arena.global().allocateFrom(names.get(i)));
        }
        Pointers.set(array, names.size() * PTR.byteSize(), MemorySegment.NULL);
        return array;
    }

    // ---- server lifetime ----

    public static MemorySegment spice_server_new() {
        return Handles.newServer();
    }

    public static int spice_server_init(MemorySegment s, MemorySegment core) {
        if (core.equals(MemorySegment.NULL)) {
            LOG.warn("spice_server_init: NULL core interface");
            return -1;
        }
        Handles.ServerBinding binding = Handles.server(s);
        int major = SpiceBaseInterface.major_version(core.reinterpret(SpiceCoreInterface.sizeof()));
        if (major != SpiceServer.CORE_MAJOR) {
            LOG.warn("spice_server_init: core interface major version {} is not {}", major, SpiceServer.CORE_MAJOR);
            return -1;
        }
        HostCoreLoop loop = new HostCoreLoop(core);
        LibcNetwork network = new LibcNetwork();
        LibCrypto.provideTicketKeys(); // before the first keys are made
        Sessions sessions = new Sessions(binding.server(), new NativeChannelEvents(loop.channelEventFunction()));
        binding.server().useJpeg(TurboJpeg.codec()); // bound on first use; without libturbojpeg, no JPEG
        binding.server().useOpus(Opus.codec()); // likewise: without libopus, raw PCM only
        // video codecs beyond MJPEG, each bound when a stream first needs it; a missing library leaves it out
        binding.server().useVideoEncoders(java.util.List.of(LibVpx.vp8(), LibX264.h264(), LibVpx.vp9()));
        Lz4Codecs.use(LibLz4.codec()); // the reference's liblz4, bound on first use; without it, lz4-java
        binding.server().useSasl(CyrusSasl.library()); // loaded only when SASL is on
        binding.server().useTls(OpenSsl.loader()); // libssl, bound when a TLS port is set up
        return binding.server().init(major, loop, network, PollLoop::new, sessions);
    }

    public static void spice_server_destroy(MemorySegment s) {
        Handles.ServerBinding binding = Handles.removeServer(s);
        if (binding == null) {
            LOG.warn("spice_server_destroy: unknown server pointer");
            return;
        }
        binding.server().destroy();
        binding.arena().close();
    }

    public static int spice_server_set_compat_version(MemorySegment s, int version) {
        server(s);
        if (version != ServerConfig.COMPAT_VERSION_CURRENT) {
            LOG.warn("spice_server_set_compat_version: version {} not supported", version);
            return -1;
        }
        return 0;
    }

    public static int spice_get_current_compat_version() {
        return ServerConfig.COMPAT_VERSION_CURRENT;
    }

    // ---- configuration ----

    public static int spice_server_set_port(MemorySegment s, int port) {
        return config(s).setPort(port);
    }

    public static void spice_server_set_addr(MemorySegment s, MemorySegment addr, int flags) {
        config(s).setAddress(Native.string(addr), flags);
    }

    public static int spice_server_set_listen_socket_fd(MemorySegment s, int fd) {
        return config(s).setListenFd(fd);
    }

    public static int spice_server_set_exit_on_disconnect(MemorySegment s, int flag) {
        return config(s).setExitOnDisconnect(flag != 0);
    }

    public static int spice_server_set_noauth(MemorySegment s) {
        return config(s).setNoAuth();
    }

    public static int spice_server_set_sasl(MemorySegment s, int enabled) {
        return config(s).setSasl(enabled != 0);
    }

    public static int spice_server_set_sasl_appname(MemorySegment s, MemorySegment appname) {
        return config(s).setSaslAppName(Native.string(appname));
    }

    public static int spice_server_set_ticket(MemorySegment s, MemorySegment passwd, int lifetime,
                                              int failIfConnected, int disconnectIfConnected) {
        return server(s).setTicket(Native.bytes(passwd), lifetime, failIfConnected != 0, disconnectIfConnected != 0);
    }

    public static int spice_server_set_tls(MemorySegment s, int port, MemorySegment ca, MemorySegment certs,
                                           MemorySegment key, MemorySegment keyPassword, MemorySegment dh,
                                           MemorySegment ciphers) {
        return config(s).setTls(port, new TlsFiles(Native.string(ca), Native.string(certs),
                Native.string(key), Native.string(keyPassword), Native.string(dh), Native.string(ciphers)));
    }

    public static int spice_server_set_image_compression(MemorySegment s, int comp) {
        int rc = config(s).setImageCompression(comp);
        server(s).compressionChanged();
        return rc;
    }

    public static int spice_server_get_image_compression(MemorySegment s) {
        return config(s).imageCompression();
    }

    public static int spice_server_set_jpeg_compression(MemorySegment s, int comp) {
        int rc = config(s).setJpegCompression(comp);
        server(s).wanCompressionChanged();
        return rc;
    }

    public static int spice_server_set_zlib_glz_compression(MemorySegment s, int comp) {
        int rc = config(s).setZlibGlzCompression(comp);
        server(s).wanCompressionChanged();
        return rc;
    }

    public static int spice_server_set_channel_security(MemorySegment s, MemorySegment channel, int security) {
        return config(s).setChannelSecurity(Native.string(channel), security);
    }

    public static int spice_server_set_streaming_video(MemorySegment s, int value) {
        int rc = config(s).setStreamingVideo(value);
        server(s).compressionChanged();
        return rc;
    }

    public static int spice_server_set_video_codecs(MemorySegment s, MemorySegment codecs) {
        int result = config(s).setVideoCodecs(Native.string(codecs));
        server(s).videoCodecsChanged();
        return result;
    }

    public static MemorySegment spice_server_get_video_codecs(MemorySegment s) {
        Arena arena = Arena.ofShared();
        MemorySegment text = arena.allocateFrom(VideoCodecs.format(config(s).videoCodecs()));
        RETURNED_STRINGS.put(text.address(), arena);
        return text;
    }

    public static void spice_server_free_video_codecs(MemorySegment s, MemorySegment codecs) {
        Arena arena = RETURNED_STRINGS.remove(codecs.address());
        if (arena != null) {
            arena.close();
        } else if (!codecs.equals(MemorySegment.NULL)) {
            LOG.warn("spice_server_free_video_codecs: pointer was not returned by spice_server_get_video_codecs");
        }
    }

    public static int spice_server_set_playback_compression(MemorySegment s, int enable) {
        int rc = config(s).setPlaybackCompression(enable != 0);
        server(s).playbackCompressionChanged();
        return rc;
    }

    public static int spice_server_set_agent_mouse(MemorySegment s, int enable) {
        int rc = config(s).setAgentMouse(enable != 0);
        server(s).updateMouseMode();
        return rc;
    }

    public static int spice_server_set_agent_copypaste(MemorySegment s, int enable) {
        int rc = config(s).setAgentCopyPaste(enable != 0);
        server(s).agentPropertiesChanged();
        return rc;
    }

    public static int spice_server_set_agent_file_xfer(MemorySegment s, int enable) {
        int rc = config(s).setAgentFileTransfer(enable != 0);
        server(s).agentPropertiesChanged();
        return rc;
    }

    /** Obsolete in the reference too: always -1. */
    public static int spice_server_get_sock_info(MemorySegment s, MemorySegment sa, MemorySegment salen) {
        return -1;
    }

    /** Obsolete in the reference too: always -1. */
    public static int spice_server_get_peer_info(MemorySegment s, MemorySegment sa, MemorySegment salen) {
        return -1;
    }

    public static int spice_server_is_server_mouse(MemorySegment s) {
        return server(s).isServerMouse() ? 1 : 0;
    }

    public static void spice_server_set_name(MemorySegment s, MemorySegment name) {
        config(s).setName(Native.string(name));
    }

    public static void spice_server_set_uuid(MemorySegment s, MemorySegment uuid) {
        if (uuid.equals(MemorySegment.NULL)) {
            LOG.warn("spice_server_set_uuid: NULL uuid ignored");
            return;
        }
        config(s).setUuid(uuid.reinterpret(16).toArray(ValueLayout.JAVA_BYTE));
    }

    public static void spice_server_set_seamless_migration(MemorySegment s, int enable) {
        config(s).setSeamlessMigration(enable != 0);
    }

    public static void spice_server_vm_start(MemorySegment s) {
        server(s).vmStart();
    }

    public static void spice_server_vm_stop(MemorySegment s) {
        server(s).vmStop();
    }

    public static int spice_server_get_num_clients(MemorySegment s) {
        return s.equals(MemorySegment.NULL) ? 0 : server(s).numClients();
    }

    public static int spice_server_add_client(MemorySegment s, int socket, int skipAuth) {
        return server(s).addClient(socket, skipAuth != 0, false);
    }

    public static int spice_server_add_ssl_client(MemorySegment s, int socket, int skipAuth) {
        return server(s).addClient(socket, skipAuth != 0, true);
    }

    public static int spice_server_add_renderer(MemorySegment s, MemorySegment name) {
        return config(s).addRenderer(Native.string(name));
    }

    public static MemorySegment spice_server_char_device_recognized_subtypes() {
        return SUBTYPES;
    }

    // ---- interfaces ----

    public static int spice_server_add_interface(MemorySegment s, MemorySegment sin) {
        Handles.ServerBinding binding = Handles.server(s);
        SpiceServer server = binding.server();
        if (sin.equals(MemorySegment.NULL)) {
            LOG.warn("spice_server_add_interface: NULL instance");
            return -1;
        }
        MemorySegment instance = sin.reinterpret(SpiceCharDeviceInstance.sizeof()); // the largest instance
        MemorySegment base = Native.sized(SpiceBaseInstance.sif(instance), SpiceBaseInterface.sizeof());
        if (base.equals(MemorySegment.NULL)) {
            LOG.warn("spice_server_add_interface: instance without interface");
            return -1;
        }
        String type = Native.string(SpiceBaseInterface.type(base));
        int major = SpiceBaseInterface.major_version(base);
        int minor = SpiceBaseInterface.minor_version(base);
        var kind = server.kindOf(type);
        if (kind.isEmpty()) {
            LOG.warn("spice_server_add_interface: unknown interface type '{}' ignored", type);
            return 0; // the reference ignores unknown types and reports success
        }
        if (!server.acceptsVersion(kind.get(), major, minor)) {
            return -1;
        }
        return switch (kind.get()) {
            case KEYBOARD -> register(binding, instance, server.addKeyboard(NativeInputs.keyboard(instance)),
                    server.keyboard());
            case MOUSE -> register(binding, instance, server.addMouse(NativeInputs.mouse(instance)), server.mouse());
            case TABLET -> register(binding, instance, server.addTablet(NativeInputs.tablet(instance)), server.tablet());
            case QXL -> {
                QxlControl control = server.addQxl(NativeQxl.id(instance), new NativeQxl(instance),
                        c -> Handles.addDevice(instance, binding, c));
                DisplayWarmUp.scheduleOnce(LibcNetwork::prepareInPlaceCalls);
                yield control == null ? -1 : 0;
            }
            case PLAYBACK -> register(binding, instance, 0, server.addPlayback());
            case RECORD -> register(binding, instance, 0, server.addRecord());
            case CHAR_DEVICE -> {
                String subtype = Native.string(SpiceCharDeviceInstance.subtype(instance));
                String port = Native.string(SpiceCharDeviceInstance.portname(instance));
                server.addCharDevice(subtype, port, new NativeCharDevice(instance))
                        .ifPresent(state -> Handles.addDevice(instance, binding, state));
                yield 0; // the reference reports success even when the subtype is unknown
            }
            case MIGRATION -> {
                MigrationDevice device = NativeMigration.of(instance);
                yield register(binding, instance, server.addMigration(device), device);
            }
        };
    }

    private static int register(Handles.ServerBinding binding, MemorySegment instance, int rc, Object state) {
        if (rc == 0) {
            Handles.addDevice(instance, binding, state);
        }
        return rc;
    }

    public static int spice_server_remove_interface(MemorySegment sin) {
        if (sin.equals(MemorySegment.NULL)) {
            LOG.warn("spice_server_remove_interface: NULL instance");
            return -1;
        }
        Handles.Device device = Handles.device(sin);
        if (device == null) {
            LOG.warn("spice_server_remove_interface: instance was never added");
            return -1;
        }
        SpiceServer server = device.server().server();
        switch (device.state()) {
            case Tablet t -> server.removeTablet(t);
            case QxlControl q -> server.removeQxl(q);
            case CharDeviceState c -> server.removeCharDevice(c);
            case SoundChannel a -> server.removeSound(a);
            default -> {
                // As in the reference: keyboards, mice and migration stay attached for the server's lifetime.
                LOG.warn("spice_server_remove_interface: removing this interface kind is not supported");
                return -1;
            }
        }
        Handles.removeDevice(sin);
        return 0;
    }

    // ---- migration ----

    public static int spice_server_migrate_info(MemorySegment s, MemorySegment dest, int port, int securePort,
                                                MemorySegment certSubject) {
        return server(s).migrateInfo(Native.string(dest), port, securePort, Native.string(certSubject));
    }

    public static int spice_server_migrate_connect(MemorySegment s, MemorySegment dest, int port, int securePort,
                                                   MemorySegment certSubject) {
        return server(s).migrateConnect(Native.string(dest), port, securePort, Native.string(certSubject));
    }

    public static int spice_server_migrate_start(MemorySegment s) {
        return server(s).migrateStart();
    }

    public static int spice_server_migrate_end(MemorySegment s, int completed) {
        return server(s).migrateEnd(completed != 0);
    }

    public static int spice_server_migrate_switch(MemorySegment s) {
        return server(s).migrateSwitch();
    }

    // ---- input devices ----

    public static int spice_server_kbd_leds(MemorySegment sin, int leds) {
        Handles.Device device = Handles.device(sin);
        if (device == null || !(device.state() instanceof Keyboard)) {
            LOG.warn("spice_server_kbd_leds: keyboard instance was never added");
            return 0;
        }
        return device.server().server().kbdLeds(leds);
    }

    // ---- audio ----

    private static <T extends SoundChannel> T sound(MemorySegment sin, Class<T> kind) {
        T channel = Handles.state(sin, kind);
        if (channel == null) {
            throw new IllegalArgumentException(kind.getSimpleName() + " instance was never added");
        }
        return channel;
    }

    private static PlaybackChannel playback(MemorySegment sin) {
        return sound(sin, PlaybackChannel.class);
    }

    private static RecordChannel record(MemorySegment sin) {
        return sound(sin, RecordChannel.class);
    }

    public static void spice_server_playback_start(MemorySegment sin) {
        playback(sin).start();
    }

    public static void spice_server_playback_stop(MemorySegment sin) {
        playback(sin).stop();
    }

    /** A frame of ours to fill, or NULL and 0 with no client to play to, as in the reference. */
    public static void spice_server_playback_get_buffer(MemorySegment sin, MemorySegment samples,
                                                        MemorySegment numSamples) {
        MemorySegment frame = playback(sin).getBuffer();
        Pointers.set(Native.sized(samples, 8), 0, frame == null ? MemorySegment.NULL : frame);
        Native.sized(numSamples, 4).set(INT, 0, frame == null ? 0 : SoundProtocol.FRAME_SAMPLES);
    }

    public static void spice_server_playback_put_samples(MemorySegment sin, MemorySegment samples) {
        playback(sin).putSamples(samples.address());
    }

    public static void spice_server_playback_set_volume(MemorySegment sin, byte channels, MemorySegment volume) {
        playback(sin).setVolume(volumes(channels, volume));
    }

    public static void spice_server_playback_set_mute(MemorySegment sin, byte mute) {
        playback(sin).setMute(mute != 0);
    }

    /** Opus's rate whatever the instance, as the reference (it accepts NULL). */
    public static int spice_server_get_best_playback_rate(MemorySegment sin) {
        return SoundProtocol.OPUS_RATE;
    }

    public static void spice_server_set_playback_rate(MemorySegment sin, int frequency) {
        playback(sin).setRate(frequency);
    }

    public static void spice_server_record_start(MemorySegment sin) {
        record(sin).start();
    }

    public static void spice_server_record_stop(MemorySegment sin) {
        record(sin).stop();
    }

    /** Copies up to bufsize stereo samples (4 bytes each) the client recorded; never more than the ring holds. */
    public static int spice_server_record_get_samples(MemorySegment sin, MemorySegment samples, int bufsize) {
        RecordChannel channel = record(sin);
        if (samples.equals(MemorySegment.NULL)) {
            return 0;
        }
        int max = (int) Math.min(Integer.toUnsignedLong(bufsize), RecordChannel.RING_SAMPLES);
        return channel.getSamples(Native.sized(samples, 4L * max), max);
    }

    public static void spice_server_record_set_volume(MemorySegment sin, byte channels, MemorySegment volume) {
        record(sin).setVolume(volumes(channels, volume));
    }

    public static void spice_server_record_set_mute(MemorySegment sin, byte mute) {
        record(sin).setMute(mute != 0);
    }

    public static int spice_server_get_best_record_rate(MemorySegment sin) {
        return SoundProtocol.OPUS_RATE;
    }

    public static void spice_server_set_record_rate(MemorySegment sin, int frequency) {
        record(sin).setRate(frequency);
    }

    private static short[] volumes(byte channels, MemorySegment volume) {
        int n = Byte.toUnsignedInt(channels);
        if (n == 0 || volume.equals(MemorySegment.NULL)) {
            return new short[0];
        }
        return volume.reinterpret(2L * n).toArray(ValueLayout.JAVA_SHORT);
    }

    // ---- char devices ----

    private static CharDeviceState charDevice(MemorySegment sin) {
        CharDeviceState state = Handles.state(sin, CharDeviceState.class);
        if (state == null) {
            throw new IllegalArgumentException("char device instance was never added");
        }
        return state;
    }

    public static void spice_server_char_device_wakeup(MemorySegment sin) {
        charDevice(sin).wakeup();
    }

    public static void spice_server_port_event(MemorySegment sin, byte event) {
        if (!charDevice(sin).portEvent(Byte.toUnsignedInt(event))) {
            LOG.warn("spice_server_port_event: unknown event {}", Byte.toUnsignedInt(event));
        }
    }

    // ---- QXL ----

    /** sizeof(QXLRect). */
    private static final long QXL_RECT_BYTES = 16;
    /** Saved commands we replay at most (QEMU saves the surfaces and the cursor: a few thousand at worst). */
    private static final long MAX_LOADVM_COMMANDS = 65536;
    /** Dirty rectangles we fill at most (QEMU passes 32). */
    private static final long MAX_DIRTY_RECTS = 1024;

    private static QxlControl qxl(MemorySegment instance) {
        QxlControl control = Handles.state(instance, QxlControl.class);
        if (control == null) {
            throw new IllegalArgumentException("QXL instance was never added");
        }
        return control;
    }

    public static void spice_qxl_wakeup(MemorySegment instance) {
        qxl(instance).wakeup();
    }

    public static void spice_qxl_oom(MemorySegment instance) {
        qxl(instance).oom();
    }

    public static void spice_qxl_start(MemorySegment instance) {
        qxl(instance).start();
    }

    public static void spice_qxl_stop(MemorySegment instance) {
        qxl(instance).stop();
    }

    public static void spice_qxl_update_area(MemorySegment instance, int surfaceId, MemorySegment area,
                                             MemorySegment dirtyRects, int numDirtyRects, int clearDirtyRegion) {
        long count = Math.min(Integer.toUnsignedLong(numDirtyRects), MAX_DIRTY_RECTS);
        List<Rect> dirty = qxl(instance).updateArea(surfaceId, rect(area), (int) count, clearDirtyRegion != 0);
        if (count != 0 && !dirtyRects.equals(MemorySegment.NULL)) {
            // QXLRect[num_dirty_rects]: the dirty rectangles first, the rest zeroed, as the reference fills it.
            MemorySegment out = Native.sized(dirtyRects, count * QXL_RECT_BYTES);
            out.fill((byte) 0);
            for (int i = 0; i < dirty.size() && i < count; i++) {
                Rect r = dirty.get(i);
                MemorySegment.copy(new int[] {r.top(), r.left(), r.bottom(), r.right()}, 0, out,
                        ValueLayout.JAVA_INT, i * QXL_RECT_BYTES, 4);
            }
        }
    }

    /** QXLRect (i32 top, left, bottom, right) from the host, or an empty one for NULL. */
    private static Rect rect(MemorySegment area) {
        if (area.equals(MemorySegment.NULL)) {
            return Rect.EMPTY;
        }
        MemorySegment r = area.reinterpret(QXL_RECT_BYTES);
        return new Rect(r.get(ValueLayout.JAVA_INT, 0), r.get(ValueLayout.JAVA_INT, 4), r.get(ValueLayout.JAVA_INT, 8),
                r.get(ValueLayout.JAVA_INT, 12));
    }

    private static Memslots.Slot slot(MemorySegment s) {
        return new Memslots.Slot(QXLDevMemSlot.virt_start(s), QXLDevMemSlot.virt_end(s), QXLDevMemSlot.addr_delta(s),
                QXLDevMemSlot.generation(s));
    }

    public static void spice_qxl_add_memslot(MemorySegment instance, MemorySegment slot) {
        MemorySegment s = slot.reinterpret(QXLDevMemSlot.sizeof());
        qxl(instance).addMemslot(QXLDevMemSlot.slot_group_id(s), QXLDevMemSlot.slot_id(s), slot(s));
    }

    public static void spice_qxl_add_memslot_async(MemorySegment instance, MemorySegment slot, long cookie) {
        MemorySegment s = slot.reinterpret(QXLDevMemSlot.sizeof());
        qxl(instance).addMemslotAsync(QXLDevMemSlot.slot_group_id(s), QXLDevMemSlot.slot_id(s), slot(s), cookie);
    }

    public static void spice_qxl_del_memslot(MemorySegment instance, int group, int slot) {
        qxl(instance).deleteMemslot(group, slot);
    }

    public static void spice_qxl_reset_memslots(MemorySegment instance) {
        qxl(instance).resetMemslots();
    }

    public static void spice_qxl_destroy_surfaces(MemorySegment instance) {
        qxl(instance).destroySurfaces();
    }

    public static void spice_qxl_destroy_surfaces_async(MemorySegment instance, long cookie) {
        qxl(instance).destroySurfacesAsync(cookie);
    }

    public static void spice_qxl_destroy_primary_surface(MemorySegment instance, int surfaceId) {
        qxl(instance).destroyPrimary(surfaceId);
    }

    public static void spice_qxl_destroy_primary_surface_async(MemorySegment instance, int surfaceId, long cookie) {
        qxl(instance).destroyPrimaryAsync(surfaceId, cookie);
    }

    private static PrimarySurface surface(MemorySegment create) {
        MemorySegment c = create.reinterpret(QXLDevSurfaceCreate.sizeof());
        return new PrimarySurface(QXLDevSurfaceCreate.width(c), QXLDevSurfaceCreate.height(c),
                QXLDevSurfaceCreate.stride(c), QXLDevSurfaceCreate.format(c), QXLDevSurfaceCreate.position(c),
                QXLDevSurfaceCreate.mouse_mode(c), QXLDevSurfaceCreate.flags(c), QXLDevSurfaceCreate.type(c),
                QXLDevSurfaceCreate.mem(c), QXLDevSurfaceCreate.group_id(c));
    }

    public static void spice_qxl_create_primary_surface(MemorySegment instance, int surfaceId, MemorySegment create) {
        qxl(instance).createPrimary(surfaceId, surface(create));
    }

    public static void spice_qxl_create_primary_surface_async(MemorySegment instance, int surfaceId,
                                                              MemorySegment create, long cookie) {
        qxl(instance).createPrimaryAsync(surfaceId, surface(create), cookie);
    }

    public static void spice_qxl_reset_image_cache(MemorySegment instance) {
        qxl(instance).resetImageCache();
    }

    public static void spice_qxl_reset_cursor(MemorySegment instance) {
        qxl(instance).resetCursor();
    }

    public static void spice_qxl_destroy_surface_wait(MemorySegment instance, int surfaceId) {
        qxl(instance).destroySurfaceWait(surfaceId);
    }

    public static void spice_qxl_destroy_surface_async(MemorySegment instance, int surfaceId, long cookie) {
        qxl(instance).destroySurfaceAsync(surfaceId, cookie);
    }

    /** Commands saved with a VM (surface creates, cursor commands) are replayed as if taken from the rings. */
    public static void spice_qxl_loadvm_commands(MemorySegment instance, MemorySegment ext, int count) {
        QxlControl control = qxl(instance);
        long n = Integer.toUnsignedLong(count);
        if (n > MAX_LOADVM_COMMANDS || (n > 0 && ext.equals(MemorySegment.NULL))) {
            LOG.warn("spice_qxl_loadvm_commands: {} commands refused", n);
            return;
        }
        MemorySegment all = Native.sized(ext, n * QXLCommandExt.sizeof());
        List<QxlDevice.Command> commands = new java.util.ArrayList<>();
        for (long i = 0; i < n; i++) {
            MemorySegment e = all.asSlice(i * QXLCommandExt.sizeof(), QXLCommandExt.sizeof());
            MemorySegment cmd = QXLCommandExt.cmd(e);
            commands.add(new QxlDevice.Command(QXLCommand.data(cmd), QXLCommand.type(cmd), QXLCommandExt.group_id(e),
                    QXLCommandExt.flags(e)));
        }
        control.loadvmCommands(commands);
    }

    public static void spice_qxl_update_area_async(MemorySegment instance, int surfaceId, MemorySegment area,
                                                   int clearDirtyRegion, long cookie) {
        qxl(instance).updateAreaAsync(surfaceId, rect(area), clearDirtyRegion != 0, cookie);
    }

    public static void spice_qxl_flush_surfaces_async(MemorySegment instance, long cookie) {
        qxl(instance).flushSurfacesAsync(cookie);
    }

    public static void spice_qxl_monitors_config_async(MemorySegment instance, long monitorsConfig, int groupId,
                                                       long cookie) {
        qxl(instance).monitorsConfigAsync(monitorsConfig, groupId, cookie);
    }

    public static void spice_qxl_driver_unload(MemorySegment instance) {
        qxl(instance).driverUnload();
    }

    public static void spice_qxl_set_max_monitors(MemorySegment instance, int maxMonitors) {
        qxl(instance).setMaxMonitors(maxMonitors);
    }

    public static void spice_qxl_set_device_info(MemorySegment instance, MemorySegment address, int idStart,
                                                 int idCount) {
        qxl(instance).setDeviceInfo(Native.string(address), idStart, idCount);
    }

    /** GL scanout needs a local GL renderer we do not have: refused cleanly, the fd stays the host's. */
    public static void spice_qxl_gl_scanout(MemorySegment instance, int fd, int width, int height, int stride,
                                            int format, int y0Top) {
        qxl(instance);
        LOG.warn("spice_qxl_gl_scanout: GL scanout is not supported; use a non-GL display (gl=off)");
    }

    /** Completes at once so the host never waits on a draw we cannot show. */
    public static void spice_qxl_gl_draw_async(MemorySegment instance, int x, int y, int w, int h, long cookie) {
        QxlControl control = qxl(instance);
        LOG.warn("spice_qxl_gl_draw_async: GL scanout is not supported; completing cookie {}", cookie);
        control.worker().async(cookie, () -> { });
    }

    // ---- replay ----

    /** Recorded command streams (SPICE_WORKER_RECORD_FILENAME) are not supported: NULL, as for an unreadable file. */
    public static MemorySegment spice_replay_new(MemorySegment file, int nsurfaces) {
        LOG.warn("spice_replay_new: replaying recorded QXL streams is not supported");
        return MemorySegment.NULL;
    }

    public static void spice_replay_free(MemorySegment replay) {
        if (!replay.equals(MemorySegment.NULL)) {
            LOG.warn("spice_replay_free: unknown replay handle");
        }
    }

    public static MemorySegment spice_replay_next_cmd(MemorySegment replay, MemorySegment instance) {
        return MemorySegment.NULL;
    }

    public static void spice_replay_free_cmd(MemorySegment replay, MemorySegment cmd) {
        if (!cmd.equals(MemorySegment.NULL)) {
            LOG.warn("spice_replay_free_cmd: unknown command");
        }
    }
}
