package org.spicejava.core.sasl;

/**
 * One connection's SASL context (a sasl_conn_t). The exchange runs on the host's main-loop thread (the link
 * stage); afterwards a context with a security layer moves with its connection, and {@link #encode} and
 * {@link #decode} run on that connection's loop thread, one call at a time, as in the reference.
 * {@link #close} (sasl_dispose) must be called exactly once.
 */
public interface SaslServer extends AutoCloseable {
    /** SASL_OK: the exchange is complete. */
    int OK = 0;
    /** SASL_CONTINUE: another step is needed. */
    int CONTINUE = 1;
    /** SASL_BADAUTH: authentication failure. */
    int BADAUTH = -13;

    /** sasl_security_properties_t. {@code flags}: {@link #NO_PLAINTEXT}, {@link #NO_ANONYMOUS}. */
    record SecurityProperties(int minSsf, int maxSsf, int maxBufferSize, int flags) {
    }

    /** SASL_SEC_NOPLAINTEXT: no mechanism that sends the password in the clear. */
    int NO_PLAINTEXT = 0x0001;
    /** SASL_SEC_NOANONYMOUS: no anonymous login. */
    int NO_ANONYMOUS = 0x0010;

    /**
     * What sasl_server_start or sasl_server_step returned: {@code result} ({@link #OK}, {@link #CONTINUE} or a
     * negative error) and the data for the client, null when the library gave none.
     */
    record Step(int result, byte[] output) {
    }

    /** sasl_setprop(SASL_SSF_EXTERNAL): the strength of the TLS under this connection. */
    void setExternalSsf(int ssf) throws SaslException;

    /** sasl_setprop(SASL_SEC_PROPS). */
    void setSecurityProperties(SecurityProperties properties) throws SaslException;

    /** sasl_listmech with no user and the given prefix, separator and suffix. */
    String listMechanisms(String prefix, String separator, String suffix) throws SaslException;

    /** sasl_server_start; {@code clientData} null when the client sent none (not the same as empty, in SASL). */
    Step start(String mechanism, byte[] clientData);

    /** sasl_server_step; {@code clientData} null when the client sent none. */
    Step step(byte[] clientData);

    /** sasl_getprop(SASL_SSF): the negotiated security layer's strength, 0 when there is none. */
    int ssf() throws SaslException;

    /** sasl_getprop(SASL_MAXOUTBUF): the most bytes one {@link #encode} call may take. */
    int maxOutput() throws SaslException;

    /** sasl_getprop(SASL_USERNAME) once authenticated, or null. */
    String username();

    /** sasl_errdetail: the library's words for the last failure on this connection. */
    String errorDetail();

    /** sasl_encode of {@code data[offset, offset + length)} for the peer ({@code length} up to {@link #maxOutput}). */
    byte[] encode(byte[] data, int offset, int length) throws SaslException;

    /**
     * sasl_decode of bytes from the peer: the application bytes they complete, empty when they end inside a
     * packet (the library keeps the part).
     */
    byte[] decode(byte[] data, int offset, int length) throws SaslException;

    /** sasl_dispose. */
    @Override
    void close();
}
