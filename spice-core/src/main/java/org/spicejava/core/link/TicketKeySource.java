package org.spicejava.core.link;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Hands out a fresh {@link TicketKey} per link without making the client, or the host's main loop that links it,
 * wait for RSA key generation: keys for a whole session (main, display, cursor, inputs) are generated ahead, and
 * each one taken is replaced: the JDK's on a background thread, a native library's on the linking thread when it
 * has time ({@link #makeOneAhead}). Each key is still used for one link only. Thread-safe.
 */
public final class TicketKeySource {
    private static final ExecutorService GENERATOR = Executors.newSingleThreadExecutor(r ->
            Thread.ofPlatform().name("spice-ticket-keys").daemon().unstarted(r));
    private static volatile Supplier<TicketKey> maker = JdkTicketKey::new;
    /** Whether keys are made ahead on the background thread (the JDK's), or when asked (a native library's). */
    private static volatile boolean ahead = true;
    private static TicketKeySource shared;

    /** Keys kept ready: a client links about four channels at once. */
    static final int READY = 4;

    private final ArrayDeque<CompletableFuture<TicketKey>> ready = new ArrayDeque<>();
    /** Keys made ahead by {@link #makeOneAhead}, when keys are made on the asking thread. */
    private final ArrayDeque<TicketKey> madeAhead = new ArrayDeque<>();

    TicketKeySource() {
        if (ahead) {
            for (int i = 0; i < READY; i++) {
                ready.add(generate());
            }
        }
    }

    /**
     * Where keys come from from now on; call before the first {@link #shared}. {@code ahead}: made ahead on the
     * background thread (the JDK's: hundreds of milliseconds each on a cold JVM). Otherwise each is made when asked,
     * on the asking thread, as the reference makes them: libcrypto's take a few milliseconds, and a native library
     * must not be busy on a thread of ours while the host exits and its exit handlers tear the library down (seen: a
     * crash in libcrypto's locks when QEMU quit during start-up).
     */
    public static void makeKeysWith(Supplier<TicketKey> keys, boolean ahead) {
        maker = keys;
        TicketKeySource.ahead = ahead;
    }

    public static synchronized TicketKeySource shared() {
        if (shared == null) {
            shared = new TicketKeySource();
        }
        return shared;
    }

    private static CompletableFuture<TicketKey> generate() {
        return CompletableFuture.supplyAsync(maker, GENERATOR);
    }

    /**
     * When keys are made on the asking thread: makes one ahead now, on this thread, unless {@link #READY} wait
     * already. Returns whether more are wanted. The thread that links calls it when idle (a host timer on its main
     * loop), so a native library is never busy on a thread of ours; with the JDK's keys it does nothing.
     */
    public boolean makeOneAhead() {
        synchronized (this) {
            if (ahead || madeAhead.size() >= READY) {
                return false;
            }
        }
        TicketKey key = maker.get(); // milliseconds: not under the lock
        synchronized (this) {
            madeAhead.add(key);
            return madeAhead.size() < READY;
        }
    }

    /** A key no one has used: ready when one was generated ahead (or made now), else completed when it is. */
    public synchronized CompletableFuture<TicketKey> next() {
        if (!ahead) {
            TicketKey made = madeAhead.poll();
            if (made != null) {
                return CompletableFuture.completedFuture(made);
            }
            try {
                return CompletableFuture.completedFuture(maker.get());
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        CompletableFuture<TicketKey> key = ready.poll();
        ready.add(generate());
        return key;
    }
}
