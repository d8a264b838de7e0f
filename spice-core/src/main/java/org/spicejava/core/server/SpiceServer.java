package org.spicejava.core.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.agent.AgentDevice;
import org.spicejava.core.agent.GraphicsDeviceInfo;
import org.spicejava.core.audio.OpusCodec;
import org.spicejava.core.audio.PlaybackChannel;
import org.spicejava.core.audio.RecordChannel;
import org.spicejava.core.audio.SoundChannel;
import org.spicejava.core.chardev.CharDeviceHost;
import org.spicejava.core.chardev.CharDeviceState;
import org.spicejava.core.compress.JpegEncoder;
import org.spicejava.core.compress.VideoEncoder;
import org.spicejava.core.device.DeviceKind;
import org.spicejava.core.device.Keyboard;
import org.spicejava.core.device.MigrationDevice;
import org.spicejava.core.device.Mouse;
import org.spicejava.core.device.QxlDevice;
import org.spicejava.core.device.Tablet;
import org.spicejava.core.display.DisplayWorker;
import org.spicejava.core.display.QxlControl;
import org.spicejava.core.host.EventLoop;
import org.spicejava.core.host.MainDispatcher;
import org.spicejava.core.host.NetworkStack;
import org.spicejava.core.host.WorkerLoop;
import org.spicejava.core.migration.MigrationTarget;
import org.spicejava.core.migration.SourceMigration;
import org.spicejava.core.net.tls.JsseTls;
import org.spicejava.core.net.tls.TlsServer;
import org.spicejava.core.net.tls.TlsSetupException;
import org.spicejava.core.sasl.SaslLibrary;
import org.spicejava.core.sasl.SaslLinks;
import org.spicejava.core.vmc.VmcDevices;

/**
 * One SPICE server (the reference's RedsState), the facade behind every spice_server_* export. Configuration,
 * init and interface registration happen on the host's main-loop thread; so do the watch and timer callbacks.
 */
public final class SpiceServer {
    private static final Logger LOG = LoggerFactory.getLogger(SpiceServer.class);
    /** SPICE_INTERFACE_CORE_MAJOR. */
    public static final int CORE_MAJOR = 1;
    /** SPICE_MOUSE_MODE_SERVER / _CLIENT. */
    public static final int MOUSE_MODE_SERVER = 1;
    public static final int MOUSE_MODE_CLIENT = 2;

    /** What accepts a connected client socket: the session layer. */
    public interface ClientAcceptor {
        /** {@code tls}: the socket came in on the TLS port (or add_ssl_client) and speaks TLS from its first byte. */
        void adopt(int fd, boolean skipAuth, boolean tls);

        int clientCount();

        /** Closes every client connection. */
        void disconnectAll();

        /** The connected clients' main channels, for a migration of the VM to another host. */
        default List<? extends SourceMigration.Client> migrationClients() {
            return List.of();
        }

        /** Several clients may share the VM (no seamless migration then, as the reference). */
        default boolean sharesClients() {
            return false;
        }

        /** The server listens from now on (spice_server_init); main-loop thread. */
        default void serving() {
        }

        /** spice_server_destroy: whatever {@link #serving} set going stops; main-loop thread. */
        default void stopServing() {
        }
    }

