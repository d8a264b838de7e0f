package org.spicejava.core.vmc;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.spicejava.core.agent.AgentDevice;
import org.spicejava.core.chardev.CharDeviceHost;
import org.spicejava.core.chardev.CharDeviceState;
import org.spicejava.core.host.EventLoop;

/**
 * One char device behind a spicevmc or smartcard channel (the reference's RedCharDevice with its spicevmc and
 * smartcard kinds): the host's instance, the one client attached to it, and a bounded buffer each way.
 *
 * <p>Device to client: what the host offers is read into pieces ({@link #absorb}) queued for the client; the
 * device is read only while the client has less than {@link VmcProtocol#QUEUED_DATA_LIMIT} bytes queued and not
 * yet written to its socket, so a client that stops reading holds back its device and nothing else. Client to
 * device: the client's messages go through a {@link WriteQueue}; when it is full the client's socket is not read
 * until the device took enough.
 *
 * <p>Threads: everything runs on the host's main-loop thread except {@link #wakeup}, {@link #remove} and what the
 * kinds post from there, which the host may call on any thread (QEMU: a vCPU thread holding its global lock, or
 * its main thread from inside one of our own calls into the device). The host offers its pending bytes only during
 * the wakeup call, so they are read there, under {@link #readLock}, into the bounded outgoing queue; sending and
 * writing happen on the main loop.
 */
abstract sealed class VmcDevice permits PassthroughDevice, SmartcardDevice {
    /** How many rounds of write, send and read one pump does before it waits for the next trigger. */
    private static final int PUMP_ROUNDS = 16;
    /** Reads of up to {@link VmcProtocol#READ_BYTES} one call takes from the host at most (a host never runs dry). */
    private static final int READS_PER_CALL = 16;

    /** The channel client attached to the device, as the device needs it. Main-loop thread. */
    interface Client {
        /** Sends one piece of device data; {@code written} runs once the socket took it, or it was dropped. */
        void deliver(byte[] data, Runnable written);

        /** A port event of the guest side (port channels only). */
        default void deliverEvent(int event) {
        }

        /** Stops or resumes reading the client's socket: flow control of the device's write queue. */
        void pauseReading(boolean paused);

        /** Cuts the client off. */
        void disconnect(String reason);
    }

    /** What waits for the client: device data, or (port channels) a port event in its place in the stream. */
    sealed interface Outgoing permits Data, Event {
    }

    record Data(byte[] bytes) implements Outgoing {
    }

    record Event(int event) implements Outgoing {
    }

    final CharDeviceState state;
    private final Executor mainLoop;
    private final Supplier<EventLoop> loop;
    final WriteQueue writes = new WriteQueue();
    /** Guards the host's read side and what was read: {@link #outgoing}, {@link #scratch}, the kinds' parsers. */
    final Object readLock = new Object();
    private final ArrayDeque<Outgoing> outgoing = new ArrayDeque<>();
    private final byte[] scratch = new byte[VmcProtocol.READ_BYTES];
    /** Bytes of device data for the current client, queued or in its socket's output. */
    private final AtomicLong queued = new AtomicLong();
    private final AtomicBoolean pumpPosted = new AtomicBoolean();
    private volatile CharDeviceHost host;
    private volatile Client client;
    private volatile boolean removed;
    private EventLoop.Timer retryTimer;
    private boolean pumping;
    private boolean pumpAgain;
    /** The client whose socket is paused because {@link #writes} is full, or null. */
    private Client paused;

    VmcDevice(CharDeviceState state, CharDeviceHost host, Executor mainLoop, Supplier<EventLoop> loop) {
        this.state = state;
        this.host = host == null ? AgentDevice.NO_HOST : host;
        this.mainLoop = mainLoop;
        this.loop = loop;
    }

    /** Turns {@code length} bytes read from the host into outgoing pieces ({@link #emit}). Read lock held. */
    abstract void absorb(byte[] data, int length);

    /** Whether to read the host now. Any thread. */
    abstract boolean wantsInput();

    /** The device was removed while {@code c} was attached. Main-loop thread. */
    abstract void removedWhileAttached(Client c);

    final Client client() {
        return client;
    }

    final boolean removed() {
        return removed;
    }

    final long queued() {
        return queued.get();
    }

    final CharDeviceHost host() {
        return host;
    }

    final boolean running() {
        return state.running() && !removed;
    }

    // ---------------------------------------------------------------- device to client

    /** spice_server_char_device_wakeup, any thread: reads what the host offers now, then the main loop goes on. */
    final void wakeup() {
        if (running()) {
            readFromHost();
        }
        postPump();
    }

    /** Runs {@link #pump} on the main loop soon; posts pile up into one. Any thread. */
    final void postPump() {
        if (pumpPosted.compareAndSet(false, true)) {
            mainLoop.execute(() -> {
                pumpPosted.set(false);
                pump();
            });
        }
    }

    /** Queues outgoing data for the attached client; without one it is dropped. Read lock held. */
    final void emit(byte[] data) {
        if (client != null) {
            outgoing.add(new Data(data));
            queued.addAndGet(data.length);
        }
    }

