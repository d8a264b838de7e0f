package org.spicejava.ffi;

import java.io.IOException;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.spicejava.core.host.NetworkStack;

/**
 * Non-blocking TCP and unix sockets through libc, as the reference uses them: the fds go to the host's watches.
 * errno is captured per call. Stateless; callable from any thread.
 */
public final class LibcNetwork implements NetworkStack {
    private static final int AF_UNIX = 1;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_REUSEADDR = 2;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_NODELAY = 1;
    private static final int IPPROTO_IPV6 = 41;
    private static final int IPV6_V6ONLY = 26;
    /** Bytes queued but not yet sent; unlike SIOCOUTQ, none of those in flight waiting for their ACK. */
    private static final int SIOCOUTQNSD = 0x894B;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int O_NONBLOCK = 0x800;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int SOMAXCONN = 4096;
    private static final int SOCKADDR_STORAGE = 128;
    private static final int UNIX_PATH_MAX = 108;

    private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final AddressLayout PTR = ValueLayout.ADDRESS;

    // The rare calls share one downcall shape (Native.libcInt): they are made at start-up, where each shape costs.
    private static final MethodHandle SOCKET = Native.libcInt("socket");
    private static final MethodHandle SETSOCKOPT = Native.libcInt("setsockopt");
    private static final MethodHandle BIND = Native.libcInt("bind");
    private static final MethodHandle LISTEN = Native.libcInt("listen");
    private static final MethodHandle ACCEPT4 = Native.libcInt("accept4");
    private static final MethodHandle CLOSE = Native.libcInt("close");
    private static final MethodHandle FCNTL = Native.libcInt("fcntl");
    private static final MethodHandle IOCTL = Native.libcInt("ioctl");
    private static final MethodHandle GETSOCKNAME = Native.libcInt("getsockname");
    private static final MethodHandle GETPEERNAME = Native.libcInt("getpeername");
    private static final MethodHandle UNLINK = Native.libcInt("unlink");
    private static final MethodHandle EVENTFD = Native.libcInt("eventfd");
    private static final MethodHandle WRITE_FD = Native.libcLong("write");
    private static final MethodHandle READ_FD = Native.libcLong("read");
    /**
     * Socket reads and writes take the connection's buffers, heap ones included (critical), in place. Their shape is
     * their own, made when first needed rather than inside the host's start-up (about 10 ms of a cold JVM there):
     * by {@link #prepareInPlaceCalls} off the host's threads, or by a client's first read.
     */
    private static final class InPlace {
        static final MethodHandle RECV = Native.libc("recv",
                FunctionDescriptor.of(LONG, INT, PTR, LONG, INT), ERRNO_OPTION, Linker.Option.critical(true));
        static final MethodHandle SEND = Native.libc("send",
                FunctionDescriptor.of(LONG, INT, PTR, LONG, INT), ERRNO_OPTION, Linker.Option.critical(true));

        private InPlace() {
        }
    }

    private static final MethodHandle SENDMSG = Native.libcLong("sendmsg");
    /** iovec entries per sendmsg, and the bytes of heap buffers (message headers) copied for one. */
    private static final int MAX_IOV = 16;
    private static final int STAGING_BYTES = 64 * 1024;
    private static final long IOVEC_BYTES = 16;
    /** struct msghdr on LP64: name, namelen, iov (at 16), iovlen (24), control, controllen, flags. */
    private static final long MSGHDR_BYTES = 56;

    /** A thread's iovec array, msghdr and staging area for gathering writes. */
    private record Gather(MemorySegment iov, MemorySegment msghdr, MemorySegment staging) {
        static Gather allocate() {
            Arena arena = Arena.global();
            return new Gather(arena.allocate(IOVEC_BYTES * MAX_IOV, 8), arena.allocate(MSGHDR_BYTES, 8),
                    arena.allocate(STAGING_BYTES, 8));
        }
    }

    private static final ThreadLocal<Gather> GATHER = ThreadLocal.withInitial(Gather::allocate);

    /**
     * An 8-byte word per thread for a call's output or input: the counter eventfd reads and writes (any thread may
     * signal), the count SIOCOUTQNSD gives.
     */
    private static final ThreadLocal<MemorySegment> WORD = ThreadLocal.withInitial(
            () -> Arena.global().allocate(LONG));

    /** errno of the last failed call on this thread's capture segment. */
    private static final ThreadLocal<MemorySegment> CAPTURED =
            ThreadLocal.withInitial(() -> Arena.global().allocate(Native.CALL_STATE));

