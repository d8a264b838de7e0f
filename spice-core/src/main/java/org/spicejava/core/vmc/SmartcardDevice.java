package org.spicejava.core.vmc;

import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.chardev.CharDeviceHost;
import org.spicejava.core.chardev.CharDeviceState;
import org.spicejava.core.host.EventLoop;
import org.spicejava.core.migration.MigrationData;

/**
 * One smartcard reader device (the reference's RedCharDeviceSmartcard): the guest's VSC stream split into
 * messages ({@link VscStream}), each but VSC_Init passed to the attached client with the header turned
 * little-endian and its reader id replaced by this reader's; without a client they are dropped, as the reference
 * reads the device whether or not anyone listens. The server itself tells the device of the client's reader
 * (VSC_ReaderAdd / VSC_ReaderRemove with this reader's id). A client's data not yet written is dropped when it
 * leaves (origin CLIENT in the reference).
 */
final class SmartcardDevice extends VmcDevice {
    private static final Logger LOG = LoggerFactory.getLogger(SmartcardDevice.class);

    private final int readerId;
    private final VscStream stream = new VscStream();
    private long skippedLogged;
    /** reader_added: VSC_ReaderAdd was written to the device and no VSC_ReaderRemove since. Main-loop thread. */
    private boolean readerAdded;

    SmartcardDevice(CharDeviceState state, CharDeviceHost host, int readerId, Executor mainLoop,
                    Supplier<EventLoop> loop) {
        super(state, host, mainLoop, loop);
        this.readerId = readerId;
    }

    int readerId() {
        return readerId;
    }

    boolean attached() {
        return client() != null;
    }

    @Override
    boolean wantsInput() {
        return client() == null || queued() < VmcProtocol.QUEUED_DATA_LIMIT;
    }

    @Override
    void absorb(byte[] data, int length) {
        stream.feed(data, 0, length, (type, id, payload) -> {
            if (type != Vsc.INIT) {
                emit(Vsc.toClient(type, readerId, payload));
            }
        });
        if (stream.skipped() != skippedLogged) {
            skippedLogged = stream.skipped();
            LOG.warn("smartcard reader {}: the device sent a message over {} bytes; skipped ({} so far)", readerId,
                    Vsc.MAX_PAYLOAD, skippedLogged);
        }
    }

    @Override
    void removedWhileAttached(Client c) {
        ((SmartcardChannelClient) c).readerGone(this);
    }

    /** smartcard_char_device_attach_client: data flows to {@code c}, and the device hears a client is there. */
    boolean attach(SmartcardChannelClient c) {
        if (!attachClient(c)) {
            return false;
        }
        host().state(true);
        postPump();
        return true;
    }

    /** smartcard_char_device_detach_client: the client's queued data is dropped, the device told. */
    void detach(SmartcardChannelClient c) {
        if (detachClient(c)) {
            writes.dropOwner(c);
            if (!removed()) {
                host().state(false);
            }
        }
    }

    /** notify_reader_add: the device gets VSC_ReaderAdd with this reader's id. */
    void readerAdd() {
        readerAdded = true;
        fromClient(null, Vsc.toDevice(Vsc.READER_ADD, readerId, ByteBuffer.allocate(0)), this);
    }

    /** notify_reader_remove: VSC_ReaderRemove if a ReaderAdd was sent; false (nothing written) otherwise. */
    boolean readerRemove() {
        if (!readerAdded) {
            return false;
        }
        readerAdded = false;
        fromClient(null, Vsc.toDevice(Vsc.READER_REMOVE, readerId, ByteBuffer.allocate(0)), this);
        return true;
    }

    /** This reader's state for a seamless migration (the VM is stopped: the device is neither read nor written). */
    MigrationData.Smartcard migrationState() {
        synchronized (readLock) {
            return new MigrationData.Smartcard(true, readerAdded, writes.pending(), stream.partial());
        }
    }

    /**
     * A seamless migration's state from the source: whether a reader was added, the bytes the source's device had
     * not taken (written before anything new), and the part of a message it had read (the rest comes from here).
     */
    void restore(MigrationData.Smartcard s) {
        readerAdded = s.readerAdded();
        if (s.pendingForDevice().length > 0) {
            fromClient(null, ByteBuffer.wrap(s.pendingForDevice()), this);
        }
        synchronized (readLock) {
            absorb(s.partialRead(), s.partialRead().length);
        }
        postPump();
    }

    /** A client's message for this reader: header in network order, {@code readerId} as the client gave it. */
    void write(SmartcardChannelClient c, int type, int clientReaderId, ByteBuffer payload) {
        fromClient(c, Vsc.toDevice(type, clientReaderId, payload), c);
    }
}
