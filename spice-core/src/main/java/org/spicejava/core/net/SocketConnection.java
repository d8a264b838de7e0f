package org.spicejava.core.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.host.EventLoop;
import org.spicejava.core.host.NetworkStack;

/**
 * One non-blocking client socket driven by an {@link EventLoop} watch (the reference's RedStream plus the
 * watch handling of RedChannelClient): incoming bytes go to a reader, outgoing buffers are queued and written
 * when the socket can take them. Owned by the thread of its event loop.
 */
public final class SocketConnection {
    private static final Logger LOG = LoggerFactory.getLogger(SocketConnection.class);
    /** Bytes read per readiness event before other connections get a turn. */
    static final int READ_CHUNK = 64 * 1024;
    /** Queued buffers handed to one write at most. */
    static final int GATHER = 16;
    /** Bytes a corked connection queues before it writes anyway. */
    static final long CORK_LIMIT = 256 * 1024;

    /** Receives bytes (position..limit of the buffer; consume what you need, the rest is kept). */
    public interface Reader {
        void onData(ByteBuffer data);
    }

    private final int fd;
    private final NetworkStack network;
    private final EventLoop loop;
    private final ArrayDeque<ByteBuffer> output = new ArrayDeque<>();
    /** The queued buffers one write hands the transport (a message's header and body, and the next messages). */
    private final ByteBuffer[] gather = new ByteBuffer[GATHER];
    /**
     * What to run once each queued buffer has been written (or dropped at close), in step with {@link #output}:
     * {@link #NOTHING} for most. A parallel queue rather than a map by buffer: no hashing per buffer written.
     */
    private final ArrayDeque<Runnable> afterWrite = new ArrayDeque<>();
    private static final Runnable NOTHING = () -> { };
    private long maxQueuedBytes;
    private ByteBuffer input = ByteBuffer.allocate(4096);
    private EventLoop.Watch watch;
    private Reader reader;
    private Consumer<String> onClose;
    private Runnable onWritten = () -> { };
    private long queuedBytes;
    private Transport transport;
    private boolean closed;
    private boolean writeWatched;
    private boolean delivering;
    /** The reader holds input back (its consumer is full): the socket is not read until resumed. */
    private boolean readPaused;
    /** Sends queue without writing until {@link #uncork} (or {@link #CORK_LIMIT}). */
    private boolean corked;

    public SocketConnection(int fd, NetworkStack network, EventLoop loop, long maxQueuedBytes) {
        this.fd = fd;
        this.network = network;
        this.loop = loop;
        this.maxQueuedBytes = maxQueuedBytes;
        this.transport = new PlainTransport(network, fd);
    }

    /** Reads and writes through {@code layer} (TLS) instead of the bare socket; before {@link #start}. */
    public void useTransport(Transport layer) {
        transport = layer;
    }

    /**
     * Puts a layer over the current transport mid-stream (a WebSocket upgrade) and writes what it holds at once.
     * Bytes already read stay with the reader: the caller makes sure none belong to the new layer.
     */
    public void upgradeTransport(java.util.function.UnaryOperator<Transport> layer) {
        transport = layer.apply(transport);
        flush();
    }

    /** True when the connection runs over TLS. */
    public boolean secure() {
        return transport.secure();
    }

    public int fd() {
        return fd;
    }

    public NetworkStack network() {
        return network;
    }

    /** What moves with a connection to another thread's loop: bytes read but not handled, output not yet sent. */
    public record Handover(int fd, NetworkStack network, Transport transport, byte[] input, List<ByteBuffer> output,
                           long maxQueuedBytes) {
    }

    /** Starts watching the socket; {@code onClose} gets the reason once, when the connection ends. */
    public void start(Reader firstReader, Consumer<String> closeHandler) {
        this.reader = firstReader;
        this.onClose = closeHandler;
        this.writeWatched = transport.wantsWritable(!output.isEmpty());
        this.watch = loop.newWatch(fd, mask(), this::onEvents);
        if (input.position() > 0) {
            deliver();
        }
        if (!closed && transport.hasBufferedInput()) {
            readAvailable(); // decrypted bytes a handed-over transport holds: no socket event will announce them
        }
    }

