package org.spicejava.core.net.tls;

/**
 * The files of spice_server_set_tls: CA, certificate chain and private key (with its password), DH parameters and
 * the OpenSSL cipher string; the last three may be null or empty.
 */
public record TlsFiles(String caCertFile, String certsFile, String privateKeyFile, String keyPassword,
                       String dhKeyFile, String cipherSuite) {
}
