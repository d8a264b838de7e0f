package org.spicejava.core.link;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Hands out a fresh {@link TicketKey} per link without making the client, or the host's main loop that links it,
 * wait for RSA key generation: keys for a whole session (main, display, cursor, inputs) are generated ahead on a
 * background thread, and each one taken is replaced. Each key is still used for one link only. Thread-safe.
 */
public final class TicketKeySource {
    private static final ExecutorService GENERATOR = Executors.newSingleThreadExecutor(r ->
            Thread.ofPlatform().name("spice-ticket-keys").daemon().unstarted(r));
    private static volatile Supplier<TicketKey> maker = JdkTicketKey::new;
    private static TicketKeySource shared;

    /** Keys kept ready: a client links about four channels at once. */
    static final int READY = 4;

    private final ArrayDeque<CompletableFuture<TicketKey>> ready = new ArrayDeque<>();

    private TicketKeySource() {
        for (int i = 0; i < READY; i++) {
            ready.add(generate());
        }
    }

    /** Where keys come from from now on (libcrypto's RSA is ten times cheaper than the JDK's on a cold JVM). */
    public static void makeKeysWith(Supplier<TicketKey> keys) {
        maker = keys;
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

    /** A key no one has used: ready when one was generated ahead, else completed when it is. */
    public synchronized CompletableFuture<TicketKey> next() {
        CompletableFuture<TicketKey> key = ready.poll();
        ready.add(generate());
        return key;
    }
}