    /**
     * Stops using this connection on this thread without closing the socket, so another event loop can adopt it
     * ({@link #adopt}). The close handler does not run. Call on this connection's loop thread.
     */
    public Handover handOver() {
        if (watch != null) {
            watch.remove();
        }
        closed = true;
        // Inside deliver() the buffer is in read mode; otherwise it holds unread bytes in write mode.
        ByteBuffer unread = delivering ? input.duplicate() : input.duplicate().flip();
        byte[] left = new byte[unread.remaining()];
        unread.get(left);
        input.clear();
        delivering = false;
        Handover h = new Handover(fd, network, transport, left, List.copyOf(output), maxQueuedBytes);
        output.clear();
        afterWrite.clear();
        queuedBytes = 0;
        return h;
    }

    /** A connection on {@code loop} for a handed-over socket; {@link #start} it on that loop's thread. */
    public static SocketConnection adopt(Handover h, EventLoop loop) {
        SocketConnection c = new SocketConnection(h.fd(), h.network(), loop, h.maxQueuedBytes());
        c.transport = h.transport();
        if (h.input().length > c.input.capacity()) {
            c.input = ByteBuffer.allocate(h.input().length);
        }
        c.input.put(h.input());
        for (ByteBuffer b : h.output()) {
            c.output.add(b);
            c.afterWrite.add(NOTHING);
            c.queuedBytes += b.remaining();
        }
        return c;
    }

    /** Runs after the socket became writable and took queued output (output pipelines refill from it). */
    public void onWritten(Runnable listener) {
        onWritten = listener;
    }

    /** Changes the bound on unread output (a linked channel may queue more than a linking one). */
    public void setOutputLimit(long bytes) {
        maxQueuedBytes = bytes;
    }

    /** Replaces the close handler (the new owner of the connection takes over). */
    public void onClose(Consumer<String> handler) {
        onClose = handler;
    }

    /**
     * Hands further input to another reader (the link stage hands over to a channel). Bytes already read and not
     * yet taken go to the new reader at once (inside a delivery, the delivery loop does that).
     */
    public void setReader(Reader next) {
        this.reader = next;
        if (!delivering && !closed && watch != null && input.position() > 0) {
            deliver();
        }
    }

    public boolean closed() {
        return closed;
    }

    public long queuedBytes() {
        return queuedBytes;
    }

    /** What a message queued now waits behind: our queue and the bytes the kernel has yet to send. */
    public long backlogBytes() {
        return closed ? queuedBytes : queuedBytes + network.unsentBytes(fd);
    }

    /**
     * Stops or resumes reading the socket (the reference's block_read / unblock_read): a reader whose consumer is
     * full pauses, so a peer that sends faster than the data is used waits in its own socket buffer. Messages
     * already read are still delivered; pausing bounds what comes after them.
     */
    public void pauseReading(boolean paused) {
        if (paused == readPaused || closed) {
            readPaused = paused;
            return;
        }
        readPaused = paused;
        if (watch != null) {
            watch.updateMask(mask());
        }
        if (!paused && !delivering && transport.hasBufferedInput()) {
            readAvailable(); // a security layer's buffered bytes raise no socket event
        }
    }

    public boolean readPaused() {
        return readPaused;
    }

    private int mask() {
        return (readPaused ? 0 : EventLoop.READ) | (writeWatched ? EventLoop.WRITE : 0);
    }

    /**
     * Holds small messages back until {@link #uncork}, so a run of them (a surface and the picture that fills it,
     * a screen's worth of draws) leaves in one write and reaches the peer together.
     */
    public void cork() {
        corked = true;
    }

    /** Writes what {@link #cork} held. */
    public void uncork() {
        corked = false;
        flush();
    }

    /** Queues bytes to send; a peer that lets more than the bound pile up is disconnected. */
    public void send(ByteBuffer data) {
        send(data, null);
    }

    /**
     * Like {@link #send(ByteBuffer)}; {@code done} runs once the buffer has been written or, if the connection
     * closes first, when it is dropped, so memory behind it can be given back.
     */
    public void send(ByteBuffer data, Runnable done) {
        send(new ByteBuffer[] {data}, done);
    }