    private final ServerConfig config = new ServerConfig(() -> System.nanoTime() / 1_000_000_000L);
    private final List<QxlControl> displays = new ArrayList<>();
    private volatile MainDispatcher mainDispatcher;
    private final List<CharDeviceState> charDevices = new ArrayList<>();
    /** The usbredir, port and smartcard devices and their channels. */
    private final VmcDevices vmc = new VmcDevices(this::onMainLoop, () -> this.loop);
    /** Playback and record instances; clients link the first of each kind, as the reference's channel id 0. */
    private final List<SoundChannel> soundChannels = new CopyOnWriteArrayList<>();
    private EventLoop loop;
    private NetworkStack network;
    private ClientAcceptor clients;
    private WorkerLoop.Factory workerLoops;
    private int listenFd = -1;
    private EventLoop.Watch listenWatch;
    private int tlsListenFd = -1;
    private EventLoop.Watch tlsListenWatch;
    /** The TLS set-up from spice_server_set_tls, loaded at init; null without a TLS port. */
    private TlsServer tls;
    /** Who loads the TLS files: OpenSSL when the host binds it, else the JDK's JSSE. */
    private TlsServer.Loader tlsLoader = JsseTls::load;
    private boolean initialized;
    private volatile boolean vmRunning;
    /** spice_server_vm_start was called; tasks waiting for it (see {@link #afterVmStarted}). */
    private boolean vmStarted;
    private final List<Runnable> afterVmStart = new ArrayList<>();
    static final long VM_START_WAIT_MS = 3000;
    private volatile int mouseMode = MOUSE_MODE_SERVER;
    /**
     * Each display's primary surface as the pointer needs it, by QXL id (QEMU numbers its devices in the order it
     * adds them, the order the reference walks them); a display without a primary has no entry. Main-loop thread.
     */
    private final SortedMap<Integer, Primary> primaries = new TreeMap<>();
    private boolean displayAllowsClientMouse;
    private boolean lastClientMouseAllowed;
    private Runnable mouseModeListener = () -> { };
    private Keyboard keyboard;
    private Mouse mouse;
    private Tablet tablet;
    private MigrationDevice migration;
    /** Moving clients to where the VM migrates (spice_server_migrate_*); its timer is made on the main loop. */
    private final SourceMigration sourceMigration = new SourceMigration(task -> loop.newTimer(task),
            () -> clients == null ? List.of() : clients.migrationClients(), () -> migration,
            () -> config.seamlessMigration() && (clients == null || !clients.sharesClients()));
    private CharDeviceState agent;
    private volatile AgentDevice agentDevice;
    private final Map<QxlControl, QxlDevice> qxlDevices = new LinkedHashMap<>();
    /** The host's JPEG codec (spice-ffi: libturbojpeg), or null: JPEG is then never offered. */
    private JpegEncoder.Factory jpegCodec;
    private List<VideoEncoder.Factory> videoEncoders = List.of();
    private OpusCodec opusCodec;
    /** The host's SASL (spice-ffi: Cyrus SASL), or null: SASL links are then refused. */
    private SaslLibrary sasl;
    /** The host's main-loop thread: the one that called spice_server_init. */
    private volatile Thread mainThread;

    public ServerConfig config() {
        return config;
    }

    public EventLoop loop() {
        return loop;
    }

    /** Runs work from display workers on the main-loop thread; null before init. */
    public MainDispatcher mainDispatcher() {
        return mainDispatcher;
    }

    public NetworkStack network() {
        return network;
    }

    /**
     * spice_server_init: checks the core interface version, applies defaults and opens the listening socket
     * through the host's watches. Returns 0 or -1 as the reference does.
     */
    public int init(int coreMajor, EventLoop hostLoop, NetworkStack net, WorkerLoop.Factory workerLoops,
                    ClientAcceptor acceptor) {
        if (coreMajor != CORE_MAJOR) {
            LOG.warn("spice_server_init: core interface major version {} is not {}", coreMajor, CORE_MAJOR);
            return -1;
        }
        if (initialized) {
            LOG.warn("spice_server_init: already initialized");
            return -1;
        }
        this.loop = hostLoop;
        this.network = net;
        this.clients = acceptor;
        this.workerLoops = workerLoops;
        this.mainThread = Thread.currentThread();
        config.applyInitDefaults();
        if (config.sasl() && !SaslLinks.init(sasl, config.saslAppName())) {
            LOG.warn("spice_server_init: SASL is enabled but cannot be used");
            return -1;
        }
        vmRunning = true; // the reference starts "running" for hosts that never call vm_start
        if (config.tlsPort() != -1) {
            try {
                tls = tlsLoader.load(config.tls());
            } catch (TlsSetupException e) {
                LOG.warn("spice_server_init: TLS set-up failed: {}", e.getMessage());
                return -1;
            }
        }
        try {
            openListener();
            mainDispatcher = new MainDispatcher(hostLoop, net);
        } catch (IOException e) {
            LOG.warn("spice_server_init: failed to open SPICE sockets: {}", e.getMessage());
            closeListener();
            return -1;
        }
        initialized = true;
        acceptor.serving();
        return 0;
    }

