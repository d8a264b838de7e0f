package org.spicejava.ffi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.spicejava.core.host.NetworkStack;

/** Gathering writes (sendmsg) over a real TCP connection: order, partial writes, heap and native buffers. */
class LibcNetworkTest {
    private final LibcNetwork network = new LibcNetwork();

    private static ByteBuffer heap(int size, int seed) {
        ByteBuffer b = ByteBuffer.allocate(size);
        for (int i = 0; i < size; i++) {
            b.put(i, (byte) (i * 31 + seed));
        }
        return b;
    }

    private static ByteBuffer direct(int size, int seed) {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        b.put(heap(size, seed));
        return b.flip();
    }

    /** The connection a client made to {@code listen}, once accepted (the socket is non-blocking). */
    private int acceptOne(int listen) throws Exception {
        int fd = -1;
        for (int i = 0; i < 500 && fd < 0; i++) {
            fd = network.accept(listen);
            Thread.sleep(2);
        }
        assertTrue(fd >= 0, "no connection accepted");
        return fd;
    }

    @Test
    void buffersArriveInOrderThroughPartialWrites() throws Exception {
        int listen = network.listen("127.0.0.1", 0, NetworkStack.FAMILY_IPV4);
        try (Socket client = new Socket("127.0.0.1", network.localAddress(listen).getPort())) {
            int fd = acceptOne(listen);
            // headers (heap, staged), bodies (native, in place), and a heap buffer larger than the staging area
            ByteBuffer[] queued = {heap(6, 1), heap(93, 2), direct(24 << 20, 3), heap(40, 4), heap(200_000, 5),
                    direct(70_000, 6), heap(1, 7)};
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            for (ByteBuffer b : queued) {
                byte[] bytes = new byte[b.remaining()];
                b.duplicate().get(bytes);
                expected.write(bytes);
            }
            // Fill the socket before the client reads: a write must stop part-way and say how much it took.
            long total = 0;
            int first = 0;
            long n;
            do {
                n = network.write(fd, java.util.Arrays.copyOfRange(queued, first, queued.length), queued.length - first);
                total += n;
                while (first < queued.length && !queued[first].hasRemaining()) {
                    first++;
                }
            } while (n > 0 && first < queued.length);
            long positions = 0;
            for (ByteBuffer b : queued) {
                positions += b.position();
            }
            assertEquals(total, positions, "each buffer's position advanced by what it gave");
            assertTrue(first < queued.length, "a 24 MiB body fits no socket buffer at once");

            InputStream in = client.getInputStream();
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try {
                    return in.readNBytes(expected.size());
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            while (first < queued.length) {
                n = network.write(fd, java.util.Arrays.copyOfRange(queued, first, queued.length), queued.length - first);
                while (first < queued.length && !queued[first].hasRemaining()) {
                    first++;
                }
                if (n == 0) {
                    Thread.sleep(1);
                }
            }
            assertArrayEquals(expected.toByteArray(), received.get(30, TimeUnit.SECONDS));
            network.close(fd);
        } finally {
            network.close(listen);
        }
    }

    @Test
    void unsentBytesAreWhatThePeerHasNotTakenYet() throws Exception {
        int listen = network.listen("127.0.0.1", 0, NetworkStack.FAMILY_IPV4);
        try (Socket client = new Socket("127.0.0.1", network.localAddress(listen).getPort())) {
            int fd = acceptOne(listen);
            assertEquals(0, network.unsentBytes(fd));
            long written = 0;
            long n;
            ByteBuffer chunk = direct(1 << 20, 9);
            do { // until the client's receive buffer and ours are full
                n = network.write(fd, chunk.clear());
                written += n;
            } while (n > 0);
            long unsent = network.unsentBytes(fd);
            assertTrue(unsent > 0 && unsent < written, unsent + " of " + written + " bytes unsent");
            client.getInputStream().readNBytes((int) written);
            for (int i = 0; i < 500 && network.unsentBytes(fd) > 0; i++) {
                Thread.sleep(2);
            }
            assertEquals(0, network.unsentBytes(fd), "all taken");
            assertEquals(0, network.unsentBytes(-1), "no such socket: nothing known to wait");
            network.close(fd);
        } finally {
            network.close(listen);
        }
    }
}