    /**
     * Queues the buffers of one message in order and writes them together (one gathering write on a plain socket);
     * {@code done} runs once all are written or dropped.
     */
    public void send(ByteBuffer[] data, Runnable done) {
        int last = data.length - 1;
        while (last >= 0 && !data[last].hasRemaining()) {
            last--;
        }
        if (closed || last < 0) {
            if (done != null) {
                done.run();
            }
            return;
        }
        for (int i = 0; i <= last; i++) {
            if (data[i].hasRemaining()) {
                queuedBytes += data[i].remaining();
                output.add(data[i]);
                afterWrite.add(i == last && done != null ? done : NOTHING);
            }
        }
        if (queuedBytes > maxQueuedBytes) {
            close("peer does not read: more than " + maxQueuedBytes + " bytes queued");
            return;
        }
        if (!corked || queuedBytes >= CORK_LIMIT) {
            flush();
        }
    }

    private void onEvents(int events) {
        if ((events & EventLoop.WRITE) != 0) {
            flush();
            if (!closed) {
                onWritten.run(); // not from flushes inside send(): a message being queued must not be interleaved
            }
        }
        if ((events & EventLoop.READ) != 0 && !closed && !readPaused) {
            readAvailable();
        }
    }

    private void readAvailable() {
        int total = 0;
        // Bytes a security layer already took from the socket raise no socket event: deliver them now.
        while (!closed && !readPaused && (total < READ_CHUNK || transport.hasBufferedInput())) {
            if (!input.hasRemaining()) {
                grow();
            }
            int n;
            try {
                n = transport.read(input);
            } catch (IOException e) {
                close("read failed: " + e.getMessage());
                return;
            }
            if (n < 0) {
                close("peer closed the connection");
                return;
            }
            if (n == 0) {
                break;
            }
            total += n;
            deliver();
        }
        flush(); // a security layer may have answered (handshake) or become ready for queued output
    }

    private void deliver() {
        input.flip();
        delivering = true;
        try {
            Reader current;
            int before;
            do {
                current = reader;
                before = input.remaining();
                current.onData(input);
            } while (!closed && input.hasRemaining() && (reader != current || input.remaining() != before));
        } catch (RuntimeException e) {
            LOG.warn("fd {}: dropping connection after a handler error", fd, e);
            close("handler error: " + e);
        }
        if (!delivering) {
            return; // handed over while delivering: the buffer was given away
        }
        delivering = false;
        input.compact();
    }

    private void grow() {
        // The reader bounds message sizes; grow only up to what one message may need.
        ByteBuffer bigger = ByteBuffer.allocate(Math.min(input.capacity() * 2, 16 * 1024 * 1024));
        input.flip();
        bigger.put(input);
        input = bigger;
    }

    private void flush() {
        if (closed) {
            return;
        }
        try {
            transport.flush();
        } catch (IOException e) {
            close("write failed: " + e.getMessage());
            return;
        }
        while (!closed && !output.isEmpty()) {
            int count = 0;
            long offered = 0;
            for (ByteBuffer b : output) {
                gather[count++] = b;
                offered += b.remaining();
                if (count == gather.length) {
                    break;
                }
            }
            long n;
            try {
                n = transport.write(gather, count);
            } catch (IOException e) {
                close("write failed: " + e.getMessage());
                return;
            } finally {
                Arrays.fill(gather, 0, count, null);
            }
            queuedBytes -= n;
            int written = 0;
            while (written < count && !output.isEmpty() && !output.peek().hasRemaining()) {
                output.poll();
                written++;
                afterWrite.poll().run();
            }
            if (n < offered) {
                break; // the socket took what it could: wait until it is writable, then write a large chunk again
            }
        }
        if (!closed && watch != null) {
            boolean wantWrite = transport.wantsWritable(!output.isEmpty());
            if (wantWrite != writeWatched) {
                writeWatched = wantWrite;
                watch.updateMask(mask());
            }
        }
    }

    /**
     * Closes the socket and its watch; the close handler runs once with the reason, before the fd is closed, so
     * whatever it records is in place by the time the peer sees the end of the stream (and may link again).
     */
    public void close(String reason) {
        if (closed) {
            return;
        }
        closed = true;
        if (watch != null) {
            watch.remove();
        }
        output.clear();
        queuedBytes = 0;
        try {
            List<Runnable> dropped = List.copyOf(afterWrite);
            afterWrite.clear();
            dropped.forEach(Runnable::run);
            if (onClose != null) {
                onClose.accept(reason);
            }
        } finally {
            transport.close();
            network.close(fd);
        }
    }
}
