package org.spicejava.core.net.tls;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.function.IntConsumer;

import org.spicejava.core.net.DetachedSocket;

/**
 * An in-memory, non-blocking socket pair and a level-triggered event loop for one server fd: what the server writes
 * goes to the client side, bounded by a socket buffer of {@code capacity} bytes; the client's bytes arrive as reads
 * of random sizes. Writes take random partial counts and sometimes 0 (EAGAIN) even with room left, so every
 * "try again when writable" path runs. {@link #pump} delivers what a poll(2) loop would: READ while there is input
 * (or the end of the stream) and the watch asks for it, WRITE while the buffer has room and the watch asks for it.
 */
final class TlsPipe extends DetachedSocket {
    static final int FD = 9;

    /** Bytes in one direction: appended at the end, taken from the front. */
    static final class ByteQueue {
        private byte[] data = new byte[1024];
        private int start;
        private int end;

        int size() {
            return end - start;
        }

        void add(ByteBuffer src, int n) {
            if (end + n > data.length) {
                byte[] bigger = new byte[Math.max(data.length * 2, size() + n)];
                System.arraycopy(data, start, bigger, 0, size());
                end = size();
                start = 0;
                data = bigger;
            }
            src.get(data, end, n);
            end += n;
        }

        void add(byte[] bytes) {
            add(ByteBuffer.wrap(bytes), bytes.length);
        }

        int take(ByteBuffer dst, int max) {
            int n = Math.min(Math.min(max, size()), dst.remaining());
            dst.put(data, start, n);
            start += n;
            return n;
        }
    }

    final ByteQueue toServer = new ByteQueue();
    final ByteQueue toClient = new ByteQueue();
    private final Random random;
    private final int capacity;
    private final int maxWrite;
    private final int maxRead;
    private final double zeroWrites;
    private IntConsumer watch;
    private int mask;
    private boolean watchRemoved;
    boolean clientClosed;
    boolean serverClosed;
    long writeCalls;
    long zeroWriteCalls;

    /**
     * {@code capacity}: socket buffer towards the client; {@code maxWrite}/{@code maxRead}: largest count one
     * write/read call moves; {@code zeroWrites}: share of write calls that take nothing although there is room.
     */
    TlsPipe(long seed, int capacity, int maxWrite, int maxRead, double zeroWrites) {
        this.random = new Random(seed);
        this.capacity = capacity;
        this.maxWrite = maxWrite;
        this.maxRead = maxRead;
        this.zeroWrites = zeroWrites;
    }

    /** A socket that takes everything at once, as a loopback socket with large buffers does. */
    static TlsPipe roomy() {
        return new TlsPipe(1, 8 << 20, 8 << 20, 1 << 20, 0);
    }

    int mask() {
        return watchRemoved ? 0 : mask;
    }

    boolean watched() {
        return watch != null && !watchRemoved;
    }

    /** One poll round: the events the watch asks for and the socket has. False when nothing fired. */
    boolean pump() {
        if (!watched() || serverClosed) {
            return false;
        }
        int events = 0;
        if ((mask & READ) != 0 && (toServer.size() > 0 || clientClosed)) {
            events |= READ;
        }
        if ((mask & WRITE) != 0 && toClient.size() < capacity) {
            events |= WRITE;
        }
        if (events == 0) {
            return false;
        }
        watch.accept(events);
        return true;
    }

    /** The client reads what the server wrote (frees the socket buffer). */
    byte[] clientReceives() {
        ByteBuffer all = ByteBuffer.allocate(toClient.size());
        toClient.take(all, all.capacity());
        return all.array();
    }

    // ------------------------------------------------------------------ NetworkStack for the server's fd

    @Override
    public int read(int fd, ByteBuffer dst) {
        if (toServer.size() == 0) {
            return clientClosed ? -1 : 0;
        }
        return toServer.take(dst, 1 + random.nextInt(maxRead));
    }

    @Override
    public int write(int fd, ByteBuffer src) {
        writeCalls++;
        int room = capacity - toClient.size();
        if (room <= 0 || random.nextDouble() < zeroWrites) {
            zeroWriteCalls++;
            return 0;
        }
        int n = Math.min(Math.min(src.remaining(), room), 1 + random.nextInt(maxWrite));
        toClient.add(src, n);
        return n;
    }

    @Override
    public void close(int fd) {
        serverClosed = true;
    }

    @Override
    public Watch newWatch(int fd, int m, IntConsumer onEvents) {
        watch = onEvents;
        mask = m;
        watchRemoved = false;
        return new Watch() {
            @Override
            public void updateMask(int newMask) {
                mask = newMask;
            }

            @Override
            public void remove() {
                watchRemoved = true;
            }
        };
    }

    /** Collects bytes (a reader that takes everything it is given). */
    static final class Sink {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        void onData(ByteBuffer data) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            bytes.writeBytes(b);
        }

        int size() {
            return bytes.size();
        }
    }
}
