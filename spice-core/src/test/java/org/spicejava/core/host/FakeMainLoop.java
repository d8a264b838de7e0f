package org.spicejava.core.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * The host's main loop and network as far as a server with no listening socket needs them: watches the test fires
 * by hand (on the test's thread, standing for the host's main-loop thread), wake-up descriptors that only count,
 * and sockets that swallow what is written (or fail). Nothing is a real fd.
 */
public final class FakeMainLoop implements EventLoop, NetworkStack {
    private final Map<Integer, IntConsumer> watches = new HashMap<>();
    private final Map<Integer, Integer> wakes = new HashMap<>();
    private int nextFd = 1000;
    /** Sockets accept every write until this is set; then each write fails as a reset connection does. */
    public volatile boolean failWrites;
    /** What was written to each socket, when {@link #recordWrites} is set. */
    private final Map<Integer, ByteArrayOutputStream> written = new HashMap<>();
    public volatile boolean recordWrites;

    /** The bytes written to {@code fd} so far (while {@link #recordWrites} was set). */
    public synchronized byte[] written(int fd) {
        ByteArrayOutputStream out = written.get(fd);
        return out == null ? new byte[0] : out.toByteArray();
    }

    /** Runs what the host's main loop would run for readable {@code fd}; returns false when nothing watches it. */
    public boolean fireReadable(int fd) {
        IntConsumer handler = watches.get(fd);
        if (handler == null) {
            return false;
        }
        handler.accept(READ);
        return true;
    }

    /** Fires every watched wake-up descriptor that was woken. */
    public synchronized void runWoken() {
        for (int fd : Map.copyOf(wakes).keySet()) {
            if (wakes.get(fd) > 0) {
                fireReadable(fd);
            }
        }
    }

    public synchronized int wakeCount(int fd) {
        return wakes.getOrDefault(fd, 0);
    }

    @Override
    public Timer newTimer(Runnable task) {
        return IDLE_TIMER;
    }

    @Override
    public Watch newWatch(int fd, int mask, IntConsumer onEvents) {
        watches.put(fd, onEvents);
        return new Watch() {
            @Override
            public void updateMask(int newMask) {
            }

            @Override
            public void remove() {
                watches.remove(fd);
            }
        };
    }

    @Override
    public synchronized int openWakeup() {
        int fd = nextFd++;
        wakes.put(fd, 0);
        return fd;
    }

    @Override
    public synchronized void wake(int fd) {
        if (!wakes.containsKey(fd)) {
            throw new IllegalStateException("wake-up of fd " + fd + ", which is not open");
        }
        wakes.merge(fd, 1, Integer::sum);
    }

    @Override
    public synchronized void drainWakeup(int fd) {
        wakes.computeIfPresent(fd, (k, v) -> 0);
    }

    @Override
    public synchronized void close(int fd) {
        wakes.remove(fd);
    }

    @Override
    public int listen(String address, int port, int family) throws IOException {
        throw new IOException("no sockets in this fake");
    }

    @Override
    public int accept(int listenFd) throws IOException {
        throw new IOException("no sockets in this fake");
    }

    @Override
    public int read(int fd, ByteBuffer dst) throws IOException {
        throw new IOException("no sockets in this fake");
    }

    @Override
    public int write(int fd, ByteBuffer src) throws IOException {
        if (failWrites) {
            throw new IOException("send: connection reset by peer");
        }
        int n = src.remaining();
        if (recordWrites) {
            byte[] bytes = new byte[n];
            src.get(bytes);
            synchronized (this) {
                written.computeIfAbsent(fd, k -> new ByteArrayOutputStream()).writeBytes(bytes);
            }
        } else {
            src.position(src.limit());
        }
        return n;
    }

    @Override
    public void setNonBlocking(int fd) {
    }

    @Override
    public InetSocketAddress localAddress(int fd) {
        return null;
    }

    @Override
    public InetSocketAddress peerAddress(int fd) {
        return null;
    }
}
