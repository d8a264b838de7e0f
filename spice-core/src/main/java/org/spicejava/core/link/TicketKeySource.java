package org.spicejava.core.link;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Hands out a fresh {@link TicketKey} per link without making the client wait for RSA key generation: the next
 * key is generated ahead on a background thread while the current one is in use. Each key is still used for one
 * link only. Thread-safe.
 */
public final class TicketKeySource {
    private static final ExecutorService GENERATOR = Executors.newSingleThreadExecutor(r ->
            Thread.ofPlatform().name("spice-ticket-keys").daemon().unstarted(r));
    private static final TicketKeySource SHARED = new TicketKeySource();

    private CompletableFuture<TicketKey> next = generate();

    public static TicketKeySource shared() {
        return SHARED;
    }

    private static CompletableFuture<TicketKey> generate() {
        return CompletableFuture.supplyAsync(TicketKey::new, GENERATOR);
    }

    /** A key no one has used, generated ahead when possible. */
    public synchronized TicketKey take() {
        TicketKey key = next.join();
        next = generate();
        return key;
    }
}
