package org.spicejava.core.session;

import java.nio.ByteBuffer;

import org.spicejava.core.net.SocketConnection;
import org.spicejava.core.server.SpiceServer;

/** Reads the link stage of one connection (placeholder until the link decoder lands: it only bounds input). */
final class LinkReader implements SocketConnection.Reader {
    private final SocketConnection connection;

    LinkReader(SpiceServer server, SocketConnection connection, boolean skipAuth, Sessions sessions) {
        this.connection = connection;
    }

    @Override
    public void onData(ByteBuffer data) {
        data.position(data.limit());
    }
}
