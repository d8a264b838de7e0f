package org.spicejava.core.net.tls;

import java.io.IOException;

import org.spicejava.core.host.NetworkStack;

/**
 * The server's TLS, set up at spice_server_init from spice_server_set_tls's files: it opens the server side of each
 * connection that speaks TLS from its first byte. Implemented with OpenSSL in spice-ffi (the reference's library,
 * so QEMU's cipher strings and PEM keys mean what they mean there), with the JDK's JSSE ({@link JsseTls}) where
 * OpenSSL cannot be loaded.
 */
public interface TlsServer {
    /** The TLS layer of one accepted connection; the handshake runs as the connection reads. Its loop thread. */
    SecureTransport open(NetworkStack network, int fd) throws IOException;

    /** Frees what the set-up holds (spice_server_destroy); connections already open keep working. */
    default void close() {
    }

    /** Loads a set-up from the files; how each implementation is chosen. */
    @FunctionalInterface
    interface Loader {
        TlsServer load(TlsFiles files) throws TlsSetupException;
    }
}
