package org.spicejava.core.vmc;

import java.nio.ByteBuffer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.channel.ChannelClient;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.migration.MigrationData;
import org.spicejava.core.net.SocketConnection;

/**
 * A client linked to the smartcard channel (the reference's SmartCardChannelClient). It is attached to the first
 * reader no one has when it links (or when it adds a reader). SMARTCARD_DATA from the client is a VSC message with
 * a little-endian header, handled as smartcard-channel-client.cpp does: ReaderAdd and ReaderRemove are the server's
 * to tell the device (with the reader's own id), Init is ignored, Error / ATR / CardRemove / APDU go to the reader
 * the header names, anything else is ignored with a warning. A message shorter than its header says, or for a
 * reader id beyond those the server has, closes the channel. Main-loop thread.
 */
public final class SmartcardChannelClient extends ChannelClient implements VmcDevice.Client, VmcClient {
    private static final Logger LOG = LoggerFactory.getLogger(SmartcardChannelClient.class);
    /** The largest client message: one VSC message with the largest payload. */
    static final int MAX_CLIENT_MESSAGE = Vsc.HEADER_BYTES + Vsc.MAX_PAYLOAD;

    /** The server's smartcard readers, as the channel finds them. Main-loop thread. */
    interface Readers {
        /** The first reader without a client, or null. */
        SmartcardDevice unattached();

        /** The reader with this id, or null (never added, or removed). */
        SmartcardDevice reader(int id);

        /** Reader ids handed out so far (smartcard_get_n_readers): ids at or beyond are refused. */
        int count();
    }

    private final Readers readers;
    /** The reader this client's card is in, or null. */
    private SmartcardDevice device;

    SmartcardChannelClient(SocketConnection connection, LinkMessage link, Readers readers) {
        super(connection, link, MAX_CLIENT_MESSAGE);
        this.readers = readers;
    }

    @Override
    protected void onStart() {
        attachUnattached();
        if (device == null) {
            LOG.warn("smartcard channel: no reader device available");
        }
    }

    private void attachUnattached() {
        SmartcardDevice d = readers.unattached();
        if (d != null && d.attach(this)) {
            device = d;
        }
    }

    @Override
    public void closed(String reason) {
        SmartcardDevice d = device;
        device = null;
        if (d != null) {
            d.detach(this);
            d.readerRemove();
        }
    }

    /** The reader's device was removed. */
    void readerGone(SmartcardDevice d) {
        if (device == d) {
            device = null;
        }
    }

    SmartcardDevice device() {
        return device;
    }

    // ---------------------------------------------------------------- seamless migration

    /** The reader's state (or that there was none) goes with the client to the destination. */
    @Override
    protected ByteBuffer migrationData() {
        SmartcardDevice d = device;
        return MigrationData.smartcard(d == null ? new MigrationData.Smartcard(false, false, new byte[0], new byte[0])
                : d.migrationState());
    }

    /** The source's reader state goes to this client's reader here (smartcard_channel_client_handle_migrate_data). */
    @Override
    protected void restoreMigrationData(ByteBuffer body) throws MigrationData.BadDataException {
        MigrationData.Smartcard s = MigrationData.parseSmartcard(body);
        if (!s.attached()) {
            return;
        }
        if (device == null) {
            attachUnattached();
        }
        if (device == null) {
            LOG.warn("smartcard channel: no reader for the migration source's reader state; it is dropped");
            return;
        }
        device.restore(s);
    }

    @Override
    protected boolean handle(int type, ByteBuffer body) {
        if (type != Vsc.MSGC_DATA) {
            return false;
        }
        if (body.remaining() < Vsc.HEADER_BYTES) {
            fail("short smartcard message (" + body.remaining() + " bytes)");
            return true;
        }
        int vscType = body.getInt(0);
        int readerId = body.getInt(4);
        long length = Integer.toUnsignedLong(body.getInt(8));
        if (length > body.remaining() - Vsc.HEADER_BYTES) {
            fail("smartcard message claims " + length + " bytes of data, has " + (body.remaining()
                    - Vsc.HEADER_BYTES));
            return true;
        }
        switch (vscType) {
            case Vsc.READER_ADD -> addReader();
            case Vsc.READER_REMOVE -> removeReader(readerId);
            case Vsc.INIT -> { } // the reference ignores it: the device's own Init is dropped the other way too
            case Vsc.ERROR, Vsc.ATR, Vsc.CARD_REMOVE, Vsc.APDU -> {
                if (Integer.compareUnsigned(readerId, readers.count()) >= 0) {
                    fail("message for non existing reader " + Integer.toUnsignedString(readerId));
                    return true;
                }
                SmartcardDevice target = readers.reader(readerId);
                if (target == null) {
                    LOG.warn("smartcard channel: reader {} was removed; message type {} dropped", readerId, vscType);
                    return true;
                }
                target.write(this, vscType, readerId, body.slice(Vsc.HEADER_BYTES, (int) length));
            }
            default -> LOG.warn("smartcard channel: unexpected VSC message type {} ignored", vscType);
        }
        return true;
    }

    /** smartcard_channel_client_add_reader. */
    private void addReader() {
        if (device == null) {
            attachUnattached();
            if (device == null) {
                pushError(Vsc.UNDEFINED_READER_ID, Vsc.CANNOT_ADD_MORE_READERS);
                return;
            }
        }
        device.readerAdd(); // the device answers with a VSC_Error of its own, passed through
    }

    /** smartcard_channel_client_remove_reader: the reader named must be this client's, with a reader added. */
    private void removeReader(int readerId) {
        SmartcardDevice target = Integer.compareUnsigned(readerId, readers.count()) < 0
                ? readers.reader(readerId) : null;
        if (target == null || target != device || !target.readerRemove()) {
            pushError(readerId, Vsc.GENERAL_ERROR);
        }
    }

    private void pushError(int readerId, int code) {
        send(Vsc.MSG_DATA, ByteBuffer.wrap(Vsc.error(readerId, code)));
    }

    private void fail(String reason) {
        LOG.warn("smartcard channel: {}; closing", reason);
        close(reason);
    }

    // ---------------------------------------------------------------- to the client

    @Override
    public void deliver(byte[] data, Runnable written) {
        send(Vsc.MSG_DATA, new ByteBuffer[] {ByteBuffer.wrap(data)}, written);
    }

    @Override
    public void pauseReading(boolean paused) {
        connection.pauseReading(paused);
    }

    @Override
    public void disconnect(String reason) {
        close(reason);
    }
}
