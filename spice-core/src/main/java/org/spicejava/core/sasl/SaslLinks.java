package org.spicejava.core.sasl;

import java.net.InetSocketAddress;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.host.NetworkStack;

/** What a link needs to open its SASL context: the library's set-up and the connection's addresses. */
public final class SaslLinks {
    private static final Logger LOG = LoggerFactory.getLogger(SaslLinks.class);
    /** The service name the reference gives sasl_server_new (and spice clients sasl_client_new). */
    public static final String SERVICE = "spice";
    /** The application name when the host sets none: its configuration is spice.conf. */
    public static final String DEFAULT_APP_NAME = "spice";

    private SaslLinks() {
    }

    /**
     * Initializes {@code library} (once) with {@code appName}, or "spice" when null, as the reference's
     * spice_server_init does: false (logged) when SASL cannot be used.
     */
    public static boolean init(SaslLibrary library, String appName) {
        if (library == null) {
            LOG.warn("SASL is enabled, but this server has no SASL library");
            return false;
        }
        return library.init(appName == null ? DEFAULT_APP_NAME : appName);
    }

    /**
     * sasl_server_new for the connection on {@code fd}, with its addresses as the reference gives them: null
     * (logged) when it cannot be made. Host's main-loop thread.
     */
    public static SaslServer open(SaslLibrary library, String appName, NetworkStack network, int fd) {
        if (!init(library, appName)) {
            return null;
        }
        String local = address(network.localAddress(fd));
        String remote = address(network.peerAddress(fd));
        try {
            return library.newServer(SERVICE, local, remote);
        } catch (SaslException e) {
            LOG.warn("fd {}: SASL context set-up failed: {}", fd, e.getMessage());
            return null;
        }
    }

    /**
     * "host;port" with a numeric host, as Cyrus SASL reads addresses (the reference's getnameinfo with
     * NI_NUMERICHOST | NI_NUMERICSERV); "localhost;" for a unix socket, as the reference.
     */
    public static String address(InetSocketAddress address) {
        if (address == null || address.getAddress() == null) {
            return "localhost;";
        }
        return address.getAddress().getHostAddress() + ";" + address.getPort();
    }

    /**
     * The secret key bits of a TLS cipher suite as OpenSSL's SSL_get_cipher_bits counts them (what the reference
     * gives SASL as the external SSF), from its JSSE name; 0 for an unknown or null cipher.
     */
    public static int cipherBits(String suite) {
        if (suite == null) {
            return 0;
        }
        String s = suite.toUpperCase(Locale.ROOT);
        if (s.contains("_WITH_NULL_") || s.endsWith("_NULL_SHA") || s.contains("SSL_NULL")) {
            return 0;
        }
        if (s.contains("CHACHA20") || s.contains("_256_")) {
            return 256;
        }
        if (s.contains("_128_")) {
            return 128;
        }
        if (s.contains("3DES_EDE")) {
            return 112;
        }
        return 0;
    }
}
