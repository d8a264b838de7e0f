package org.spicejava.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.IntConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.host.WorkerLoop;

/**
 * A poll(2) event loop for a display worker thread: fd watches, timers, and a task queue woken through an
 * eventfd. Watches and timers belong to the loop's thread; {@link #execute} and {@link #stop} are thread-safe.
 */
public final class PollLoop implements WorkerLoop {
    private static final Logger LOG = LoggerFactory.getLogger(PollLoop.class);
    private static final short POLLIN = 1;
    private static final short POLLOUT = 4;
    private static final short POLLERR = 8;
    private static final short POLLHUP = 16;
    private static final int EFD_CLOEXEC = 0x80000;
    private static final int EFD_NONBLOCK = 0x800;
    private static final MethodHandle POLL = Native.libcInt("poll");
    private static final MethodHandle EVENTFD = Native.libcInt("eventfd");
    private static final MethodHandle WRITE_FD = Native.libcLong("write");
    private static final MethodHandle READ_FD = Native.libcLong("read");
    private static final MethodHandle CLOSE = Native.libcInt("close");
    /** errno of this process's loops' calls: never read, as no failure here has a remedy but a log line. */
    private static final ThreadLocal<MemorySegment> CALL_STATE =
            ThreadLocal.withInitial(() -> Arena.global().allocate(Native.CALL_STATE));

    private final String name;
    private final int wakeFd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment counter = arena.allocate(8, 8);
    /** The 1 written to wake the loop; written by any thread, under {@link #wakeLock}. */
    private final MemorySegment wakeValue = arena.allocateFrom(ValueLayout.JAVA_LONG, 1L);
    private final Object wakeLock = new Object();
    private boolean wakeClosed;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final List<PollWatch> watches = new ArrayList<>();
    private final PriorityQueue<PollTimer> timers = new PriorityQueue<>((a, b) -> Long.compare(a.due, b.due));
    private MemorySegment pollFds = arena.allocate(8L * 16, 8);
    private volatile boolean stopped;
    private volatile Thread owner;

