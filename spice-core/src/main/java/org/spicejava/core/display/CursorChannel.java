package org.spicejava.core.display;

import java.util.ArrayList;
import java.util.List;

/**
 * The cursor of one QXL instance and the cursor channel clients that show it (the reference's CursorChannel):
 * the current shape, position, visibility and trail, applied from cursor commands and sent to every client.
 * Display worker thread.
 */
public final class CursorChannel {
    /** The cursor as the last commands left it. */
    public record State(int x, int y, boolean visible, CursorShape shape, int trailLength, int trailFrequency) {
        /** As the reference starts and resets it: no shape, visible, at 0,0. */
        static final State INITIAL = new State(0, 0, true, null, 0, 0);
    }

    private final List<CursorChannelClient> clients = new ArrayList<>();
    private State state = State.INITIAL;

    public State state() {
        return state;
    }

    public List<CursorChannelClient> clients() {
        return List.copyOf(clients);
    }

    public void addClient(CursorChannelClient client) {
        clients.add(client);
    }

    public void removeClient(CursorChannelClient client) {
        clients.remove(client);
    }

    public void apply(CursorCommand command) {
        state = switch (command) {
            case CursorCommand.Set s -> new State(s.x(), s.y(), s.visible(), s.shape(), state.trailLength(),
                    state.trailFrequency());
            case CursorCommand.Move m -> new State(m.x(), m.y(), true, state.shape(), state.trailLength(),
                    state.trailFrequency());
            case CursorCommand.Hide h -> new State(state.x(), state.y(), false, state.shape(), state.trailLength(),
                    state.trailFrequency());
            case CursorCommand.Trail t -> new State(state.x(), state.y(), state.visible(), state.shape(), t.length(),
                    t.frequency());
        };
        for (CursorChannelClient c : clients()) { // a copy: a client whose write fails removes itself
            c.update(command);
        }
    }

    /** spice_qxl_reset_cursor: forget the shape; clients drop theirs and their caches. */
    public void reset() {
        state = State.INITIAL;
        for (CursorChannelClient c : clients()) {
            c.reset();
        }
    }

    /** A primary surface was created: clients start over from INIT, as the reference does. */
    public void init() {
        for (CursorChannelClient c : clients()) {
            c.sendInit();
        }
    }

    public void closeClients(String reason) {
        for (CursorChannelClient c : clients()) {
            c.close(reason);
        }
    }
}
