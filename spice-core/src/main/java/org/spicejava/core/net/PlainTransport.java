package org.spicejava.core.net;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.spicejava.core.host.NetworkStack;

/** The socket itself: bytes go straight through. */
public final class PlainTransport implements Transport {
    private final NetworkStack network;
    private final int fd;

    public PlainTransport(NetworkStack network, int fd) {
        this.network = network;
        this.fd = fd;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return network.read(fd, dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return network.write(fd, src);
    }

    /** One gathering write for a message's header and body, as the reference's writev. */
    @Override
    public long write(ByteBuffer[] srcs, int count) throws IOException {
        return network.write(fd, srcs, count);
    }

    @Override
    public boolean wantsWritable(boolean queued) {
        return queued;
    }

    @Override
    public void flush() {
    }

    @Override
    public boolean hasBufferedInput() {
        return false;
    }

    @Override
    public boolean secure() {
        return false;
    }

    @Override
    public void close() {
    }
}
