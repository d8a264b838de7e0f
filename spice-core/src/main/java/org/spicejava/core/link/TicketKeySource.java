package org.spicejava.core.link;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Hands out a fresh {@link TicketKey} per link without making the client, or the host's main loop that links it,
 * wait for RSA key generation: keys for a whole session (main, display, cursor, inputs) are generated ahead on a
 * background thread, and each one taken is replaced. Each key is still used for one link only. Thread-safe.
 */
public final class TicketKeySource {
    private static final ExecutorService GENERATOR = Executors.newSingleThreadExecutor(r ->
            Thread.ofPlatform().name("spice-ticket-keys").daemon().unstarted(r));
    private static final TicketKeySource SHARED = new TicketKeySource();

    /** Keys kept ready: a client links about four channels at once. */
    static final int READY = 4;

    private final ArrayDeque<CompletableFuture<TicketKey>> ready = new ArrayDeque<>();

    private TicketKeySource() {
        for (int i = 0; i < READY; i++) {
            ready.add(generate());
        }
    }

    public static TicketKeySource shared() {
        return SHARED;
    }

    private static CompletableFuture<TicketKey> generate() {
        return CompletableFuture.supplyAsync(TicketKey::new, GENERATOR);
    }

    /** A key no one has used: ready when one was generated ahead, else completed when it is. */
    public synchronized CompletableFuture<TicketKey> next() {
        CompletableFuture<TicketKey> key = ready.poll();
        ready.add(generate());
        return key;
    }
}