    /**
     * The JPEG codec display workers open their encoders from; set by the host before it adds QXL devices. Without
     * one, images never go lossy and everything else works. Main-loop thread.
     */
    public void useJpeg(JpegEncoder.Factory codec) {
        jpegCodec = codec;
    }

    /** Video encoders beyond MJPEG (VP8, H.264, VP9) that display workers may open; set before QXL devices. */
    public void useVideoEncoders(List<VideoEncoder.Factory> factories) {
        videoEncoders = List.copyOf(factories);
    }

    /** spice_server_set_video_codecs changed the server's codec order: workers use it for new streams. */
    public void videoCodecsChanged() {
        List<Integer> order = videoCodecOrder();
        displays.forEach(d -> d.worker().setVideoCodecs(order));
    }

    /**
     * The configured codecs as codec types, first occurrence of each, in the configured order. The "spice" encoder
     * only makes MJPEG (the reference accepts "spice:vp8" and never opens it); "gstreamer" names any codec, which
     * ours encodes with its own bindings.
     */
    List<Integer> videoCodecOrder() {
        return config.videoCodecs().stream()
                .filter(c -> !c.encoder().equals("spice") || c.codec().equals("mjpeg"))
                .map(c -> VideoEncoder.codecType(c.codec())).filter(t -> t > 0).distinct().toList();
    }

    /** The TLS implementation the TLS port serves with; set by the host before init. */
    public void useTls(TlsServer.Loader loader) {
        tlsLoader = loader;
    }

    /** The SASL implementation links authenticate with when SASL is enabled; set by the host before init. */
    public void useSasl(SaslLibrary library) {
        sasl = library;
    }

    public SaslLibrary sasl() {
        return sasl;
    }

    private void openListener() throws IOException {
        if (config.port() != -1 || config.family() == NetworkStack.FAMILY_UNIX) {
            listenFd = network.listen(config.address(), config.port(), config.family());
        } else if (config.listenFd() != -1) {
            listenFd = config.listenFd();
        }
        if (listenFd != -1) {
            listenWatch = loop.newWatch(listenFd, EventLoop.READ, events -> acceptPending(listenFd, false));
        }
        if (config.tlsPort() != -1) {
            tlsListenFd = network.listen(config.address(), config.tlsPort(), config.family());
            tlsListenWatch = loop.newWatch(tlsListenFd, EventLoop.READ, events -> acceptPending(tlsListenFd, true));
        }
    }

    private void acceptPending(int fd, boolean secure) {
        try {
            int client = network.accept(fd);
            if (client >= 0) {
                clients.adopt(client, false, secure);
            }
        } catch (IOException e) {
            LOG.warn("accept failed: {}", e.getMessage());
        }
    }

    /** The TLS set-up clients on the TLS port get; null when there is none. */
    public TlsServer tls() {
        return tls;
    }

    private void closeListener() {
        if (listenWatch != null) {
            listenWatch.remove();
            listenWatch = null;
        }
        if (listenFd != -1 && listenFd != config.listenFd()) {
            network.close(listenFd);
        }
        listenFd = -1;
        if (tlsListenWatch != null) {
            tlsListenWatch.remove();
            tlsListenWatch = null;
        }
        if (tlsListenFd != -1) {
            network.close(tlsListenFd);
            tlsListenFd = -1;
        }
    }

