#include "tlsopt.h"

#include <stdio.h>
#include <stdlib.h>

int harness_tls_from_env(SpiceServer *s)
{
    const char *port = getenv("HARNESS_TLS_PORT");
    const char *dir = getenv("HARNESS_X509_DIR");
    if (!port) {
        return 0;
    }
    if (!dir) {
        fprintf(stderr, "HARNESS_TLS_PORT needs HARNESS_X509_DIR\n");
        return -1;
    }
    char ca[4096], cert[4096], key[4096];
    snprintf(ca, sizeof ca, "%s/ca-cert.pem", dir);
    snprintf(cert, sizeof cert, "%s/server-cert.pem", dir);
    snprintf(key, sizeof key, "%s/server-key.pem", dir);
    if (spice_server_set_tls(s, atoi(port), ca, cert, key, NULL, NULL, getenv("HARNESS_TLS_CIPHERS")) != 0) {
        fprintf(stderr, "spice_server_set_tls failed\n");
        return -1;
    }
    if (getenv("HARNESS_TLS_ONLY")) {
        spice_server_set_channel_security(s, NULL, SPICE_CHANNEL_SECURITY_SSL);
    }
    return 0;
}
