package org.spicejava.core.vmc;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

import org.spicejava.core.chardev.CharDeviceHost;

/**
 * What waits to be written to one char device (the write side of the reference's RedCharDevice: its write queue
 * and current buffer). Each buffer remembers who queued it, so a leaving client's buffers can be dropped where
 * the reference drops them. {@link #full} is the flow control: past {@link VmcProtocol#WRITE_QUEUE_MESSAGES}
 * buffers or {@link VmcProtocol#WRITE_QUEUE_BYTES} bytes the client's socket is not read. Main-loop thread.
 */
final class WriteQueue {
    private record Entry(ByteBuffer data, Object owner) {
    }

    private final ArrayDeque<Entry> queue = new ArrayDeque<>();
    private Entry current;
    private long bytes;

    /** Queues {@code data} (position to limit; not copied, not to be changed afterwards). */
    void add(ByteBuffer data, Object owner) {
        queue.add(new Entry(data, owner));
        bytes += data.remaining();
    }

    boolean isEmpty() {
        return current == null && queue.isEmpty();
    }

    /** True while the queue is at its bound: whoever fills it waits. */
    boolean full() {
        return queue.size() + (current == null ? 0 : 1) >= VmcProtocol.WRITE_QUEUE_MESSAGES
                || bytes >= VmcProtocol.WRITE_QUEUE_BYTES;
    }

    long bytes() {
        return bytes;
    }

    int buffers() {
        return queue.size() + (current == null ? 0 : 1);
    }

    /** What the device has not taken yet, oldest first, copied (a seamless migration hands it over). */
    byte[] pending() {
        byte[] all = new byte[(int) bytes];
        ByteBuffer out = ByteBuffer.wrap(all);
        if (current != null) {
            out.put(current.data.duplicate());
        }
        for (Entry e : queue) {
            out.put(e.data.duplicate());
        }
        return all;
    }

    /** Writes while the device takes bytes; returns how many it took. */
    long write(CharDeviceHost host) {
        long total = 0;
        while (true) {
            if (current == null) {
                current = queue.poll();
                if (current == null) {
                    return total;
                }
            }
            if (!current.data.hasRemaining()) { // an empty message: nothing to write
                current = null;
                continue;
            }
            int n = host.write(current.data);
            if (n <= 0) {
                return total;
            }
            total += n;
            bytes -= n;
            if (!current.data.hasRemaining()) {
                current = null;
            }
        }
    }

    /**
     * Forgets the buffers {@code owner} queued that the device has not started on; one it is in the middle of is
     * finished (char-device.cpp red_char_device_client_free).
     */
    void dropOwner(Object owner) {
        queue.removeIf(e -> {
            if (e.owner == owner) {
                bytes -= e.data.remaining();
                return true;
            }
            return false;
        });
    }

    void clear() {
        queue.clear();
        current = null;
        bytes = 0;
    }
}