    /** spice_server_destroy: closes sockets, clients and display workers, then the dispatcher they post to. */
    public void destroy() {
        if (clients != null) {
            clients.disconnectAll();
            clients.stopServing();
        }
        closeListener();
        if (tls != null) {
            tls.close();
            tls = null;
        }
        for (QxlControl display : displays) {
            display.worker().close();
        }
        displays.clear();
        if (mainDispatcher != null) {
            mainDispatcher.close();
            mainDispatcher = null;
        }
        charDevices.clear();
        initialized = false;
    }

    /** spice_server_add_client / add_ssl_client: a socket the host accepted itself. */
    public int addClient(int fd, boolean skipAuth, boolean tls) {
        if (!initialized) {
            LOG.warn("spice_server_add_client: server not initialized");
            return -1;
        }
        if (tls && this.tls == null) {
            LOG.warn("spice_server_add_ssl_client: no TLS set-up (spice_server_set_tls)");
            return -1;
        }
        try {
            network.setNonBlocking(fd);
        } catch (IOException e) {
            LOG.warn("spice_server_add_client: fd {} unusable: {}", fd, e.getMessage());
            return -1;
        }
        clients.adopt(fd, skipAuth, tls);
        return 0;
    }

    public int numClients() {
        return clients == null ? 0 : clients.clientCount();
    }

    /** spice_server_set_ticket with the reference's policy for connected clients. */
    public int setTicket(byte[] password, int lifetime, boolean failIfConnected, boolean disconnectIfConnected) {
        if (numClients() > 0) {
            if (failIfConnected) {
                LOG.warn("spice_server_set_ticket: a client is connected and fail_if_connected is set");
                return -1;
            }
            if (disconnectIfConnected) {
                clients.disconnectAll();
            }
        }
        return config.setTicket(password, lifetime);
    }

    /** The kind named by a base interface, or empty for a type string we do not know. */
    public Optional<DeviceKind> kindOf(String type) {
        return Optional.ofNullable(type).flatMap(DeviceKind::ofType);
    }

    /** Checks the version of an interface the host is adding; logs and returns false when refused. */
    public boolean acceptsVersion(DeviceKind kind, int major, int minor) {
        if (!kind.accepts(major, minor)) {
            LOG.warn("spice_server_add_interface: unsupported {} interface version {}.{} (server has {}.{})",
                    kind.type(), major, minor, kind.major(), kind.minor());
            return false;
        }
        return true;
    }

    public int addKeyboard(Keyboard device) {
        if (keyboard != null) {
            LOG.warn("spice_server_add_interface: a keyboard is already attached");
            return -1;
        }
        keyboard = device;
        return 0;
    }

    public int addMouse(Mouse device) {
        if (mouse != null) {
            LOG.warn("spice_server_add_interface: a mouse is already attached");
            return -1;
        }
        mouse = device;
        return 0;
    }

    public int addTablet(Tablet device) {
        if (tablet != null) {
            LOG.warn("spice_server_add_interface: a tablet is already attached");
            return -1;
        }
        tablet = device;
        updateMouseMode();
        return 0;
    }

    /**
     * Adds a QXL device; returns null (refused) for a negative or duplicate id. {@code beforeStart} sees the
     * control before the worker starts, because the host may call spice_qxl_* from inside attache_worker.
     */
    public QxlControl addQxl(int id, QxlDevice device, Consumer<QxlControl> beforeStart) {
        if (id < 0) {
            LOG.warn("spice_server_add_interface: invalid QXL id {}", id);
            return null;
        }
        if (displays.stream().anyMatch(d -> d.id() == id)) {
            LOG.warn("spice_server_add_interface: QXL id {} already allocated", id);
            return null;
        }
        if (workerLoops == null) {
            LOG.warn("spice_server_add_interface: QXL added before spice_server_init");
            return null;
        }
        DisplayWorker worker = new DisplayWorker(id, device, workerLoops.create("spice-display-" + id));
        QxlControl control = new QxlControl(id, worker);
        control.onPrimaryChange((w, h, clientMouse) -> {
            if (mainDispatcher != null) {
                mainDispatcher.execute(() -> primarySurfaceChanged(id, w, h, clientMouse));
            }
        });
        control.onDeviceInfoChange(() -> onMainLoop(() -> {
            if (agentDevice != null) {
                agentDevice.deviceInfoChanged();
            }
        }));
        displays.add(control);
        qxlDevices.put(control, device);
        updateMouseMode();
        beforeStart.accept(control);
        worker.useJpeg(jpegCodec);
        worker.useVideoEncoders(videoEncoders);
        worker.start(compressionLevel());
        worker.setImageCompression(config.imageCompression());
        worker.setWanCompression(config.jpegCompression(), config.zlibGlzCompression());
        worker.setStreamingVideo(config.streamingVideo());
        worker.setVideoCodecs(videoCodecOrder());
        if (vmRunning) {
            control.start();
        }
        return control;
    }

