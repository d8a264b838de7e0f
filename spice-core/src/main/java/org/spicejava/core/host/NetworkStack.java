package org.spicejava.core.host;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Non-blocking stream sockets as file descriptors, because the host's watches take fds and
 * {@code spice_server_add_client} hands us one. Implemented with libc in spice-ffi.
 */
public interface NetworkStack {
    /** Address family selection, as SPICE_ADDR_FLAG_*: 0 any, 1 IPv4 only, 2 IPv6 only, 4 unix socket. */
    int FAMILY_ANY = 0;
    int FAMILY_IPV4 = 1;
    int FAMILY_IPV6 = 2;
    int FAMILY_UNIX = 4;

    /** Binds and listens; an empty address means every local address. Returns the listening fd. */
    int listen(String address, int port, int family) throws IOException;

    /** Accepts one pending connection as a non-blocking fd, or -1 when none is pending. */
    int accept(int listenFd) throws IOException;

    /** Reads into {@code dst}; returns the count, 0 when it would block, -1 at end of stream. */
    int read(int fd, ByteBuffer dst) throws IOException;

    /** Writes from {@code src}; returns the count written, 0 when it would block. */
    int write(int fd, ByteBuffer src) throws IOException;

    /**
     * Writes from {@code srcs[0..count)} in order, as one gathering write where the stack can: the total written
     * (each buffer's position advanced), 0 when it would block.
     */
    default long write(int fd, ByteBuffer[] srcs, int count) throws IOException {
        return writeEach(srcs, count, b -> write(fd, b));
    }

    /** A write of one buffer, for {@link #writeEach}. */
    interface BufferWrite {
        int write(ByteBuffer src) throws IOException;
    }

    /** Writes the buffers one by one until one is not taken whole; returns the bytes written. */
    static long writeEach(ByteBuffer[] srcs, int count, BufferWrite write) throws IOException {
        long total = 0;
        for (int i = 0; i < count; i++) {
            int want = srcs[i].remaining();
            int n = write.write(srcs[i]);
            total += n;
            if (n < want) {
                break;
            }
        }
        return total;
    }

    /**
     * Bytes written to a socket that the kernel has not sent yet (SIOCOUTQNSD): what a new message waits behind
     * before it leaves this host. Bytes in flight do not count, so a long round trip does not look like a queue.
     * 0 when the stack cannot tell (a unix socket).
     */
    default long unsentBytes(int fd) {
        return 0;
    }

    /** Makes a host-supplied fd non-blocking (spice_server_add_client). */
    void setNonBlocking(int fd) throws IOException;

    void close(int fd);

    /** A non-blocking wake-up descriptor (an eventfd) that becomes readable after {@link #wake}. */
    int openWakeup() throws IOException;

    /** Makes a wake-up descriptor readable. Any thread. */
    void wake(int fd);

    /** Resets a wake-up descriptor. */
    void drainWakeup(int fd);

    /** The local address of a socket, or null for a unix socket or on error. */
    InetSocketAddress localAddress(int fd);

    /** The peer address of a socket, or null for a unix socket or on error. */
    InetSocketAddress peerAddress(int fd);
}
