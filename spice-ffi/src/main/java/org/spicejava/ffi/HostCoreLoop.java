package org.spicejava.ffi;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.host.EventLoop;
import org.spicejava.ffi.layout.SpiceCoreInterface;

/**
 * The host's main loop, reached through the SpiceCoreInterface it passed to spice_server_init. Timers and watches
 * get one shared upcall stub each; the opaque pointer we register is an id into a table of Java callbacks. Both
 * stubs have the exports' shape ({@link Native#WORD_UPCALL}), so start-up makes no upcall shape of their own: the
 * host passes fewer arguments than the stub reads, which C's calling convention on x86-64 and AArch64 allows (the
 * spare registers are ignored, as is the stub's result by a void caller), and an id under 2^31 arrives whole in
 * the first, 32-bit, parameter.
 * Call only on the host's main-loop thread (the ARCHITECTURE thread contract).
 */
public final class HostCoreLoop implements EventLoop {
    private static final Logger LOG = LoggerFactory.getLogger(HostCoreLoop.class);

    private static final Map<Integer, Runnable> TIMERS = new ConcurrentHashMap<>();
    private static final Map<Integer, IntConsumer> WATCHES = new ConcurrentHashMap<>();
    private static final AtomicInteger NEXT_ID = new AtomicInteger(1);
    private static final MemorySegment TIMER_STUB = Native.upcall(MethodHandles.lookup(), "timerFired",
            Native.WORD_UPCALL);
    private static final MemorySegment WATCH_STUB = Native.upcall(MethodHandles.lookup(), "watchFired",
            Native.WORD_UPCALL);

    private final MemorySegment core;
    private final MemorySegment timerAdd;
    private final MemorySegment timerStart;
    private final MemorySegment timerCancel;
    private final MemorySegment timerRemove;
    private final MemorySegment watchAdd;
    private final MemorySegment watchUpdateMask;
    private final MemorySegment watchRemove;

    public HostCoreLoop(MemorySegment coreInterface) {
        this.core = Native.sized(coreInterface, SpiceCoreInterface.sizeof());
        this.timerAdd = SpiceCoreInterface.timer_add(core);
        this.timerStart = SpiceCoreInterface.timer_start(core);
        this.timerCancel = SpiceCoreInterface.timer_cancel(core);
        this.timerRemove = SpiceCoreInterface.timer_remove(core);
        this.watchAdd = SpiceCoreInterface.watch_add(core);
        this.watchUpdateMask = SpiceCoreInterface.watch_update_mask(core);
        this.watchRemove = SpiceCoreInterface.watch_remove(core);
    }

    /** The channel_event function pointer (NULL when the host has none: core minor < 3). */
    public MemorySegment channelEventFunction() {
        return SpiceCoreInterface.channel_event(core);
    }

    @Override
    public Timer newTimer(Runnable task) {
        int id = newId(TIMERS, task);
        MemorySegment handle;
        try {
            handle = MemorySegment.ofAddress(Native.callHost(timerAdd, TIMER_STUB.address(), id, 0, 0, 0));
        } catch (Throwable t) {
            TIMERS.remove(id);
            throw new IllegalStateException("timer_add failed", t);
        }
        if (handle.equals(MemorySegment.NULL)) {
            TIMERS.remove(id);
            throw new IllegalStateException("the host's timer_add returned NULL");
        }
        return new Timer() {
            @Override
            public void start(long millis) {
                invoke(() -> Native.callHost(timerStart, handle.address(), Math.clamp(millis, 0, Integer.MAX_VALUE), 0, 0, 0));
            }

            @Override
            public void cancel() {
                invoke(() -> Native.callHost(timerCancel, handle.address(), 0, 0, 0, 0));
            }

            @Override
            public void remove() {
                if (TIMERS.remove(id) != null) {
                    invoke(() -> Native.callHost(timerRemove, handle.address(), 0, 0, 0, 0));
                }
            }
        };
    }

    @Override
    public Watch newWatch(int fd, int mask, IntConsumer onEvents) {
        int id = newId(WATCHES, onEvents);
        MemorySegment handle;
        try {
            handle = MemorySegment.ofAddress(Native.callHost(watchAdd, fd, mask, WATCH_STUB.address(), id, 0));
        } catch (Throwable t) {
            WATCHES.remove(id);
            throw new IllegalStateException("watch_add failed", t);
        }
        if (handle.equals(MemorySegment.NULL)) {
            WATCHES.remove(id);
            throw new IllegalStateException("the host's watch_add returned NULL");
        }
        return new Watch() {
            @Override
            public void updateMask(int newMask) {
                invoke(() -> Native.callHost(watchUpdateMask, handle.address(), newMask, 0, 0, 0));
            }

            @Override
            public void remove() {
                if (WATCHES.remove(id) != null) {
                    invoke(() -> Native.callHost(watchRemove, handle.address(), 0, 0, 0, 0));
                }
            }
        };
    }

    /** A positive int id not in use in {@code table}, registered there for {@code callback}. */
    private static <T> int newId(Map<Integer, T> table, T callback) {
        while (true) {
            int id = NEXT_ID.getAndIncrement() & Integer.MAX_VALUE;
            if (id != 0 && table.putIfAbsent(id, callback) == null) {
                return id;
            }
        }
    }

    /** Number of live timers and watches of every host loop, for tests and leak checks. */
    public static int liveHandles() {
        return TIMERS.size() + WATCHES.size();
    }

    @SuppressWarnings("unused") // upcall target
    private static long timerFired(int id, long unused1, long unused2, long unused3, long unused4, long unused5) {
        try {
            Runnable task = TIMERS.get(id);
            if (task != null) {
                task.run();
            }
        } catch (Throwable t) {
            LOG.error("timer callback failed", t);
        }
        return 0;
    }

    @SuppressWarnings("unused") // upcall target
    private static long watchFired(int fd, long events, long id, long unused1, long unused2, long unused3) {
        try {
            IntConsumer handler = WATCHES.get((int) id);
            if (handler != null) {
                handler.accept((int) events);
            }
        } catch (Throwable t) {
            LOG.error("watch callback for fd {} failed", fd, t);
        }
        return 0;
    }

    private interface Call {
        void run() throws Throwable;
    }

    private static void invoke(Call call) {
        try {
            call.run();
        } catch (Throwable t) {
            throw new IllegalStateException("host core interface call failed", t);
        }
    }
}