    /** Queues a port event in its place among the data; without a client it is dropped. Read lock held. */
    final void emitEvent(int event) {
        if (client != null) {
            outgoing.add(new Event(event));
        }
    }

    /** Reads while the device wants input and the host has bytes; true when something was read. Any thread. */
    private boolean readFromHost() {
        boolean any = false;
        synchronized (readLock) {
            for (int reads = 0; reads < READS_PER_CALL && running() && wantsInput(); reads++) {
                CharDeviceHost h = host;
                int n = 0;
                while (n < scratch.length) {
                    int r = h.read(ByteBuffer.wrap(scratch, n, scratch.length - n));
                    if (r <= 0) {
                        break;
                    }
                    n += r;
                }
                if (n == 0) {
                    break; // asking also told the host there is room: QEMU offers again what it held back
                }
                any = true;
                absorb(scratch, n);
            }
        }
        return any;
    }

    /** Writes what is queued, sends what was read, reads more. Main-loop thread; re-entry is folded in. */
    final void pump() {
        if (pumping) {
            pumpAgain = true;
            return;
        }
        pumping = true;
        try {
            int rounds = 0;
            do {
                pumpAgain = false;
                writeToDevice();
                if (running() && readFromHost()) {
                    pumpAgain = true;
                }
                sendOutgoing(); // what was read goes out in the same round: nothing waits for a next trigger
            } while (pumpAgain && ++rounds < PUMP_ROUNDS); // reading more is the next wakeup's or write's to do
        } finally {
            pumping = false;
        }
    }

    private void sendOutgoing() {
        Client c = client;
        while (c != null && c == client) {
            Outgoing item;
            synchronized (readLock) {
                item = outgoing.poll();
            }
            if (item == null) {
                return;
            }
            switch (item) {
                case Data d -> c.deliver(d.bytes(), () -> written(c, d.bytes().length));
                case Event e -> c.deliverEvent(e.event());
            }
        }
    }

    /** The client's socket took (or dropped) a piece: below the limit again, the device is read again. */
    private void written(Client c, int length) {
        if (c != client) {
            return; // a previous client's data
        }
        long before = queued.getAndAdd(-length);
        if (before >= VmcProtocol.QUEUED_DATA_LIMIT && before - length < VmcProtocol.QUEUED_DATA_LIMIT) {
            pump();
        }
    }

    // ---------------------------------------------------------------- client to device

    /** Data from the attached client (or the server, {@code owner} this) for the device. Main-loop thread. */
    final void fromClient(Client c, ByteBuffer data, Object owner) {
        if (removed) {
            return;
        }
        writes.add(data, owner);
        writeToDevice();
        if (c != null && writes.full() && paused == null) {
            paused = c;
            c.pauseReading(true);
        }
    }

    private void writeToDevice() {
        if (!running()) {
            return;
        }
        if (retryTimer != null) {
            retryTimer.cancel();
        }
        writes.write(host);
        if (!writes.isEmpty() && running()) {
            EventLoop.Timer t = timer();
            if (t != null) {
                t.start(VmcProtocol.WRITE_RETRY_MS);
            }
        }
        if (paused != null && !writes.full()) {
            Client c = paused;
            paused = null;
            c.pauseReading(false);
        }
    }

    private EventLoop.Timer timer() {
        if (retryTimer == null) {
            EventLoop l = loop.get();
            if (l != null) {
                retryTimer = l.newTimer(this::pump);
            }
        }
        return retryTimer;
    }

    // ---------------------------------------------------------------- client lifecycle

    /** Attaches a client (client_add): device data goes to it from now on. Main-loop thread; false if taken. */
    final boolean attachClient(Client c) {
        if (removed || client != null) {
            return false;
        }
        synchronized (readLock) {
            outgoing.clear();
            queued.set(0);
            client = c;
        }
        return true;
    }

    /** Detaches the client: what it had not received yet is dropped. Main-loop thread. */
    final boolean detachClient(Client c) {
        if (client != c || c == null) {
            return false;
        }
        synchronized (readLock) {
            client = null;
            outgoing.clear();
            queued.set(0);
        }
        if (paused == c) {
            paused = null;
        }
        return true;
    }

    /**
     * remove_interface, on the host's thread: the host's instance is not called after this returns but for the
     * state change the reference makes in it (a client that was attached is disconnected, and QEMU hears it).
     */
    final void remove() {
        CharDeviceHost old;
        Client c;
        synchronized (readLock) {
            removed = true;
            old = host;
            host = AgentDevice.NO_HOST;
            c = client;
        }
        if (c != null) {
            old.state(false);
        }
        mainLoop.execute(() -> {
            writes.clear();
            if (retryTimer != null) {
                retryTimer.remove();
                retryTimer = null;
            }
            Client attached = client;
            if (attached != null) {
                detachClient(attached);
                removedWhileAttached(attached);
            }
        });
    }

    // ---------------------------------------------------------------- for tests

    int outgoingItems() {
        synchronized (readLock) {
            return outgoing.size();
        }
    }
}
