package org.spicejava.core.session;

import java.util.ArrayList;
import java.util.List;

/**
 * The connected clients and the policy for one more. By default a new client replaces the connected one, as the
 * reference does. Shared mode (the reference's SPICE_DEBUG_ALLOW_MC, or our SPICE_JAVA_SHARED_CLIENTS) keeps
 * every client, up to {@link #MAX_SHARED}: a flood of main links can neither exhaust fds and memory nor push out the
 * clients already watching, because a newcomer to a full table is refused. Main-loop thread.
 */
final class SessionTable {
    /** Clients at most in shared mode. */
    static final int MAX_SHARED = 16;

    private final boolean shared;
    private final List<ClientSession> sessions = new ArrayList<>();

    SessionTable(boolean shared) {
        this.shared = shared;
    }

    /** Shared mode when either variable is set in {@code env}, as the reference tests only for its presence. */
    static boolean sharedBy(java.util.function.Function<String, String> env) {
        return env.apply("SPICE_DEBUG_ALLOW_MC") != null || env.apply("SPICE_JAVA_SHARED_CLIENTS") != null;
    }

    boolean shared() {
        return shared;
    }

    /** The sessions a new client's main link ends before it joins: all of them by default, none when shared. */
    List<ClientSession> makeRoom() {
        return shared ? List.of() : List.copyOf(sessions);
    }

    /** True when a new client must be refused: shared mode with {@link #MAX_SHARED} clients connected. */
    boolean full() {
        return shared && sessions.size() >= MAX_SHARED;
    }

    void add(ClientSession s) {
        sessions.add(s);
    }

    /** True when {@code s} was still in the table. */
    boolean remove(ClientSession s) {
        return sessions.remove(s);
    }

    /** The session with this connection id, or null. */
    ClientSession find(int connectionId) {
        for (ClientSession s : sessions) {
            if (s.id() == connectionId) {
                return s;
            }
        }
        return null;
    }

    /** True when no connected session has this id (a new client's id must be unique). */
    boolean free(int connectionId) {
        return connectionId != 0 && find(connectionId) == null;
    }

    List<ClientSession> all() {
        return List.copyOf(sessions);
    }

    int size() {
        return sessions.size();
    }
}
