package org.spicejava.ffi;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.sasl.SaslException;
import org.spicejava.core.sasl.SaslLibrary;
import org.spicejava.core.sasl.SaslServer;
import org.spicejava.ffi.layout.SaslSecurityProperties;

/**
 * spice-core's SASL bound to Cyrus SASL (libsasl2.so.2, Debian's libsasl2-2; mechanisms are its plugins from
 * libsasl2-modules), server side, the calls the reference's red-stream.cpp makes. Signatures and constants are
 * those of the installed sasl/sasl.h (libsasl2-dev), checked by SaslLayoutTest. The library is loaded when SASL is
 * first needed (spice_server_init with SASL on, or the first SASL link), once; if it is missing, that first use
 * logs one line and SASL cannot be used.
 *
 * <p>sasl_server_init is made once per process (the library's state is global): the first application name
 * chosen applies to every server of the process. Each {@link Connection} owns its sasl_conn_t and a shared arena
 * (the context may move with its connection to a display worker; it is used by one thread at a time).
 */
public final class CyrusSasl implements SaslLibrary {
    private static final Logger LOG = LoggerFactory.getLogger(CyrusSasl.class);
    /** The soname of Debian's libsasl2-2. */
    static final String LIBRARY = "libsasl2.so.2";
    /** Result codes and property numbers (sasl/sasl.h). */
    static final int SASL_OK = 0;
    static final int SASL_CONTINUE = 1;
    static final int SASL_FAIL = -1;
    static final int SASL_SUCCESS_DATA = 0x0004;
    static final int SASL_USERNAME = 0;
    static final int SASL_SSF = 1;
    static final int SASL_MAXOUTBUF = 2;
    static final int SASL_SSF_EXTERNAL = 100;
    static final int SASL_SEC_PROPS = 101;
    /** Every constant above by its C name, for the test that checks them against sasl/sasl.h. */
    public static java.util.Map<String, Integer> constants() {
        return java.util.Map.of("SASL_OK", SASL_OK, "SASL_CONTINUE", SASL_CONTINUE, "SASL_FAIL", SASL_FAIL,
                "SASL_SUCCESS_DATA", SASL_SUCCESS_DATA, "SASL_USERNAME", SASL_USERNAME, "SASL_SSF", SASL_SSF,
                "SASL_MAXOUTBUF", SASL_MAXOUTBUF, "SASL_SSF_EXTERNAL", SASL_SSF_EXTERNAL,
                "SASL_SEC_PROPS", SASL_SEC_PROPS);
    }

    /** The input room kept per connection: a security-layer read or the largest block we encode. */
    static final int IO_BYTES = 64 * 1024;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final AddressLayout PTR = ValueLayout.ADDRESS;
    private static final CyrusSasl LIBRARY_INSTANCE = new CyrusSasl(LIBRARY);

    /** sasl_server_init's outcome for the process: null before the first call. */
    private static Boolean initialized;
    private static String initializedAppName;

    private final String library;
    private Bindings bindings;
    private boolean bindingFailed;

    /** The functions we call. */
    private record Bindings(MethodHandle serverInit, MethodHandle serverNew, MethodHandle dispose,
                            MethodHandle setprop, MethodHandle getprop, MethodHandle listmech,
                            MethodHandle serverStart, MethodHandle serverStep, MethodHandle encode,
                            MethodHandle decode, MethodHandle errstring, MethodHandle errdetail) {
    }

    /** The binding of {@code library} (a soname or path); tests name a missing one. */
    CyrusSasl(String library) {
        this.library = library;
    }

    /** The library. Nothing is loaded until SASL is first used. */
    public static CyrusSasl library() {
        return LIBRARY_INSTANCE;
    }

