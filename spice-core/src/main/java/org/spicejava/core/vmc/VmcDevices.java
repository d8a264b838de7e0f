package org.spicejava.core.vmc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.channel.ChannelClient;
import org.spicejava.core.chardev.CharDeviceHost;
import org.spicejava.core.chardev.CharDeviceState;
import org.spicejava.core.host.EventLoop;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.mainchannel.MainChannelClient.ChannelId;
import org.spicejava.core.net.SocketConnection;
import org.spicejava.core.protocol.ChannelType;

/**
 * The server's spicevmc and smartcard char devices and their channels (what reds.cpp's
 * spice_server_char_device_add_interface, spicevmc_device_connect and smartcard_device_connect set up). A usbredir
 * device gets a USBREDIR channel, a named port a PORT channel (WEBDAV for {@link VmcProtocol#WEBDAV_PORT}), each with
 * the lowest id free for its type; smartcard devices are readers 0 to {@link Vsc#MAX_READERS} - 1 behind one
 * SMARTCARD channel, id 0. A channel that appears while a client is connected is announced to it.
 *
 * <p>Threads: {@link #add} and {@link #remove} run on whichever thread the host adds or removes the interface on;
 * the rest on the main-loop thread.
 */
public final class VmcDevices implements SmartcardChannelClient.Readers {
    private static final Logger LOG = LoggerFactory.getLogger(VmcDevices.class);

    private final Executor mainLoop;
    private final Supplier<EventLoop> loop;
    private final Map<CharDeviceState, VmcDevice> devices = new ConcurrentHashMap<>();
    /** Reader slots; an id is the slot's index. Guarded by this. */
    private final SmartcardDevice[] readers = new SmartcardDevice[Vsc.MAX_READERS];
    private volatile Consumer<ChannelId> announce = id -> { };

    /**
     * {@code mainLoop} runs tasks on the host's main-loop thread, later (never inside the caller);
     * {@code loop} gives that loop for timers once it exists.
     */
    public VmcDevices(Executor mainLoop, Supplier<EventLoop> loop) {
        this.mainLoop = mainLoop;
        this.loop = loop;
    }

    /** The char device subtypes whose devices live here. */
    public static boolean handles(String subtype) {
        return "smartcard".equals(subtype) || "usbredir".equals(subtype) || "port".equals(subtype);
    }

    /** Runs on the main loop with each channel that appeared after the client's channel list. */
    public void onNewChannel(Consumer<ChannelId> listener) {
        announce = listener;
    }

    /** Sets up the device and its channel; false when refused (the reference's add_interface fails then). */
    public synchronized boolean add(CharDeviceState state, CharDeviceHost host) {
        VmcDevice device;
        ChannelId announced = null;
        switch (state.subtype()) {
            case "smartcard" -> {
                int slot = 0;
                while (slot < readers.length && readers[slot] != null) {
                    slot++;
                }
                if (slot == readers.length) {
                    LOG.warn("smartcard: {} readers attached already; device refused", Vsc.MAX_READERS);
                    return false;
                }
                boolean first = readerCount() == 0;
                SmartcardDevice reader = new SmartcardDevice(state, host, slot, mainLoop, loop);
                readers[slot] = reader;
                device = reader;
                if (first) {
                    announced = new ChannelId(ChannelType.SMARTCARD, 0);
                }
            }
            case "usbredir", "port" -> {
                int type = channelType(state);
                if (type < 0) {
                    return true; // the streaming port: the reference's display path, not a channel of ours
                }
                int id = freeId(type);
                if (id < 0) {
                    LOG.warn("no free channel id for channel type {}; device refused", type);
                    return false;
                }
                PassthroughDevice passthrough = new PassthroughDevice(state, host, type, id, mainLoop, loop);
                state.onPortEvent(passthrough::portEvent);
                device = passthrough;
                announced = new ChannelId(type, id);
            }
            default -> {
                return false;
            }
        }
        devices.put(state, device);
        state.onWakeup(device::wakeup);
        state.onRunning(device::postPump);
        LOG.info("char device {}{} attached{}", state.subtype(), state.portName() == null ? ""
                : " '" + state.portName() + "'", announced == null ? "" : " as channel " + announced.type() + ":"
                + announced.id());
        if (announced != null) {
            ChannelId id = announced;
            mainLoop.execute(() -> announce.accept(id));
        }
        return true;
    }

