package org.spicejava.core.session;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.spicejava.core.inputs.InputsChannelClient;
import org.spicejava.core.mainchannel.MainChannelClient;

/**
 * One connected client (the reference's RedClient): its session id, main channel and the other channels linked
 * with that id. Closing the main channel ends the session. Main-loop thread.
 */
final class ClientSession {
    private final int id;
    private final MainChannelClient main;
    /** Each channel other than main, keyed by its client object or handle, with how to close it. */
    private final Map<Object, Consumer<String>> channels = new LinkedHashMap<>();

    ClientSession(int id, MainChannelClient main) {
        this.id = id;
        this.main = main;
    }

    int id() {
        return id;
    }

    MainChannelClient main() {
        return main;
    }

    void add(Object channel, Consumer<String> close) {
        channels.put(channel, close);
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
        for (Consumer<String> close : List.copyOf(channels.values())) {
            close.accept(reason);
        }
        main.close(reason);
    }
}
