package org.spicejava.core.session;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.spicejava.core.channel.NetworkEstimate;
import org.spicejava.core.compress.GlzWindow;
import org.spicejava.core.inputs.InputsChannelClient;
import org.spicejava.core.mainchannel.MainChannelClient;

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

    /** Which channel a key stands for, and how to close it. */
    private record Linked(MainChannelClient.ChannelId id, Consumer<String> close) {
    }

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
        channels.put(channel, new Linked(id, close));
    }

    /**
     * The key of a channel that lives on a display worker: it ends there first, and the session hears of it a
     * moment later through the main dispatcher.
     */
    static final class WorkerChannel {
        volatile boolean ended;
    }

    /** True when a channel of this type and id is linked already: a session has each channel once. */
    boolean has(MainChannelClient.ChannelId id) {
        return channels.entrySet().stream().anyMatch(e -> e.getValue().id().equals(id)
                && !(e.getKey() instanceof WorkerChannel w && w.ended));
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
        for (Linked channel : List.copyOf(channels.values())) {
            channel.close().accept(reason);
        }
        main.close(reason);
        glzWindow.close();
    }
}