    private static int errno() {
        return Native.errno(CAPTURED.get());
    }

    /**
     * Makes the socket read and write downcalls now and calls each once on no descriptor (-1: EBADF), so that their
     * first real use is not their first; a warm-up thread calls it.
     */
    public static void prepareInPlaceCalls() {
        MemorySegment scratch = MemorySegment.ofArray(new byte[1]);
        try {
            long r = (long) InPlace.RECV.invokeExact(CAPTURED.get(), -1, scratch, 1L, 0);
            long s = (long) InPlace.SEND.invokeExact(CAPTURED.get(), -1, scratch, 1L, MSG_NOSIGNAL);
        } catch (Throwable ignored) {
            // nothing is expected; a real call would report whatever this met
        }
    }

    @Override
    public int listen(String address, int port, int family) throws IOException {
        if (family == FAMILY_UNIX) {
            return listenUnix(address);
        }
        List<InetAddress> candidates = candidates(address, family);
        IOException last = new IOException("no address to bind for '" + address + "'");
        for (InetAddress candidate : candidates) {
            try {
                return listenInet(candidate, port);
            } catch (IOException e) {
                last = e;
            }
        }
        throw last;
    }

    private static List<InetAddress> candidates(String address, int family) throws IOException {
        List<InetAddress> result = new ArrayList<>();
        try {
            if (address == null || address.isEmpty()) {
                if (family != FAMILY_IPV4) {
                    result.add(InetAddress.getByName("::"));
                }
                if (family != FAMILY_IPV6) {
                    result.add(InetAddress.getByName("0.0.0.0"));
                }
                return result;
            }
            for (InetAddress a : InetAddress.getAllByName(address)) {
                boolean v4 = a instanceof Inet4Address;
                if ((family == FAMILY_IPV4 && !v4) || (family == FAMILY_IPV6 && v4)) {
                    continue;
                }
                result.add(a);
            }
        } catch (UnknownHostException e) {
            throw new IOException("cannot resolve '" + address + "'", e);
        }
        return result;
    }

    private int listenInet(InetAddress address, int port) throws IOException {
        boolean v6 = address instanceof Inet6Address;
        int fd = socket(v6 ? AF_INET6 : AF_INET);
        try (Arena arena = Arena.ofConfined()) {
            setIntOption(fd, SOL_SOCKET, SO_REUSEADDR, 1);
            if (v6) {
                setIntOption(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0); // both families on "::", as the reference does
            }
            MemorySegment sa = arena.allocate(SOCKADDR_STORAGE);
            int length = encode(sa, address, port);
            check((int) BIND.invokeExact(CAPTURED.get(), (long) fd, sa.address(), (long) length, 0L, 0L), "bind " + address.getHostAddress() + ":" + port);
            check((int) LISTEN.invokeExact(CAPTURED.get(), (long) fd, (long) SOMAXCONN, 0L, 0L, 0L), "listen");
            return fd;
        } catch (IOException e) {
            close(fd);
            throw e;
        } catch (Throwable t) {
            close(fd);
            throw new IOException(t);
        }
    }