    /** A port's channel type, or -1 for the streaming port. */
    private static int channelType(CharDeviceState state) {
        if ("usbredir".equals(state.subtype())) {
            return ChannelType.USBREDIR;
        }
        if (VmcProtocol.STREAM_PORT.equals(state.portName())) {
            LOG.warn("port '{}' (the streaming device) is not supported; no channel", state.portName());
            return -1;
        }
        return VmcProtocol.WEBDAV_PORT.equals(state.portName()) ? ChannelType.WEBDAV : ChannelType.PORT;
    }

    /** reds_get_free_channel_id: the lowest id no channel of the type has. */
    private int freeId(int type) {
        boolean[] used = new boolean[VmcProtocol.MAX_CHANNEL_IDS];
        for (VmcDevice d : devices.values()) {
            if (d instanceof PassthroughDevice p && p.channelType() == type) {
                used[p.channelId()] = true;
            }
        }
        for (int id = 0; id < used.length; id++) {
            if (!used[id]) {
                return id;
            }
        }
        return -1;
    }

    /** remove_interface: the device goes, and with it a client on its channel; its id is free again. */
    public synchronized void remove(CharDeviceState state) {
        VmcDevice device = devices.remove(state);
        if (device == null) {
            return;
        }
        if (device instanceof SmartcardDevice reader) {
            readers[reader.readerId()] = null;
        }
        device.remove();
    }

    // ---------------------------------------------------------------- channels

    /** The channels the devices make, for CHANNELS_LIST. */
    public synchronized List<ChannelId> channels() {
        List<ChannelId> list = new ArrayList<>();
        if (readerCount() > 0) {
            list.add(new ChannelId(ChannelType.SMARTCARD, 0));
        }
        for (VmcDevice d : devices.values()) {
            if (d instanceof PassthroughDevice p) {
                list.add(new ChannelId(p.channelType(), p.channelId()));
            }
        }
        list.sort((a, b) -> a.type() != b.type() ? Integer.compare(a.type(), b.type())
                : Integer.compare(a.id(), b.id()));
        return list;
    }

    /** Our channel capability words: the LZ4 capability on the spicevmc channels, as the reference sets it. */
    public static int[] caps(int type) {
        return switch (type) {
            case ChannelType.USBREDIR, ChannelType.PORT, ChannelType.WEBDAV ->
                    new int[] {1 << VmcProtocol.CAP_DATA_COMPRESS_LZ4};
            default -> new int[0];
        };
    }

    /** The client for a linked channel, or empty when no device makes it. {@code overNetwork}: not a unix socket. */
    public Optional<ChannelClient> link(SocketConnection connection, LinkMessage link, boolean overNetwork) {
        if (link.channelType() == ChannelType.SMARTCARD) {
            return link.channelId() == 0 && readersPresent()
                    ? Optional.of(new SmartcardChannelClient(connection, link, this)) : Optional.empty();
        }
        for (VmcDevice d : devices.values()) {
            if (d instanceof PassthroughDevice p && p.channelType() == link.channelType()
                    && p.channelId() == link.channelId()) {
                return Optional.of(new VmcChannelClient(connection, link, p, overNetwork));
            }
        }
        return Optional.empty();
    }

    private synchronized boolean readersPresent() {
        return readerCount() > 0;
    }

    // ---------------------------------------------------------------- smartcard readers

    @Override
    public synchronized SmartcardDevice unattached() {
        for (SmartcardDevice r : readers) {
            if (r != null && !r.attached()) {
                return r;
            }
        }
        return null;
    }

    @Override
    public synchronized SmartcardDevice reader(int id) {
        return id >= 0 && id < readers.length ? readers[id] : null;
    }

    @Override
    public synchronized int count() {
        return readerCount();
    }

    /** One past the highest reader id in use. */
    private int readerCount() {
        for (int i = readers.length - 1; i >= 0; i--) {
            if (readers[i] != null) {
                return i + 1;
            }
        }
        return 0;
    }
}
