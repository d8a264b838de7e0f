package org.spicejava.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

import javax.crypto.Cipher;

import org.spicejava.core.host.EventLoop;
import org.spicejava.core.host.NetworkStack;

/**
 * The host's main loop and any number of client sockets, faked: each client links a channel (SPICE ticket with
 * the empty password, mini header) and then exchanges mini-header messages; timers run when the test fires them.
 * Everything runs on the test's thread, which stands for the host's main-loop thread.
 */
final class FakeClients implements EventLoop, NetworkStack {
    private final Map<Integer, IntConsumer> watches = new HashMap<>();
    private final Map<Integer, Socket> sockets = new HashMap<>();
    final List<Runnable> startedTimers = new ArrayList<>();
    private int nextFd = 100;

    /** One client connection as the server sees it. */
    final class Socket {
        final int fd;
        ByteBuffer incoming = ByteBuffer.allocate(0);
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        boolean closed;
        private int read;

        Socket(int fd) {
            this.fd = fd;
        }

        /** The client sends {@code bytes}. */
        void send(byte[] bytes) {
            ByteBuffer more = ByteBuffer.allocate(incoming.remaining() + bytes.length);
            more.put(incoming).put(bytes).flip();
            incoming = more;
            IntConsumer w = watches.get(fd);
            if (w != null) {
                w.accept(READ);
            }
        }

        /** The client sends one message with a mini header. */
        void message(int type, byte[] body) {
            send(ByteBuffer.allocate(6 + body.length).order(ByteOrder.LITTLE_ENDIAN).putShort((short) type)
                    .putInt(body.length).put(body).array());
        }

        /** What the server wrote since the last call. */
        byte[] take() {
            byte[] all = written.toByteArray();
            byte[] out = Arrays.copyOfRange(all, read, all.length);
            read = all.length;
            return out;
        }

        /** The server's messages since the last call, as {type, body} (mini headers). */
        List<Message> messages() {
            ByteBuffer in = ByteBuffer.wrap(take()).order(ByteOrder.LITTLE_ENDIAN);
            List<Message> out = new ArrayList<>();
            while (in.remaining() >= 6) {
                int type = Short.toUnsignedInt(in.getShort());
                byte[] body = new byte[in.getInt()];
                in.get(body);
                out.add(new Message(type, body));
            }
            return out;
        }

        List<Integer> types() {
            return messages().stream().map(Message::type).toList();
        }

        /** The client closes its end. */
        void close() {
            incoming = null;
            IntConsumer w = watches.get(fd);
            if (w != null) {
                w.accept(READ);
            }
        }
    }

    record Message(int type, byte[] body) {
        ByteBuffer le() {
            return ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    /** A new client socket the server is to adopt. */
    Socket connect() {
        Socket s = new Socket(nextFd++);
        sockets.put(s.fd, s);
        return s;
    }

    /**
     * Links channel {@code type}:0 with {@code connectionId} and the given channel caps on a socket the server
     * adopted, through the ticket, and returns the link result (0 = OK). The RSA key arrives through the main
     * dispatcher, which this runs until the reply is there.
     */
    int link(Socket s, int connectionId, int type, int channelCaps) throws Exception {
        int common = 1 | 1 << 1 | 1 << 3; // auth selection, SPICE ticket auth, mini header
        ByteBuffer link = ByteBuffer.allocate(16 + 26).order(ByteOrder.LITTLE_ENDIAN);
        link.putInt(0x51444552).putInt(2).putInt(2).putInt(26);
        link.putInt(connectionId).put((byte) type).put((byte) 0).putInt(1).putInt(1).putInt(18).putInt(common)
                .putInt(channelCaps);
        s.send(link.array());
        byte[] reply = new byte[0];
        for (int i = 0; i < 500 && reply.length == 0; i++) {
            runDispatcher();
            reply = s.take();
            if (reply.length == 0) {
                Thread.sleep(10);
            }
        }
        assertEquals(0, ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN).getInt(16), "link reply error");
        PublicKey key = KeyFactory.getInstance("RSA")
                .generatePublic(new X509EncodedKeySpec(Arrays.copyOfRange(reply, 16 + 4, 16 + 4 + 162)));
        Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
        rsa.init(Cipher.ENCRYPT_MODE, key);
        byte[] ticket = rsa.doFinal(new byte[1]);
        s.send(ByteBuffer.allocate(4 + ticket.length).order(ByteOrder.LITTLE_ENDIAN).putInt(1).put(ticket).array());
        runDispatcher();
        byte[] result = s.take();
        ByteBuffer r = ByteBuffer.wrap(result).order(ByteOrder.LITTLE_ENDIAN);
        int error = r.getInt();
        // What followed the result belongs to the channel: put it back for messages().
        s.written.reset();
        s.written.write(result, 4, result.length - 4);
        s.read = 0;
        return error;
    }

    /** Runs the main dispatcher's work (posted from other threads) by firing every wake-up watch. */
    void runDispatcher() {
        for (Map.Entry<Integer, IntConsumer> e : List.copyOf(watches.entrySet())) {
            if (!sockets.containsKey(e.getKey())) {
                e.getValue().accept(READ);
            }
        }
    }

    @Override
    public Watch newWatch(int fd, int mask, IntConsumer onEvents) {
        watches.put(fd, onEvents);
        return new Watch() {
            @Override
            public void updateMask(int m) {
            }

            @Override
            public void remove() {
                watches.remove(fd, onEvents);
            }
        };
    }

    @Override
    public Timer newTimer(Runnable task) {
        return new Timer() {
            @Override
            public void start(long millis) {
                startedTimers.add(task);
            }

            @Override
            public void cancel() {
                startedTimers.remove(task);
            }

            @Override
            public void remove() {
                startedTimers.remove(task);
            }
        };
    }

    @Override
    public int listen(String address, int port, int family) {
        throw new UnsupportedOperationException();
    }

    @Override
    public int accept(int listenFd) {
        return -1;
    }

    @Override
    public int read(int fd, ByteBuffer dst) {
        Socket s = sockets.get(fd);
        if (s.incoming == null) {
            return -1;
        }
        int n = Math.min(dst.remaining(), s.incoming.remaining());
        dst.put(dst.position(), s.incoming, s.incoming.position(), n).position(dst.position() + n);
        s.incoming.position(s.incoming.position() + n);
        return n;
    }

    @Override
    public int write(int fd, ByteBuffer src) {
        byte[] b = new byte[src.remaining()];
        src.get(b);
        sockets.get(fd).written.writeBytes(b);
        return b.length;
    }

    @Override
    public void setNonBlocking(int fd) {
    }

    @Override
    public void close(int fd) {
        Socket s = sockets.get(fd);
        if (s != null) {
            s.closed = true;
        }
    }

    @Override
    public int openWakeup() {
        return nextFd++;
    }

    @Override
    public void wake(int fd) {
    }

    @Override
    public void drainWakeup(int fd) {
    }

    @Override
    public InetSocketAddress localAddress(int fd) {
        return new InetSocketAddress("127.0.0.1", 5900);
    }

    @Override
    public InetSocketAddress peerAddress(int fd) {
        return new InetSocketAddress("127.0.0.1", 40000 + fd);
    }
}