    public int addMigration(MigrationDevice device) {
        if (migration != null) {
            LOG.warn("spice_server_add_interface: migration interface already attached");
            return -1;
        }
        migration = device;
        return 0;
    }

    /** Adds a char device; an unknown subtype is logged and not attached, as in the reference. */
    public Optional<CharDeviceState> addCharDevice(String subtype, String portName) {
        return addCharDevice(subtype, portName, AgentDevice.NO_HOST);
    }

    /** Adds a char device with its host callbacks; a vdagent attaches the guest agent (attach_to_red_agent). */
    public Optional<CharDeviceState> addCharDevice(String subtype, String portName, CharDeviceHost host) {
        if (subtype == null || !CharDeviceState.ATTACHABLE_SUBTYPES.contains(subtype)) {
            LOG.warn("spice_server_add_interface: failed to create device state for char device '{}'", subtype);
            return Optional.empty();
        }
        if ("vdagent".equals(subtype) && agent != null) {
            LOG.warn("spice_server_add_interface: vdagent already attached");
            return Optional.empty();
        }
        CharDeviceState state = new CharDeviceState(subtype, portName);
        state.setRunning(vmRunning);
        if (VmcDevices.handles(subtype) && !vmc.add(state, host)) {
            return Optional.empty();
        }
        charDevices.add(state);
        if ("vdagent".equals(subtype)) {
            agent = state;
            AgentDevice device = agentDevice();
            state.onWakeup(() -> {
                if (Thread.currentThread() == mainThread) {
                    device.wakeupOnMainLoop();
                } else {
                    device.wakeup();
                }
            });
            // QEMU adds the agent when the guest opens its port, on a vCPU thread: the client side is told on
            // the main loop (the device's own thread), like everything after it.
            onMainLoop(() -> device.attach(host));
        }
        return Optional.of(state);
    }

    /** The Opus codec the sound channels use; set by the host before it adds sound interfaces. */
    public void useOpus(OpusCodec codec) {
        opusCodec = codec;
    }

    public PlaybackChannel addPlayback() {
        PlaybackChannel channel = new PlaybackChannel(this::runOnMainLoop, opusCodec, this::multimediaTime);
        soundChannels.add(channel);
        return channel;
    }

    public RecordChannel addRecord() {
        RecordChannel channel = new RecordChannel(this::runOnMainLoop, opusCodec);
        soundChannels.add(channel);
        return channel;
    }

    public void removeSound(SoundChannel channel) {
        soundChannels.remove(channel);
        runOnMainLoop(channel::remove);
    }

    /** The instance a client linking channel {@code type} (playback or record) gets, if any. */
    public Optional<SoundChannel> soundChannel(int type) {
        return soundChannels.stream().filter(c -> c.channelType() == type).findFirst();
    }

    /** spice_server_set_playback_compression at run time: playback clients switch mode as they next send. */
    public void playbackCompressionChanged() {
        for (SoundChannel channel : soundChannels) {
            channel.kickClient();
        }
    }

    public void removeTablet(Tablet device) {
        if (tablet == device) {
            tablet = null;
            updateMouseMode();
        }
    }

    public void removeQxl(QxlControl control) {
        qxlDevices.remove(control);
        if (displays.remove(control)) {
            control.worker().close();
            primarySurfaceChanged(control.id(), 0, 0, false);
        }
    }

