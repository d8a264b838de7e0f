package org.spicejava.core.net.tls;

/** Why spice_server_set_tls's files cannot serve: spice_server_init then fails, as the reference's does. */
public final class TlsSetupException extends Exception {
    public TlsSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