    /** The bound functions, or null when the library cannot be used (logged the first time). Any thread. */
    private synchronized Bindings bindings() {
        if (bindings == null && !bindingFailed) {
            try {
                SymbolLookup lib = SymbolLookup.libraryLookup(library, Arena.global());
                bindings = new Bindings(
                        // int sasl_server_init(const sasl_callback_t *callbacks, const char *appname)
                        Native.bind(lib, "sasl_server_init", FunctionDescriptor.of(INT, PTR, PTR)),
                        // int sasl_server_new(const char *service, const char *serverFQDN, const char *user_realm,
                        //     const char *iplocalport, const char *ipremoteport, const sasl_callback_t *callbacks,
                        //     unsigned flags, sasl_conn_t **pconn)
                        Native.bind(lib, "sasl_server_new",
                                FunctionDescriptor.of(INT, PTR, PTR, PTR, PTR, PTR, PTR, INT, PTR)),
                        // void sasl_dispose(sasl_conn_t **pconn)
                        Native.bind(lib, "sasl_dispose", FunctionDescriptor.ofVoid(PTR)),
                        // int sasl_setprop(sasl_conn_t *conn, int propnum, const void *value)
                        Native.bind(lib, "sasl_setprop", FunctionDescriptor.of(INT, PTR, INT, PTR)),
                        // int sasl_getprop(sasl_conn_t *conn, int propnum, const void **pvalue)
                        Native.bind(lib, "sasl_getprop", FunctionDescriptor.of(INT, PTR, INT, PTR)),
                        // int sasl_listmech(sasl_conn_t *conn, const char *user, const char *prefix,
                        //     const char *sep, const char *suffix, const char **result, unsigned *plen, int *pcount)
                        Native.bind(lib, "sasl_listmech",
                                FunctionDescriptor.of(INT, PTR, PTR, PTR, PTR, PTR, PTR, PTR, PTR)),
                        // int sasl_server_start(sasl_conn_t *conn, const char *mech, const char *clientin,
                        //     unsigned clientinlen, const char **serverout, unsigned *serveroutlen)
                        Native.bind(lib, "sasl_server_start", FunctionDescriptor.of(INT, PTR, PTR, PTR, INT, PTR, PTR)),
                        // int sasl_server_step(sasl_conn_t *conn, const char *clientin, unsigned clientinlen,
                        //     const char **serverout, unsigned *serveroutlen)
                        Native.bind(lib, "sasl_server_step", FunctionDescriptor.of(INT, PTR, PTR, INT, PTR, PTR)),
                        // int sasl_encode(sasl_conn_t *conn, const char *input, unsigned inputlen,
                        //     const char **output, unsigned *outputlen); sasl_decode likewise
                        Native.bind(lib, "sasl_encode", FunctionDescriptor.of(INT, PTR, PTR, INT, PTR, PTR)),
                        Native.bind(lib, "sasl_decode", FunctionDescriptor.of(INT, PTR, PTR, INT, PTR, PTR)),
                        // const char *sasl_errstring(int saslerr, const char *langlist, const char **outlang)
                        Native.bind(lib, "sasl_errstring", FunctionDescriptor.of(PTR, INT, PTR, PTR)),
                        // const char *sasl_errdetail(sasl_conn_t *conn)
                        Native.bind(lib, "sasl_errdetail", FunctionDescriptor.of(PTR, PTR)));
            } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
                bindingFailed = true;
                LOG.warn("SASL not available: {} could not be loaded ({})", library, e.getMessage());
            }
        }
        return bindings;
    }


    /** The library's words for a result code. */
    private static String error(Bindings sasl, int code) {
        try {
            return code + " " + Native.string((MemorySegment) sasl.errstring().invokeExact(code, MemorySegment.NULL,
                    MemorySegment.NULL));
        } catch (Throwable t) {
            return code + " (no error string: " + t + ")";
        }
    }

    @Override
    public boolean init(String appName) {
        Bindings sasl = bindings();
        if (sasl == null) {
            return false;
        }
        synchronized (CyrusSasl.class) {
            if (initialized == null) {
                // The library keeps the pointer to the application name: it lives as long as the process.
                MemorySegment name = Arena.global().allocateFrom(appName);
                int rc;
                try {
                    rc = (int) sasl.serverInit().invokeExact(MemorySegment.NULL, name);
                } catch (Throwable t) {
                    throw new IllegalStateException("sasl_server_init failed", t);
                }
                initialized = rc == SASL_OK;
                initializedAppName = appName;
                if (initialized) {
                    LOG.info("SASL initialized for application '{}' (its configuration: {}.conf)", appName, appName);
                } else {
                    LOG.warn("SASL initialization for application '{}' failed: {}", appName, error(sasl, rc));
                }
            } else if (!initializedAppName.equals(appName)) {
                LOG.warn("SASL was initialized for application '{}' already; '{}' is not used", initializedAppName,
                        appName);
            }
            return initialized;
        }
    }

    @Override
    public SaslServer newServer(String service, String localAddress, String remoteAddress) throws SaslException {
        Bindings sasl = bindings();
        if (sasl == null) {
            throw new SaslException(-1, library + " is not available");
        }
        Arena arena = Arena.ofShared();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment connCell = arena.allocate(PTR);
            int rc = (int) sasl.serverNew().invokeExact(call.allocateFrom(service), MemorySegment.NULL,
                    MemorySegment.NULL, call.allocateFrom(localAddress), call.allocateFrom(remoteAddress),
                    MemorySegment.NULL, SASL_SUCCESS_DATA, connCell);
            if (rc != SASL_OK) {
                MemorySegment conn = connCell.get(PTR, 0);
                if (!conn.equals(MemorySegment.NULL)) {
                    sasl.dispose().invokeExact(connCell);
                }
                arena.close();
                throw new SaslException(rc, "sasl_server_new: " + error(sasl, rc));
            }
            return new Connection(sasl, arena, connCell);
        } catch (SaslException e) {
            throw e;
        } catch (Throwable t) {
            arena.close();
            throw new IllegalStateException("sasl_server_new failed", t);
        }
    }

    /** One sasl_conn_t with its cells and input buffer, in one shared arena. */
    static final class Connection implements SaslServer {
        private final Bindings sasl;
        private final Arena arena;
        /** The sasl_conn_t * (sasl_dispose takes its address). */
        private final MemorySegment connCell;
        private final MemorySegment conn;
        private final MemorySegment outCell;
        private final MemorySegment lengthCell;
        /** The input buffer of the security layer, made on its first use (most contexts never have a layer). */
        private MemorySegment io;
        private boolean closed;

        private Connection(Bindings sasl, Arena arena, MemorySegment connCell) {
            this.sasl = sasl;
            this.arena = arena;
            this.connCell = connCell;
            this.conn = connCell.get(PTR, 0);
            this.outCell = arena.allocate(PTR);
            this.lengthCell = arena.allocate(INT);
        }

        private void open() {
            if (closed) {
                throw new IllegalStateException("SASL context disposed");
            }
        }

        private SaslException failure(String call, int rc) {
            return new SaslException(rc, call + ": " + error(sasl, rc) + " (" + errorDetail() + ")");
        }

        private int setprop(int property, MemorySegment value) {
            try {
                return (int) sasl.setprop().invokeExact(conn, property, value);
            } catch (Throwable t) {
                throw new IllegalStateException("sasl_setprop failed", t);
            }
        }

        @Override
        public void setExternalSsf(int ssf) throws SaslException {
            open();
            try (Arena call = Arena.ofConfined()) {
                int rc = setprop(SASL_SSF_EXTERNAL, call.allocateFrom(INT, ssf));
                if (rc != SASL_OK) {
                    throw failure("sasl_setprop(SASL_SSF_EXTERNAL)", rc);
                }
            }
        }

        @Override
        public void setSecurityProperties(SecurityProperties p) throws SaslException {
            open();
            try (Arena call = Arena.ofConfined()) {
                MemorySegment props = call.allocate(SaslSecurityProperties.LAYOUT);
                SaslSecurityProperties.min_ssf(props, p.minSsf());
                SaslSecurityProperties.max_ssf(props, p.maxSsf());
                SaslSecurityProperties.maxbufsize(props, p.maxBufferSize());
                SaslSecurityProperties.security_flags(props, p.flags());
                SaslSecurityProperties.property_names(props, MemorySegment.NULL);
                SaslSecurityProperties.property_values(props, MemorySegment.NULL);
                int rc = setprop(SASL_SEC_PROPS, props);
                if (rc != SASL_OK) {
                    throw failure("sasl_setprop(SASL_SEC_PROPS)", rc);
                }
            }
        }

        @Override
        public String listMechanisms(String prefix, String separator, String suffix) throws SaslException {
            open();
            try (Arena call = Arena.ofConfined()) {
                int rc = (int) sasl.listmech().invokeExact(conn, MemorySegment.NULL, call.allocateFrom(prefix),
                        call.allocateFrom(separator), call.allocateFrom(suffix), outCell, lengthCell,
                        MemorySegment.NULL);
                MemorySegment result = outCell.get(PTR, 0);
                if (rc != SASL_OK) {
                    throw failure("sasl_listmech", rc);
                }
                if (result.equals(MemorySegment.NULL)) {
                    return null;
                }
                return new String(copyOut(result, lengthCell.get(INT, 0)), StandardCharsets.ISO_8859_1);
            } catch (SaslException e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("sasl_listmech failed", t);
            }
        }

        @Override
        public Step start(String mechanism, byte[] clientData) {
            open();
            try (Arena call = Arena.ofConfined()) {
                MemorySegment in = input(call, clientData);
                int rc = (int) sasl.serverStart().invokeExact(conn, call.allocateFrom(mechanism), in,
                        clientData == null ? 0 : clientData.length, outCell, lengthCell);
                return stepResult(rc);
            } catch (Throwable t) {
                throw new IllegalStateException("sasl_server_start failed", t);
            }
        }

        @Override
        public Step step(byte[] clientData) {
            open();
            try (Arena call = Arena.ofConfined()) {
                MemorySegment in = input(call, clientData);
                int rc = (int) sasl.serverStep().invokeExact(conn, in, clientData == null ? 0 : clientData.length,
                        outCell, lengthCell);
                return stepResult(rc);
            } catch (Throwable t) {
                throw new IllegalStateException("sasl_server_step failed", t);
            }
        }

        /** The client's data NUL-terminated (as the reference hands it over), NULL for none. */
        private static MemorySegment input(Arena call, byte[] data) {
            if (data == null) {
                return MemorySegment.NULL;
            }
            MemorySegment in = call.allocate(data.length + 1L);
            MemorySegment.copy(data, 0, in, ValueLayout.JAVA_BYTE, 0, data.length);
            return in;
        }

        private Step stepResult(int rc) {
            if (rc != SASL_OK && rc != SASL_CONTINUE) {
                return new Step(rc, null);
            }
            MemorySegment out = outCell.get(PTR, 0);
            int length = lengthCell.get(INT, 0);
            if (out.equals(MemorySegment.NULL)) {
                return new Step(rc, null);
            }
            if (length < 0) {
                // More than 2 GiB: the exchange refuses replies over 1 MiB anyway; do not copy it, fail the step.
                return new Step(SASL_FAIL, null);
            }
            return new Step(rc, copyOut(out, length));
        }

        private static byte[] copyOut(MemorySegment pointer, int length) {
            return pointer.reinterpret(length).toArray(ValueLayout.JAVA_BYTE);
        }

        /** sasl_getprop of an unsigned value. */
        private int unsignedProperty(int property, String name) throws SaslException {
            open();
            try {
                int rc = (int) sasl.getprop().invokeExact(conn, property, outCell);
                if (rc != SASL_OK) {
                    throw failure("sasl_getprop(" + name + ")", rc);
                }
                MemorySegment value = outCell.get(PTR, 0);
                if (value.equals(MemorySegment.NULL)) {
                    throw new SaslException(rc, "sasl_getprop(" + name + ") gave NULL");
                }
                return value.reinterpret(INT.byteSize()).get(INT, 0);
            } catch (SaslException e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("sasl_getprop failed", t);
            }
        }

        @Override
        public int ssf() throws SaslException {
            return unsignedProperty(SASL_SSF, "SASL_SSF");
        }

        @Override
        public int maxOutput() throws SaslException {
            return unsignedProperty(SASL_MAXOUTBUF, "SASL_MAXOUTBUF");
        }

        @Override
        public String username() {
            if (closed) {
                return null;
            }
            try {
                int rc = (int) sasl.getprop().invokeExact(conn, SASL_USERNAME, outCell);
                return rc == SASL_OK ? Native.string(outCell.get(PTR, 0)) : null;
            } catch (Throwable t) {
                return null;
            }
        }

        @Override
        public String errorDetail() {
            if (closed) {
                return "disposed";
            }
            try {
                return Native.string((MemorySegment) sasl.errdetail().invokeExact(conn));
            } catch (Throwable t) {
                return "no detail: " + t;
            }
        }

        @Override
        public byte[] encode(byte[] data, int offset, int length) throws SaslException {
            return code(true, data, offset, length);
        }

        @Override
        public byte[] decode(byte[] data, int offset, int length) throws SaslException {
            return code(false, data, offset, length);
        }

        private byte[] code(boolean encode, byte[] data, int offset, int length) throws SaslException {
            open();
            if (length < 0 || length > IO_BYTES || offset < 0 || offset + length > data.length) {
                throw new IllegalArgumentException(length + " bytes at " + offset + " of " + data.length);
            }
            if (io == null) {
                io = arena.allocate(IO_BYTES);
            }
            MemorySegment.copy(data, offset, io, ValueLayout.JAVA_BYTE, 0, length);
            int rc;
            try {
                rc = encode ? (int) sasl.encode().invokeExact(conn, io, length, outCell, lengthCell)
                        : (int) sasl.decode().invokeExact(conn, io, length, outCell, lengthCell);
            } catch (Throwable t) {
                throw new IllegalStateException(encode ? "sasl_encode failed" : "sasl_decode failed", t);
            }
            if (rc != SASL_OK) {
                throw failure(encode ? "sasl_encode" : "sasl_decode", rc);
            }
            MemorySegment out = outCell.get(PTR, 0);
            int outLength = lengthCell.get(INT, 0);
            if (outLength == 0 || out.equals(MemorySegment.NULL)) {
                return new byte[0];
            }
            if (outLength < 0) {
                throw new SaslException(rc, (encode ? "sasl_encode" : "sasl_decode") + " gave more than 2 GiB");
            }
            return copyOut(out, outLength);
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                sasl.dispose().invokeExact(connCell);
            } catch (Throwable t) {
                LOG.warn("sasl_dispose failed: {}", t.toString());
            }
            arena.close();
        }
    }
}
