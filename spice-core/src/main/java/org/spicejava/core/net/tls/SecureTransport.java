package org.spicejava.core.net.tls;

import org.spicejava.core.net.Transport;

/** A TLS transport: what the link stage asks of the session beyond reading and writing. */
public interface SecureTransport extends Transport {
    /**
     * The secret key bits of the negotiated cipher, as OpenSSL's SSL_get_cipher_bits counts them (what the
     * reference gives SASL as the external security strength); 0 before the handshake ends.
     */
    int cipherBits();

    @Override
    default boolean secure() {
        return true;
    }
}
