package org.spicejava.core.session;

import java.util.ArrayList;
import java.util.List;

import org.spicejava.core.channel.ChannelClient;
import org.spicejava.core.inputs.InputsChannelClient;
import org.spicejava.core.mainchannel.MainChannelClient;

/**
 * One connected client (the reference's RedClient): its session id, main channel and the other channels linked
 * with that id. Closing the main channel ends the session. Main-loop thread.
 */
final class ClientSession {
    private final int id;
    private final MainChannelClient main;
    private final List<ChannelClient> channels = new ArrayList<>();

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

    void add(ChannelClient channel) {
        channels.add(channel);
    }

    void remove(ChannelClient channel) {
        channels.remove(channel);
    }

    List<ChannelClient> channels() {
        return List.copyOf(channels);
    }

    List<InputsChannelClient> inputs() {
        return channels.stream().filter(InputsChannelClient.class::isInstance).map(InputsChannelClient.class::cast)
                .toList();
    }

    /** Closes every channel, the main one last. */
    void close(String reason) {
        for (ChannelClient c : channels()) {
            c.close(reason);
        }
        main.close(reason);
    }
}