    private int listenUnix(String path) throws IOException {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (name.length == 0 || name.length >= UNIX_PATH_MAX) {
            throw new IOException("unix socket path length " + name.length + " out of range");
        }
        int fd = socket(AF_UNIX);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(2 + UNIX_PATH_MAX);
            sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(name, 0, sa, ValueLayout.JAVA_BYTE, 2, name.length);
            if (name[0] == '@') {
                sa.set(ValueLayout.JAVA_BYTE, 2, (byte) 0); // abstract namespace
            } else {
                int ignored = (int) UNLINK.invokeExact(CAPTURED.get(), arena.allocateFrom(path).address(), 0L, 0L, 0L, 0L);
            }
            check((int) BIND.invokeExact(CAPTURED.get(), (long) fd, sa.address(), (long) (2 + name.length), 0L, 0L), "bind " + path);
            check((int) LISTEN.invokeExact(CAPTURED.get(), (long) fd, (long) SOMAXCONN, 0L, 0L, 0L), "listen");
            return fd;
        } catch (IOException e) {
            close(fd);
            throw e;
        } catch (Throwable t) {
            close(fd);
            throw new IOException(t);
        }
    }

    private static int socket(int family) throws IOException {
        try {
            return check((int) SOCKET.invokeExact(CAPTURED.get(), (long) family, (long) (SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC), 0L, 0L, 0L),
                    "socket");
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    private static void setIntOption(int fd, int level, int name, int value) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocateFrom(INT, value);
            int ignored = (int) SETSOCKOPT.invokeExact(CAPTURED.get(), (long) fd, (long) level, (long) name, v.address(), 4L);
        }
    }

    @Override
    public int accept(int listenFd) throws IOException {
        try {
            int fd = (int) ACCEPT4.invokeExact(CAPTURED.get(), (long) listenFd, 0L, 0L,
                    (long) (SOCK_NONBLOCK | SOCK_CLOEXEC), 0L);
            if (fd < 0) {
                int err = errno();
                if (err == EAGAIN || err == EINTR) {
                    return -1;
                }
                throw new IOException("accept: errno " + err);
            }
            setIntOption(fd, IPPROTO_TCP, TCP_NODELAY, 1); // fails harmlessly on unix sockets
            return fd;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    @Override
    public int read(int fd, ByteBuffer dst) throws IOException {
        int want = dst.remaining();
        if (want == 0) {
            return 0;
        }
        MemorySegment target = MemorySegment.ofBuffer(dst);
        long n;
        try {
            n = (long) InPlace.RECV.invokeExact(CAPTURED.get(), fd, target, (long) want, 0);
        } catch (Throwable t) {
            throw new IOException(t);
        }
        if (n > 0) {
            dst.position(dst.position() + (int) n);
            return (int) n;
        }
        if (n == 0) {
            return -1;
        }
        int err = errno();
        if (err == EAGAIN || err == EINTR) {
            return 0;
        }
        throw new IOException("recv: errno " + err);
    }

    @Override
    public int write(int fd, ByteBuffer src) throws IOException {
        int want = src.remaining();
        if (want == 0) {
            return 0;
        }
        MemorySegment source = MemorySegment.ofBuffer(src);
        long n;
        try {
            n = (long) InPlace.SEND.invokeExact(CAPTURED.get(), fd, source, (long) want, MSG_NOSIGNAL);
        } catch (Throwable t) {
            throw new IOException(t);
        }
        if (n >= 0) {
            src.position(src.position() + (int) n);
            return (int) n;
        }
        int err = errno();
        if (err == EAGAIN || err == EINTR) {
            return 0;
        }
        throw new IOException("send: errno " + err);
    }

    /**
     * One sendmsg for several buffers (a message's header and body, and the messages after it), as the reference
     * writes with writev: native buffers go in place, heap ones (headers) through a per-thread staging area.
     */
    @Override
    public long write(int fd, ByteBuffer[] srcs, int count) throws IOException {
        if (count == 1) {
            return write(fd, srcs[0]);
        }
        Gather g = GATHER.get();
        int used = 0;
        long staged = 0;
        for (; used < count && used < MAX_IOV; used++) {
            ByteBuffer b = srcs[used];
            int length = b.remaining();
            long address;
            if (b.isDirect()) {
                address = MemorySegment.ofBuffer(b).address();
            } else if (staged + length <= STAGING_BYTES) {
                MemorySegment.copy(MemorySegment.ofBuffer(b), 0, g.staging(), staged, length);
                address = g.staging().address() + staged;
                staged += length;
            } else {
                break; // a large heap buffer goes by itself, as recv/send take it in place
            }
            g.iov().set(LONG, IOVEC_BYTES * used, address);
            g.iov().set(LONG, IOVEC_BYTES * used + 8, length);
        }
        if (used == 0) {
            return write(fd, srcs[0]);
        }
        MemorySegment msg = g.msghdr();
        msg.fill((byte) 0);
        msg.set(LONG, 16, g.iov().address());
        msg.set(LONG, 24, used);
        long n;
        try {
            n = (long) SENDMSG.invokeExact(CAPTURED.get(), (long) fd, msg.address(), (long) MSG_NOSIGNAL, 0L, 0L);
        } catch (Throwable t) {
            throw new IOException(t);
        }
        if (n < 0) {
            int err = errno();
            if (err == EAGAIN || err == EINTR) {
                return 0;
            }
            throw new IOException("sendmsg: errno " + err);
        }
        long left = n;
        for (int i = 0; i < used && left > 0; i++) {
            int take = (int) Math.min(left, srcs[i].remaining());
            srcs[i].position(srcs[i].position() + take);
            left -= take;
        }
        return n;
    }

    @Override
    public long unsentBytes(int fd) {
        try {
            MemorySegment count = WORD.get();
            int rc = (int) IOCTL.invokeExact(CAPTURED.get(), (long) fd, (long) SIOCOUTQNSD, count.address(), 0L, 0L);
            return rc == 0 ? Math.max(0, count.get(INT, 0)) : 0;
        } catch (Throwable t) {
            return 0;
        }
    }

    @Override
    public void setNonBlocking(int fd) throws IOException {
        try {
            int flags = check((int) FCNTL.invokeExact(CAPTURED.get(), (long) fd, (long) F_GETFL, 0L, 0L, 0L), "fcntl F_GETFL");
            check((int) FCNTL.invokeExact(CAPTURED.get(), (long) fd, (long) F_SETFL, (long) (flags | O_NONBLOCK), 0L, 0L), "fcntl F_SETFL");
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    @Override
    public int openWakeup() throws IOException {
        try {
            return check((int) EVENTFD.invokeExact(CAPTURED.get(), 0L, (long) (O_NONBLOCK | SOCK_CLOEXEC), 0L, 0L, 0L), "eventfd");
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    @Override
    public void wake(int fd) {
        MemorySegment one = WORD.get();
        one.set(LONG, 0, 1L);
        try {
            long ignored = (long) WRITE_FD.invokeExact(CAPTURED.get(), (long) fd, one.address(), 8L, 0L, 0L); // a full counter only means a wake-up is due
        } catch (Throwable t) {
            throw new IllegalStateException("eventfd write failed", t);
        }
    }

    @Override
    public void drainWakeup(int fd) {
        try {
            long ignored = (long) READ_FD.invokeExact(CAPTURED.get(), (long) fd, WORD.get().address(), 8L, 0L, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("eventfd read failed", t);
        }
    }

    @Override
    public void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(CAPTURED.get(), (long) fd, 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            // close cannot meaningfully fail for us; the fd is gone either way
        }
    }

    @Override
    public InetSocketAddress localAddress(int fd) {
        return address(fd, GETSOCKNAME);
    }

    @Override
    public InetSocketAddress peerAddress(int fd) {
        return address(fd, GETPEERNAME);
    }

    /** Fills a sockaddr for the given fd with getsockname/getpeername; returns its length or -1. */
    public static int rawAddress(int fd, boolean peer, MemorySegment storage) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment len = arena.allocateFrom(INT, (int) Math.min(storage.byteSize(), SOCKADDR_STORAGE));
            int rc = (int) (peer ? GETPEERNAME : GETSOCKNAME).invokeExact(CAPTURED.get(), (long) fd, storage.address(), len.address(), 0L, 0L);
            return rc == 0 ? len.get(INT, 0) : -1;
        } catch (Throwable t) {
            return -1;
        }
    }

    private static InetSocketAddress address(int fd, MethodHandle call) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(SOCKADDR_STORAGE);
            MemorySegment len = arena.allocateFrom(INT, SOCKADDR_STORAGE);
            if ((int) call.invokeExact(CAPTURED.get(), (long) fd, sa.address(), len.address(), 0L, 0L) != 0) {
                return null;
            }
            return decode(sa);
        } catch (Throwable t) {
            return null;
        }
    }

    static int encode(MemorySegment sa, InetAddress address, int port) {
        byte[] raw = address.getAddress();
        short netPort = (short) Short.reverseBytes((short) port);
        if (address instanceof Inet6Address) {
            sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET6);
            sa.set(ValueLayout.JAVA_SHORT, 2, netPort);
            MemorySegment.copy(raw, 0, sa, ValueLayout.JAVA_BYTE, 8, 16);
            return 28;
        }
        sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET);
        sa.set(ValueLayout.JAVA_SHORT, 2, netPort);
        MemorySegment.copy(raw, 0, sa, ValueLayout.JAVA_BYTE, 4, 4);
        return 16;
    }

    static InetSocketAddress decode(MemorySegment sa) throws UnknownHostException {
        int family = sa.get(ValueLayout.JAVA_SHORT, 0);
        int port = Short.toUnsignedInt(sa.get(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2));
        if (family == AF_INET) {
            return new InetSocketAddress(InetAddress.getByAddress(sa.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE)), port);
        }
        if (family == AF_INET6) {
            return new InetSocketAddress(InetAddress.getByAddress(sa.asSlice(8, 16).toArray(ValueLayout.JAVA_BYTE)), port);
        }
        return null;
    }

    private static int check(int rc, String what) throws IOException {
        if (rc < 0) {
            throw new IOException(what + ": errno " + errno());
        }
        return rc;
    }
}
