/* A TLS port for the harnesses, from the environment (scripts/bench-tls):
 *   HARNESS_TLS_PORT   the port
 *   HARNESS_X509_DIR   a directory with ca-cert.pem, server-cert.pem and server-key.pem (QEMU's x509-dir layout)
 *   HARNESS_TLS_ONLY   if set, every channel must be encrypted (spice_server_set_channel_security default SSL)
 *   HARNESS_TLS_CIPHERS an OpenSSL cipher string (optional)
 * Nothing happens without HARNESS_TLS_PORT. Returns 0, or -1 when spice_server_set_tls refuses. */
#ifndef HARNESS_TLSOPT_H
#define HARNESS_TLSOPT_H
#include <spice.h>

int harness_tls_from_env(SpiceServer *s);

#endif