    public void removeCharDevice(CharDeviceState state) {
        charDevices.remove(state);
        vmc.remove(state);
        if (agent == state) {
            agent = null;
            AgentDevice device = agentDevice();
            onMainLoop(device::detach);
            updateMouseMode();
        }
    }

    public Keyboard keyboard() {
        return keyboard;
    }

    public Mouse mouse() {
        return mouse;
    }

    public Tablet tablet() {
        return tablet;
    }

    public List<QxlControl> displays() {
        return List.copyOf(displays);
    }

    public List<CharDeviceState> charDevices() {
        return List.copyOf(charDevices);
    }

    /** The spicevmc and smartcard devices and their channels. */
    public VmcDevices vmc() {
        return vmc;
    }

    private volatile int leds;
    private volatile IntConsumer ledListener = l -> { };

    /**
     * spice_server_kbd_leds: the guest's LEDs changed. QEMU calls it on a vCPU thread holding its global lock, so
     * the inputs channels (sockets, channel_event) are told on the main loop, as the reference dispatches it.
     */
    public int kbdLeds(int value) {
        leds = value;
        MainDispatcher dispatcher = mainDispatcher;
        if (dispatcher != null) {
            dispatcher.execute(() -> ledListener.accept(leds));
        }
        return 0;
    }

    public int leds() {
        return leds;
    }

    public void onLeds(IntConsumer listener) {
        ledListener = listener;
    }

    /** A vdagent char device is attached: the client may talk to the guest agent. */
    public boolean agentAttached() {
        return agent != null && agentDevice != null && agentDevice.attached();
    }

    /** The guest agent's data path (one per server, whether or not an agent is attached). Main-loop thread. */
    public synchronized AgentDevice agentDevice() {
        if (agentDevice == null) {
            agentDevice = new AgentDevice(new AgentPolicy(), this::onMainLoop, () -> loop);
            agentDevice.setRunning(vmRunning);
        }
        return agentDevice;
    }

    /**
     * Runs {@code task} on the host's main loop: at once when called there (or before init, when there is no loop
     * yet), else through the main dispatcher. Audio calls come both ways: the host's audio timer on its main loop,
     * stream starts and volumes from vCPU threads.
     */
    public void runOnMainLoop(Runnable task) {
        if (Thread.currentThread() == mainThread || mainDispatcher == null) {
            task.run();
        } else {
            mainDispatcher.execute(task);
        }
    }

    private void onMainLoop(Runnable task) {
        MainDispatcher dispatcher = mainDispatcher;
        if (dispatcher != null) {
            dispatcher.execute(task);
        } else {
            task.run();
        }
    }

    /** Client mouse mode goes through the agent (reds_handle_agent_mouse_event) rather than the tablet. */
    public boolean agentMouseActive() {
        return config.agentMouse() && agentAttached();
    }

    /** spice_server_set_agent_copypaste / set_agent_file_xfer: the filters follow (reds_update_agent_properties). */
    public void agentPropertiesChanged() {
        if (agentDevice != null) {
            agentDevice.propertiesChanged();
        }
    }

    /** reds_use_client_monitors_config: every QXL device takes the client's monitors config itself. */
    boolean useClientMonitorsConfig() {
        return !qxlDevices.isEmpty() && qxlDevices.values().stream().allMatch(d -> d.clientMonitorsConfig(null));
    }

    /** reds_client_monitors_config: hands a checked config to each QXL device (main-loop thread, as the reference). */
    void clientMonitorsConfig(ByteBuffer config) {
        int taken = 0;
        for (QxlDevice device : qxlDevices.values()) {
            if (device.clientMonitorsConfig(config.duplicate().order(config.order()))) {
                taken++;
            }
        }
        ByteBuffer le = config.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        LOG.info("client monitors config: {} monitor(s), first {}x{}; taken by {} of {} QXL device(s)",
                Integer.toUnsignedLong(le.getInt(0)), le.remaining() >= 16 ? le.getInt(12) : 0,
                le.remaining() >= 16 ? le.getInt(8) : 0, taken, qxlDevices.size());
    }

