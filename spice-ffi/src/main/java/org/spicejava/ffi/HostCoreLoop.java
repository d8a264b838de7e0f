package org.spicejava.ffi;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.host.EventLoop;
import org.spicejava.ffi.layout.SpiceCoreInterface;

/**
 * The host's main loop, reached through the SpiceCoreInterface it passed to spice_server_init. Timers and watches
 * get one shared upcall stub each; the opaque pointer we register is an id into a table of Java callbacks.
 * Call only on the host's main-loop thread (the ARCHITECTURE thread contract).
 */
public final class HostCoreLoop implements EventLoop {
    private static final Logger LOG = LoggerFactory.getLogger(HostCoreLoop.class);

    private static final Map<Long, Runnable> TIMERS = new ConcurrentHashMap<>();
    private static final Map<Long, IntConsumer> WATCHES = new ConcurrentHashMap<>();
    private static final AtomicLong NEXT_ID = new AtomicLong(1);
    private static final MemorySegment TIMER_STUB = Native.upcall(MethodHandles.lookup(), "timerFired",
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    private static final MemorySegment WATCH_STUB = Native.upcall(MethodHandles.lookup(), "watchFired",
            FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));

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
        long id = NEXT_ID.getAndIncrement();
        TIMERS.put(id, task);
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
        long id = NEXT_ID.getAndIncrement();
        WATCHES.put(id, onEvents);
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

    /** Number of live timers and watches of every host loop, for tests and leak checks. */
    public static int liveHandles() {
        return TIMERS.size() + WATCHES.size();
    }

    @SuppressWarnings("unused") // upcall target
    private static void timerFired(MemorySegment opaque) {
        try {
            Runnable task = TIMERS.get(opaque.address());
            if (task != null) {
                task.run();
            }
        } catch (Throwable t) {
            LOG.error("timer callback failed", t);
        }
    }

    @SuppressWarnings("unused") // upcall target
    private static void watchFired(int fd, int events, MemorySegment opaque) {
        try {
            IntConsumer handler = WATCHES.get(opaque.address());
            if (handler != null) {
                handler.accept(events);
            }
        } catch (Throwable t) {
            LOG.error("watch callback for fd {} failed", fd, t);
        }
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
