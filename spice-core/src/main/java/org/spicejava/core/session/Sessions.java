package org.spicejava.core.session;

import java.util.LinkedHashSet;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.net.SocketConnection;
import org.spicejava.core.server.SpiceServer;

/**
 * The client connections of one server (the reference's reds client list): accepts sockets, runs each through the
 * link stage and hands linked channels to their channel. Lives on the host's main-loop thread.
 */
public final class Sessions implements SpiceServer.ClientAcceptor {
    private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);
    /** Connections still in the link stage; more are refused (the reference bounds pending links too). */
    static final int MAX_PENDING_LINKS = 64;
    /** Output a linking client may leave unread. */
    static final long LINK_OUTPUT_LIMIT = 64 * 1024;

    private final SpiceServer server;
    private final ChannelEvents events;
    private final Set<SocketConnection> linking = new LinkedHashSet<>();

    public Sessions(SpiceServer server, ChannelEvents events) {
        this.server = server;
        this.events = events;
    }

    @Override
    public void adopt(int fd, boolean skipAuth) {
        SocketConnection connection = new SocketConnection(fd, server.network(), server.loop(), LINK_OUTPUT_LIMIT);
        if (linking.size() >= MAX_PENDING_LINKS) {
            LOG.warn("fd {}: {} connections already linking; refused", fd, MAX_PENDING_LINKS);
            server.network().close(fd);
            return;
        }
        linking.add(connection);
        connection.start(new LinkReader(server, connection, skipAuth, this), reason -> {
            linking.remove(connection);
            LOG.info("fd {}: connection closed during link: {}", fd, reason);
        });
    }

    @Override
    public int clientCount() {
        return 0;
    }

    @Override
    public void disconnectAll() {
        for (SocketConnection c : Set.copyOf(linking)) {
            c.close("server disconnects all clients");
        }
    }

    ChannelEvents events() {
        return events;
    }
}