    private final class AgentPolicy implements AgentDevice.Policy {
        @Override
        public boolean copyPaste() {
            return config.agentCopyPaste();
        }

        @Override
        public boolean fileTransfer() {
            return config.agentFileTransfer();
        }

        @Override
        public boolean useClientMonitorsConfig() {
            return SpiceServer.this.useClientMonitorsConfig();
        }

        @Override
        public void clientMonitorsConfig(ByteBuffer monitorsConfig) {
            SpiceServer.this.clientMonitorsConfig(monitorsConfig);
        }

        @Override
        public void attachmentChanged() {
            updateMouseMode();
        }

        @Override
        public byte[] graphicsDeviceInfo() {
            return SpiceServer.this.graphicsDeviceInfo();
        }
    }

    /** The displays' device info for the agent (reds_marshall_device_display_info). Main-loop thread. */
    private byte[] graphicsDeviceInfo() {
        return GraphicsDeviceInfo.encode(displays.stream().map(d -> new GraphicsDeviceInfo.Device(d.id(),
                d.deviceAddress(), d.displayIdStart(), d.displayIdCount())).toList());
    }

    /** The multimedia clock in milliseconds (the reference's reds_get_mm_time), monotonic. */
    public int multimediaTime() {
        return (int) (System.nanoTime() / 1_000_000L);
    }

    public boolean isServerMouse() {
        return mouseMode == MOUSE_MODE_SERVER;
    }

    public int mouseMode() {
        return mouseMode;
    }

    /**
     * Client mouse mode is possible, as in the reference's reds_update_mouse_mode, when a display's primary surface
     * allows the client's pointer and either agent mouse is enabled with the agent attached, or there is a tablet
     * and exactly one display.
     */
    public boolean clientMouseAllowed() {
        return displayAllowsClientMouse
                && (agentMouseActive() || (tablet != null && displays.size() == 1));
    }

    /** Falls back to server mode when client mode is no longer possible, and tells clients when it changed. */
    public void updateMouseMode() {
        boolean allowed = clientMouseAllowed();
        int before = mouseMode;
        if (!allowed) {
            mouseMode = MOUSE_MODE_SERVER;
        }
        if (allowed != lastClientMouseAllowed || before != mouseMode) {
            lastClientMouseAllowed = allowed;
            mouseModeListener.run();
        }
    }

    /** A display's primary surface: its size, and whether its cursor may follow the client's pointer. */
    private record Primary(int width, int height, boolean clientMouse) {
    }

    /**
     * Display {@code displayId}'s primary surface was created (size, and whether its cursor may follow the client's
     * pointer) or destroyed (0x0). As the reference's reds_update_client_mouse_allowed, the first display that has a
     * primary decides whether the client's pointer may lead, and the tablet's logical size is that primary's; a
     * display further on cannot take client mouse mode away, nor resize the tablet. Main-loop thread.
     */
    public void primarySurfaceChanged(int displayId, int width, int height, boolean clientMouse) {
        if (width > 0 && height > 0) {
            primaries.put(displayId, new Primary(width, height, clientMouse));
        } else {
            primaries.remove(displayId);
        }
        Primary first = primaries.isEmpty() ? null : primaries.get(primaries.firstKey());
        displayAllowsClientMouse = first != null && first.clientMouse();
        updateMouseMode();
        if (clientMouseAllowed() && tablet != null) {
            tablet.setLogicalSize(first.width(), first.height());
        }
    }

    /** Runs on the main-loop thread when the supported or current mouse mode changed. */
    public void onMouseModeChange(Runnable listener) {
        mouseModeListener = listener;
    }

    /** Sets the mouse mode a client asked for; returns false when the mode is not allowed. */
    public boolean requestMouseMode(int mode) {
        if (mode == MOUSE_MODE_CLIENT && !clientMouseAllowed()) {
            return false;
        }
        if (mode != MOUSE_MODE_CLIENT && mode != MOUSE_MODE_SERVER) {
            return false;
        }
        mouseMode = mode;
        return true;
    }

