package org.spicejava.core.vmc;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.chardev.CharDeviceHost;
import org.spicejava.core.chardev.CharDeviceState;
import org.spicejava.core.host.EventLoop;

/**
 * A char device whose bytes pass through unchanged (the reference's RedCharDeviceSpiceVmc): usbredir, and named
 * ports (spiceport), one channel each. Each read of the host becomes one piece of at most
 * {@link VmcProtocol#READ_BYTES}; the device is read only while a client is attached, so without one the guest's
 * data waits in the host. Client data stays queued to the device when the client leaves, as the reference's
 * server-owned buffers do. A port also tracks whether the guest side is open, for PORT_INIT and PORT_EVENT.
 */
final class PassthroughDevice extends VmcDevice {
    private static final Logger LOG = LoggerFactory.getLogger(PassthroughDevice.class);

    private final int channelType;
    private final int channelId;
    /** port_opened: the guest side of a port is open (OPENED / CLOSED events). Guarded by the read lock. */
    private boolean portOpened;

    PassthroughDevice(CharDeviceState state, CharDeviceHost host, int channelType, int channelId, Executor mainLoop,
                      Supplier<EventLoop> loop) {
        super(state, host, mainLoop, loop);
        this.channelType = channelType;
        this.channelId = channelId;
    }

    int channelType() {
        return channelType;
    }

    int channelId() {
        return channelId;
    }

    /** Ports (and WebDAV) send PORT_INIT and take PORT_EVENT; usbredir does not. */
    boolean isPort() {
        return "port".equals(state.subtype());
    }

    @Override
    boolean wantsInput() {
        return client() != null && queued() < VmcProtocol.QUEUED_DATA_LIMIT;
    }

    @Override
    void absorb(byte[] data, int length) {
        emit(Arrays.copyOf(data, length));
    }

    @Override
    void removedWhileAttached(Client c) {
        c.disconnect("char device removed");
    }

    /**
     * spice_server_port_event, any thread: OPENED and CLOSED change the port's state; every event goes to the
     * client, in its place among the data.
     */
    void portEvent(int event) {
        synchronized (readLock) {
            if (event == CharDeviceState.PORT_EVENT_OPENED) {
                portOpened = true;
            } else if (event == CharDeviceState.PORT_EVENT_CLOSED) {
                portOpened = false;
            }
            emitEvent(event);
        }
        postPump();
    }

    boolean portOpened() {
        synchronized (readLock) {
            return portOpened;
        }
    }

    /** The channel's client linked (on_connect): PORT_INIT for ports, then the device hears of it. */
    boolean connect(VmcChannelClient c) {
        if (!attachClient(c)) {
            LOG.warn("channel {}:{}: a client is already connected; refusing a second one", channelType, channelId);
            return false;
        }
        if (isPort()) {
            c.sendPortInit(state.portName(), portOpened());
        }
        host().state(true);
        postPump(); // client_add wakes the device: data the host held back can come now
        return true;
    }

    /** The client's channel closed (on_disconnect). */
    void disconnect(VmcChannelClient c) {
        if (detachClient(c) && !removed()) {
            host().state(false);
        }
    }

    /** Client data for the device; it is the device's once queued (origin SERVER in the reference). */
    void data(VmcChannelClient c, ByteBuffer bytes) {
        fromClient(c, bytes, this);
    }
}
