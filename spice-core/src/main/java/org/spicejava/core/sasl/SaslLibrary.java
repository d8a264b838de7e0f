package org.spicejava.core.sasl;

/**
 * A SASL implementation in its server role: spice-ffi binds Cyrus SASL. Its configuration is the library's own:
 * the application name given to {@link #init} selects {@code APPNAME.conf} in {@code $SASL_CONF_PATH} or
 * {@code /etc/sasl2} (mech_list, sasldb_path, ...), as the reference's sasl_server_init does.
 */
public interface SaslLibrary {
    /**
     * sasl_server_init(NULL, appName) for the process: true when SASL can be used. The library is initialized once
     * per process; later calls report the first one's outcome. Host's main-loop thread.
     */
    boolean init(String appName);

    /**
     * sasl_server_new(service, NULL, NULL, local, remote, NULL, SASL_SUCCESS_DATA): the server side of one
     * connection's exchange. Addresses are "host;port" as Cyrus SASL reads them. Host's main-loop thread.
     */
    SaslServer newServer(String service, String localAddress, String remoteAddress) throws SaslException;
}