    public PollLoop(String name) {
        this.name = name;
        try {
            this.wakeFd = (int) EVENTFD.invokeExact(CALL_STATE.get(), 0L, (long) (EFD_CLOEXEC | EFD_NONBLOCK), 0L, 0L, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("eventfd failed", t);
        }
        if (wakeFd < 0) {
            throw new IllegalStateException("eventfd failed for " + name);
        }
    }

    @Override
    public void execute(Runnable task) {
        synchronized (wakeLock) { // the fd is closed under this lock: a closed number may be someone else's by now
            if (wakeClosed) {
                LOG.debug("{}: task offered after the loop ended; dropped", name);
                return;
            }
            tasks.add(task);
            try {
                long ignored = (long) WRITE_FD.invokeExact(CALL_STATE.get(), (long) wakeFd, wakeValue.address(), 8L, 0L, 0L);
            } catch (Throwable t) {
                LOG.error("{}: wake-up failed", name, t);
            }
        }
    }

    /** The wake-up eventfd's number (tests). */
    int wakeFd() {
        return wakeFd;
    }

    @Override
    public boolean inLoop() {
        return Thread.currentThread() == owner;
    }

    @Override
    public void stop() {
        stopped = true;
        execute(() -> { });
    }

    @Override
    public void run() {
        owner = Thread.currentThread();
        try {
            while (!stopped) {
                pollOnce();
            }
        } finally {
            synchronized (wakeLock) {
                wakeClosed = true;
                try {
                    int ignored = (int) CLOSE.invokeExact(CALL_STATE.get(), (long) wakeFd, 0L, 0L, 0L, 0L);
                } catch (Throwable t) {
                    // nothing left to do with the fd
                }
                arena.close();
            }
        }
    }

    private void pollOnce() {
        List<PollWatch> active = List.copyOf(watches);
        int count = active.size() + 1;
        if (pollFds.byteSize() < 8L * count) {
            pollFds = arena.allocate(8L * count * 2, 8);
        }
        pollFds.set(ValueLayout.JAVA_INT, 0, wakeFd);
        pollFds.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
        pollFds.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
        for (int i = 0; i < active.size(); i++) {
            PollWatch w = active.get(i);
            long base = 8L * (i + 1);
            pollFds.set(ValueLayout.JAVA_INT, base, w.fd);
            pollFds.set(ValueLayout.JAVA_SHORT, base + 4, (short) (((w.mask & READ) != 0 ? POLLIN : 0) | ((w.mask & WRITE) != 0 ? POLLOUT : 0)));
            pollFds.set(ValueLayout.JAVA_SHORT, base + 6, (short) 0);
        }
        int timeout = timeoutMillis();
        int ready;
        try {
            ready = (int) POLL.invokeExact(CALL_STATE.get(), pollFds.address(), (long) count, (long) timeout, 0L, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("poll failed", t);
        }
        if (ready > 0 && (pollFds.get(ValueLayout.JAVA_SHORT, 6) & POLLIN) != 0) {
            try {
                long ignored = (long) READ_FD.invokeExact(CALL_STATE.get(), (long) wakeFd, counter.address(), 8L, 0L, 0L);
            } catch (Throwable t) {
                LOG.error("{}: eventfd read failed", name, t);
            }
        }
        runTasks();
        for (int i = 0; ready > 0 && i < active.size(); i++) {
            short revents = pollFds.get(ValueLayout.JAVA_SHORT, 8L * (i + 1) + 6);
            PollWatch w = active.get(i);
            if (revents != 0 && !w.removed) {
                int events = ((revents & (POLLIN | POLLERR | POLLHUP)) != 0 ? READ : 0) | ((revents & POLLOUT) != 0 ? WRITE : 0);
                guarded(() -> w.handler.accept(events));
            }
        }
        runTimers();
    }

    private int timeoutMillis() {
        if (!tasks.isEmpty()) {
            return 0;
        }
        PollTimer next = timers.peek();
        if (next == null) {
            return -1;
        }
        return (int) Math.clamp((next.due - System.nanoTime() + 999_999) / 1_000_000, 0, Integer.MAX_VALUE);
    }

    /**
     * Runs the tasks queued before this turn; tasks they queue wait for the next turn, after the fds and timers,
     * so work that keeps rescheduling itself (a ring that always has commands) cannot starve the sockets.
     */
    private void runTasks() {
        for (int n = tasks.size(); n > 0 && !stopped; n--) {
            Runnable task = tasks.poll();
            if (task == null) {
                return;
            }
            guarded(task);
        }
    }

    private void runTimers() {
        long now = System.nanoTime();
        while (!timers.isEmpty() && timers.peek().due <= now) {
            PollTimer timer = timers.poll();
            timer.armed = false;
            guarded(timer.task);
        }
    }

    private void guarded(Runnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            LOG.error("{}: callback failed, continuing", name, t);
        }
    }

    @Override
    public Timer newTimer(Runnable task) {
        return new PollTimer(task);
    }

    @Override
    public Watch newWatch(int fd, int mask, IntConsumer onEvents) {
        PollWatch watch = new PollWatch(fd, mask, onEvents);
        watches.add(watch);
        return watch;
    }

    private final class PollTimer implements Timer {
        final Runnable task;
        long due;
        boolean armed;

        PollTimer(Runnable task) {
            this.task = task;
        }

        @Override
        public void start(long millis) {
            cancel();
            due = System.nanoTime() + Math.max(0, millis) * 1_000_000;
            armed = true;
            timers.add(this);
        }

        @Override
        public void cancel() {
            if (armed) {
                timers.remove(this);
                armed = false;
            }
        }

        @Override
        public void remove() {
            cancel();
        }
    }

    private final class PollWatch implements Watch {
        final int fd;
        final IntConsumer handler;
        int mask;
        boolean removed;

        PollWatch(int fd, int mask, IntConsumer handler) {
            this.fd = fd;
            this.mask = mask;
            this.handler = handler;
        }

        @Override
        public void updateMask(int newMask) {
            mask = newMask;
        }

        @Override
        public void remove() {
            removed = true;
            watches.remove(this);
        }
    }
}
