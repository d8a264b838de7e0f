package org.spicejava.core.vmc;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.IntConsumer;

import org.spicejava.core.channel.MessageFramer;
import org.spicejava.core.chardev.CharDeviceHost;
import org.spicejava.core.chardev.CharDeviceState;
import org.spicejava.core.host.EventLoop;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.link.LinkStage;
import org.spicejava.core.net.FakeSocket;

/** Fakes for the spicevmc devices: a guest side, a main loop whose tasks and timers the test runs, client wire. */
final class VmcFakes {
    private VmcFakes() {
    }

    /** The guest side of a char device: bytes it offers (or endless bytes), bytes written to it, calls made. */
    static final class Host implements CharDeviceHost {
        final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        final List<Boolean> states = new ArrayList<>();
        final List<Integer> events = new ArrayList<>();
        /** How many bytes writes take in all (Integer.MAX_VALUE: no limit; 0: the guest takes nothing). */
        int writeRoom = Integer.MAX_VALUE;
        /** Offers this byte without end (a guest that writes garbage forever); -1: only {@link #pending}. */
        int endless = -1;
        long offered;
        int calls;

        void offer(byte[] bytes) {
            pending.writeBytes(bytes);
        }

        @Override
        public int read(ByteBuffer dst) {
            calls++;
            if (endless >= 0) {
                int n = Math.min(dst.remaining(), 4096);
                for (int i = 0; i < n; i++) {
                    dst.put((byte) endless);
                }
                offered += n;
                return n;
            }
            byte[] all = pending.toByteArray();
            int n = Math.min(Math.min(all.length, dst.remaining()), 4096);
            dst.put(all, 0, n);
            pending.reset();
            pending.write(all, n, all.length - n);
            offered += n;
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            calls++;
            int n = Math.min(Math.min(src.remaining(), writeRoom), 4096);
            byte[] b = new byte[n];
            src.get(b);
            written.writeBytes(b);
            if (writeRoom != Integer.MAX_VALUE) {
                writeRoom -= n;
            }
            return n;
        }

        @Override
        public void state(boolean connected) {
            calls++;
            states.add(connected);
        }

        @Override
        public void event(int event) {
            calls++;
            events.add(event);
        }
    }

    /** The main loop: tasks wait until the test runs them, as the dispatcher's do; timers fire when told. */
    static final class Loop implements Executor, EventLoop {
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        final List<Runnable> startedTimers = new ArrayList<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        /** Runs queued tasks (and those they queue) up to {@code max}; returns how many ran. */
        int run(int max) {
            int n = 0;
            Runnable t;
            while (n < max && (t = tasks.poll()) != null) {
                t.run();
                n++;
            }
            return n;
        }

        int run() {
            return run(100_000);
        }

        /** Fires the timers started since the last call. */
        void fireTimers() {
            List<Runnable> due = List.copyOf(startedTimers);
            startedTimers.clear();
            due.forEach(Runnable::run);
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
        public Watch newWatch(int fd, int mask, IntConsumer onEvents) {
            throw new UnsupportedOperationException();
        }
    }

    static CharDeviceState state(String subtype, String port) {
        CharDeviceState s = new CharDeviceState(subtype, port);
        s.setRunning(true);
        return s;
    }

    /** A link with the mini header and the given channel capability word. */
    static LinkMessage link(int type, int id, int caps) {
        return new LinkMessage(1, type, id, new int[] {1 << LinkStage.CAP_MINI_HEADER}, new int[] {caps});
    }

    /** One message as the client frames it (mini header). */
    static byte[] frame(int type, byte[] body) {
        ByteBuffer b = new MessageFramer(true, Integer.MAX_VALUE).encode(0, type, ByteBuffer.wrap(body));
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    record Msg(int type, byte[] body) {
        ByteBuffer le() {
            return ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    /** What the server wrote on {@code socket}, as messages (mini header). */
    static List<Msg> messages(FakeSocket socket) {
        List<Msg> list = new ArrayList<>();
        new MessageFramer(true, Integer.MAX_VALUE).decode(ByteBuffer.wrap(socket.written()), (type, body) -> {
            byte[] b = new byte[body.remaining()];
            body.get(b);
            list.add(new Msg(type, b));
        });
        return list;
    }

    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    /** Compressible bytes: a short text repeated. */
    static byte[] text(int n) {
        byte[] b = new byte[n];
        byte[] word = "spice-java vmc ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; i < n; i++) {
            b[i] = word[i % word.length];
        }
        return b;
    }
}
