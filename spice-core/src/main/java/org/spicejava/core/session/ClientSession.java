package org.spicejava.core.session;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.spicejava.core.channel.NetworkEstimate;
import org.spicejava.core.compress.GlzWindow;
import org.spicejava.core.inputs.InputsChannelClient;
import org.spicejava.core.mainchannel.MainChannelClient;
import org.spicejava.core.net.SocketConnection;

/**
 * One connected client (the reference's RedClient): its session id, main channel and the other channels linked
 * with that id. Closing the main channel ends the session. Main-loop thread.
 */
final class ClientSession {
    private final int id;
    private final MainChannelClient main;
    /** The GLZ dictionary of this client, shared by its display channels as its GLZ window expects. */
    private final GlzWindow glzWindow = new GlzWindow();
    /** Each channel other than main, keyed by its client object or handle. */
    private final Map<Object, Linked> channels = new LinkedHashMap<>();

    /** Which channel a key stands for, how to close it, and how to start its seamless migration (MIGRATE). */
    private record Linked(MainChannelClient.ChannelId id, Consumer<String> close, Runnable migrate) {
    }

    /** The client arrives seamlessly: its channels start at once and take their state from the source. */
    private boolean seamless;
    /** Channels (main included) whose state from the source has not come yet. */
    private int awaitingState;

    /**
     * A channel the client linked ahead of time while arriving with its migrated VM (the reference's pending
     * link): its socket waits, read but not handled, until the client has arrived; then {@code start} links it.
     */
    private record Held(MainChannelClient.ChannelId id, SocketConnection connection, Runnable start) {
    }

    /** Bytes a held channel may send before it starts (a client sends none: its channel waits too). */
    static final int HELD_INPUT_LIMIT = 64 * 1024;

    private final List<Held> held = new ArrayList<>();

    /** What the main channel's network test found; the display channels read it on their workers. */
    private final NetworkEstimate network;

    /** {@code network}: where the main channel publishes its network test (it stays empty without a test). */
    ClientSession(int id, MainChannelClient main, NetworkEstimate network) {
        this.id = id;
        this.main = main;
        this.network = network;
    }

    NetworkEstimate network() {
        return network;
    }

    int id() {
        return id;
    }

    MainChannelClient main() {
        return main;
    }

    GlzWindow glzWindow() {
        return glzWindow;
    }

    void add(Object channel, MainChannelClient.ChannelId id, Consumer<String> close) {
        add(channel, id, close, () -> { });
    }

    void add(Object channel, MainChannelClient.ChannelId id, Consumer<String> close, Runnable migrate) {
        channels.put(channel, new Linked(id, close, migrate));
    }

    boolean seamless() {
        return seamless;
    }

    /** The arriving client goes on seamlessly: main and each channel that carries state wait for it. */
    void arriveSeamlessly() {
        seamless = true;
        awaitingState = 1; // main
    }

    /** One more channel waits for its state from the source. */
    void awaitState() {
        awaitingState++;
    }

    /** A channel's state came; true when it was the last one awaited (the client has arrived). */
    boolean stateArrived() {
        return awaitingState > 0 && --awaitingState == 0;
    }

    /**
     * No channel waits for an earlier migration to complete (every channel kind carries its state, or has none to
     * carry).
     */
    boolean canMigrateSeamlessly() {
        return held.isEmpty() && !main.arriving();
    }

    /** The end of a seamless migration: MIGRATE on every channel but main (which its own caller migrates). */
    void migrateChannels() {
        for (Linked l : List.copyOf(channels.values())) {
            l.migrate().run();
        }
    }

    /**
     * The key of a channel that lives on a display worker: it ends there first, and the session hears of it a
     * moment later through the main dispatcher.
     */
    static final class WorkerChannel {
        volatile boolean ended;
    }

    /** True when a channel of this type and id is linked (or held) already: a session has each channel once. */
    boolean has(MainChannelClient.ChannelId id) {
        return held.stream().anyMatch(h -> h.id().equals(id))
                || channels.entrySet().stream().anyMatch(e -> e.getValue().id().equals(id)
                        && !(e.getKey() instanceof WorkerChannel w && w.ended));
    }

    /** The client is still arriving with its migrated VM: its other channels wait (see {@link #hold}). */
    boolean arriving() {
        return main.arriving();
    }

    /** Keeps a channel linked while arriving until {@link #startHeld}; it goes away if the client closes it. */
    void hold(MainChannelClient.ChannelId id, SocketConnection connection, Runnable start) {
        Held h = new Held(id, connection, start);
        held.add(h);
        connection.setReader(in -> {
            if (in.remaining() > HELD_INPUT_LIMIT) {
                connection.close("sent more than " + HELD_INPUT_LIMIT + " bytes before its migration completed");
            }
        });
        connection.onClose(reason -> held.remove(h));
    }

    /** The client has arrived: the held channels start, in the order they were linked. */
    void startHeld() {
        List<Held> waiting = List.copyOf(held);
        held.clear();
        for (Held h : waiting) {
            if (!h.connection().closed()) {
                h.connection().onClose(reason -> { });
                h.start().run();
            }
        }
    }

    void remove(Object channel) {
        channels.remove(channel);
    }

    List<InputsChannelClient> inputs() {
        return channels.keySet().stream().filter(InputsChannelClient.class::isInstance)
                .map(InputsChannelClient.class::cast).toList();
    }

    /** Closes every channel, the main one last. */
    void close(String reason) {
        for (Held h : List.copyOf(held)) {
            h.connection().close(reason);
        }
        for (Linked channel : List.copyOf(channels.values())) {
            channel.close().accept(reason);
        }
        main.close(reason);
        glzWindow.close();
    }
}