    public void vmStart() {
        vmRunning = true;
        charDevices.forEach(d -> d.setRunning(true));
        if (agentDevice != null) {
            agentDevice.setRunning(true);
        }
        displays.forEach(QxlControl::start);
        List<Runnable> waiting;
        synchronized (this) {
            vmStarted = true;
            waiting = List.copyOf(afterVmStart);
            afterVmStart.clear();
        }
        waiting.forEach(this::runOnMainLoop);
    }

    /**
     * Runs {@code task} on the main loop once the host has started the VM (spice_server_vm_start) at least once: at
     * once if it has, else then, or after {@link #VM_START_WAIT_MS} for a host that never calls it.
     */
    public void afterVmStarted(Runnable task) {
        boolean waits;
        synchronized (this) {
            waits = !vmStarted && afterVmStart.add(task);
        }
        if (!waits) {
            task.run();
            return;
        }
        EventLoop.Timer[] timer = {null};
        timer[0] = loop.newTimer(() -> {
            timer[0].remove();
            boolean waited;
            synchronized (this) {
                waited = afterVmStart.remove(task);
            }
            if (waited) {
                task.run();
            }
        });
        timer[0].start(VM_START_WAIT_MS);
    }

    public void vmStop() {
        vmRunning = false;
        charDevices.forEach(d -> d.setRunning(false));
        if (agentDevice != null) {
            agentDevice.setRunning(false);
        }
        displays.forEach(QxlControl::stop);
    }

    public boolean vmRunning() {
        return vmRunning;
    }

    /**
     * The compression level handed to the QXL device's set_compression_level, as the reference computes it: 1
     * only when video streaming is off and images are QUIC-compressed, else 0 (the guest driver reads it).
     */
    int compressionLevel() {
        return config.streamingVideo() == ServerConfig.STREAM_VIDEO_OFF
                && config.imageCompression() == ServerConfig.IMAGE_COMPRESSION_QUIC ? 1 : 0;
    }

    /** Image compression or streaming changed: QXL devices get the new level, as the reference tells them. */
    public void compressionChanged() {
        int level = compressionLevel();
        int images = config.imageCompression();
        displays.forEach(d -> {
            d.worker().setCompressionLevel(level);
            d.worker().setImageCompression(images);
            d.worker().setStreamingVideo(config.streamingVideo());
        });
    }

    /**
     * The jpeg or zlib-glz WAN setting changed: display workers take the new values (the reference reads them
     * only when a worker starts; QEMU sets them before).
     */
    public void wanCompressionChanged() {
        displays.forEach(d -> d.worker().setWanCompression(config.jpegCompression(), config.zlibGlzCompression()));
    }

    // --- migration: the facade of SourceMigration, with the reference's checks of the host's interface ---

    /** The clients' migration state; main-loop thread. */
    public SourceMigration sourceMigration() {
        return sourceMigration;
    }

    /** spice_server_migrate_info: the switch-host interface, for hosts without a migration interface. */
    public int migrateInfo(String dest, int port, int securePort, String certSubject) {
        if (migration != null) {
            LOG.warn("spice_server_migrate_info: not for hosts with a migration interface; use migrate_connect");
            return -1;
        }
        return sourceMigration.info(MigrationTarget.of(dest, port, securePort, certSubject));
    }

    /** spice_server_migrate_connect: clients are told of the destination and link to it ahead of time. */
    public int migrateConnect(String dest, int port, int securePort, String certSubject) {
        return sourceMigration.connect(MigrationTarget.of(dest, port, securePort, certSubject));
    }

    public int migrateStart() {
        return sourceMigration.start();
    }

    public int migrateEnd(boolean completed) {
        return sourceMigration.end(completed);
    }

    public int migrateSwitch() {
        return sourceMigration.switchHost();
    }
}
