package org.spicejava.core.vmc;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.channel.ChannelClient;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.migration.MigrationData;
import org.spicejava.core.net.SocketConnection;
import org.spicejava.core.protocol.ChannelType;

/**
 * A client linked to a usbredir, port or WebDAV channel (the reference's VmcChannelClient): DATA and
 * COMPRESSED_DATA both ways, PORT_INIT and PORT_EVENT on ports. Device data over {@link
 * VmcProtocol#COMPRESS_THRESHOLD} bytes goes out LZ4-compressed when the client has the capability and is not on
 * a unix socket, and only when that makes it smaller. No ack window, as the reference. Main-loop thread.
 */
public final class VmcChannelClient extends ChannelClient implements VmcDevice.Client, VmcClient {
    private static final Logger LOG = LoggerFactory.getLogger(VmcChannelClient.class);
    /** COMPRESSED_DATA: u8 type, u32 uncompressed size. */
    private static final int COMPRESSED_HEADER_BYTES = 5;

    private final PassthroughDevice device;
    private final boolean compress;

    /** {@code overNetwork}: the client is not on a unix socket (the reference compresses only then). */
    VmcChannelClient(SocketConnection connection, LinkMessage link, PassthroughDevice device, boolean overNetwork) {
        super(connection, link, VmcProtocol.MAX_CLIENT_MESSAGE);
        this.device = device;
        this.compress = overNetwork && link.hasChannelCap(VmcProtocol.CAP_DATA_COMPRESS_LZ4);
    }

    @Override
    protected void onStart() {
        if (!device.connect(this)) {
            close("channel already has a client");
        }
    }

    @Override
    public void closed(String reason) {
        device.disconnect(this);
    }

    @Override
    protected boolean handle(int type, ByteBuffer body) {
        switch (type) {
            case VmcProtocol.MSGC_DATA -> device.data(this, copy(body));
            case VmcProtocol.MSGC_COMPRESSED_DATA -> compressedData(body);
            case VmcProtocol.MSGC_PORT_EVENT -> {
                if (link.channelType() != ChannelType.PORT && link.channelType() != ChannelType.WEBDAV) {
                    return false;
                }
                if (body.remaining() != 1) {
                    fail("bad port event message size " + body.remaining());
                    return true;
                }
                if (!device.removed()) {
                    device.host().event(Byte.toUnsignedInt(body.get(0)));
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** handle_compressed_msg: only LZ4, decompressing to exactly the size it claims, within our bound. */
    private void compressedData(ByteBuffer body) {
        if (body.remaining() < 1 || body.get(0) != VmcProtocol.COMPRESSION_LZ4) {
            fail("invalid compression type");
            return;
        }
        if (body.remaining() < COMPRESSED_HEADER_BYTES) {
            fail("short compressed data message");
            return;
        }
        long size = Integer.toUnsignedLong(body.getInt(1));
        if (size > VmcProtocol.MAX_CLIENT_MESSAGE) {
            fail("compressed data claims " + size + " bytes (limit " + VmcProtocol.MAX_CLIENT_MESSAGE + ")");
            return;
        }
        byte[] data = Lz4Data.decompress(body.slice(COMPRESSED_HEADER_BYTES, body.remaining()
                - COMPRESSED_HEADER_BYTES), (int) size);
        if (data == null) {
            fail("decompression error");
            return;
        }
        device.data(this, ByteBuffer.wrap(data));
    }

    private void fail(String reason) {
        LOG.warn("channel {}:{}: {}; closing", link.channelType(), link.channelId(), reason);
        close(reason);
    }

    private static ByteBuffer copy(ByteBuffer body) {
        byte[] b = new byte[body.remaining()];
        body.duplicate().get(b);
        return ByteBuffer.wrap(b);
    }

    // ---------------------------------------------------------------- seamless migration

    /** The bytes the device has not taken yet go with the client to the destination (the VM is stopped by now). */
    @Override
    protected ByteBuffer migrationData() {
        return MigrationData.spicevmc(device.writes.pending());
    }

    /** The source's untaken bytes go to the device before anything the client sends here. */
    @Override
    protected void restoreMigrationData(ByteBuffer body) throws MigrationData.BadDataException {
        byte[] pending = MigrationData.parseSpicevmc(body);
        if (pending.length > 0) {
            LOG.info("channel {}:{}: {} bytes from the migration source go to the device", link.channelType(),
                    link.channelId(), pending.length);
            device.data(this, ByteBuffer.wrap(pending));
        }
    }

    // ---------------------------------------------------------------- to the client

    @Override
    public void deliver(byte[] data, Runnable written) {
        if (compress && data.length > VmcProtocol.COMPRESS_THRESHOLD) {
            byte[] packed = Lz4Data.compress(data);
            if (packed != null) {
                ByteBuffer head = ByteBuffer.allocate(COMPRESSED_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN)
                        .put((byte) VmcProtocol.COMPRESSION_LZ4).putInt(data.length).flip();
                send(VmcProtocol.MSG_COMPRESSED_DATA, new ByteBuffer[] {head, ByteBuffer.wrap(packed)}, written);
                return;
            }
        }
        send(VmcProtocol.MSG_DATA, new ByteBuffer[] {ByteBuffer.wrap(data)}, written);
    }

    @Override
    public void deliverEvent(int event) {
        send(VmcProtocol.MSG_PORT_EVENT, body(1).put((byte) event).flip());
    }

    /** PORT_INIT: u32 name_size, u32 offset of the name in the body, u8 opened, then the name with its NUL. */
    void sendPortInit(String name, boolean opened) {
        byte[] text = (name == null ? "" : name).getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = body(9 + text.length + 1).putInt(text.length + 1).putInt(9).put((byte) (opened ? 1 : 0))
                .put(text).put((byte) 0).flip();
        send(VmcProtocol.MSG_PORT_INIT, b);
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
