package org.spicejava.ffi;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.host.NetworkStack;
import org.spicejava.core.net.tls.JsseTls;
import org.spicejava.core.net.tls.SecureTransport;
import org.spicejava.core.net.tls.TlsFiles;
import org.spicejava.core.net.tls.TlsServer;
import org.spicejava.core.net.tls.TlsSetupException;

/**
 * The server's TLS with OpenSSL's libssl (libssl3), the library the reference serves TLS with: the same context
 * set-up (options, certificate chain, key and its password, CA file, DH parameters, session id context, cipher
 * string), so every file and cipher string QEMU passes means what it means there, and the same record layer on the
 * socket itself ({@link OpenSslTransport}). Functions whose arguments are integers and pointers go through
 * {@link Native#intCall}/{@link Native#longCall}'s shared shapes; reads and writes take the connection's buffers in
 * place (critical downcalls).
 */
final class OpenSsl {
    private static final Logger LOG = LoggerFactory.getLogger(OpenSsl.class);
    static final String LIBRARY = "libssl.so.3";
    // ssl.h: SSL_OP_NO_COMPRESSION, SSL_OP_NO_SSLv3, SSL_OP_NO_TLSv1, SSL_OP_NO_RENEGOTIATION (SSLv2 is gone)
    private static final long OPTIONS = 1L << 17 | 1L << 25 | 1L << 26 | 1L << 30;
    private static final int SSL_CTRL_SET_TMP_DH = 3;
    private static final int SSL_CTRL_MODE = 33;
    // SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER: SSL_write returns per record written,
    // and a write retried after WANT_WRITE may come from another address (the connection's buffer moved on)
    private static final long MODE = 1 | 2;
    private static final int SSL_FILETYPE_PEM = 1;
    static final int SSL_ERROR_WANT_READ = 2;
    static final int SSL_ERROR_WANT_WRITE = 3;
    static final int SSL_ERROR_SYSCALL = 5;
    static final int SSL_ERROR_ZERO_RETURN = 6;

    private static final Object LOCK = new Object();
    private static OpenSsl instance;
    private static boolean failed;
    /** The key's password while SSL_CTX_use_PrivateKey_file runs (under LOCK), for {@link #password}. */
    private static byte[] loadingPassword;

    // Set-up (context) functions, in the shared shapes
    private final MethodHandle serverMethod, contextNew, contextFree, setOptions, contextCtrl, useChain,
            setPasswordCallback, usePrivateKey, loadVerify, setSessionIdContext, setCipherList,
            bioNewFile, readDhParams, dhFree, errGet, errString, errClear;
    // Connection functions
    final MethodHandle sslNew, setBio, bioNewSocket, bioBuffer, bioNew, bioFree, bioPush, bioUpRef, bioIntCtrl, bioCtrl,
            setAcceptState, doHandshake, getError, initFinished, hasPending, shutdown, free, currentCipher, cipherBits;
    /** int SSL_read / SSL_write (SSL *, void *buf, int num), called (state, ssl, buffer, num): heap buffers too. */
    final MethodHandle read, write;
    private final MemorySegment passwordCallback;

    private OpenSsl(SymbolLookup ssl, SymbolLookup crypto) {
        serverMethod = Native.longCall(find(ssl, "TLS_server_method"));
        contextNew = Native.longCall(find(ssl, "SSL_CTX_new"));
        contextFree = Native.intCall(find(ssl, "SSL_CTX_free"));
        setOptions = Native.longCall(find(ssl, "SSL_CTX_set_options"));
        contextCtrl = Native.longCall(find(ssl, "SSL_CTX_ctrl"));
        useChain = Native.intCall(find(ssl, "SSL_CTX_use_certificate_chain_file"));
        setPasswordCallback = Native.intCall(find(ssl, "SSL_CTX_set_default_passwd_cb"));
        usePrivateKey = Native.intCall(find(ssl, "SSL_CTX_use_PrivateKey_file"));
        loadVerify = Native.intCall(find(ssl, "SSL_CTX_load_verify_locations"));
        setSessionIdContext = Native.intCall(find(ssl, "SSL_CTX_set_session_id_context"));
        setCipherList = Native.intCall(find(ssl, "SSL_CTX_set_cipher_list"));
        bioNewFile = Native.longCall(find(crypto, "BIO_new_file"));
        bioFree = Native.intCall(find(crypto, "BIO_free"));
        readDhParams = Native.longCall(find(crypto, "PEM_read_bio_DHparams"));
        dhFree = Native.intCall(find(crypto, "DH_free"));
        errGet = Native.longCall(find(crypto, "ERR_get_error"));
        errString = Native.intCall(find(crypto, "ERR_error_string_n"));
        errClear = Native.intCall(find(crypto, "ERR_clear_error"));
        sslNew = Native.longCall(find(ssl, "SSL_new"));
        setBio = Native.intCall(find(ssl, "SSL_set_bio"));
        bioNewSocket = Native.longCall(find(crypto, "BIO_new_socket"));
        bioBuffer = Native.longCall(find(crypto, "BIO_f_buffer"));
        bioNew = Native.longCall(find(crypto, "BIO_new"));
        bioPush = Native.longCall(find(crypto, "BIO_push"));
        bioUpRef = Native.intCall(find(crypto, "BIO_up_ref"));
        bioIntCtrl = Native.longCall(find(crypto, "BIO_int_ctrl"));
        bioCtrl = Native.longCall(find(crypto, "BIO_ctrl"));
        setAcceptState = Native.intCall(find(ssl, "SSL_set_accept_state"));
        doHandshake = Native.intCall(find(ssl, "SSL_do_handshake"));
        getError = Native.intCall(find(ssl, "SSL_get_error"));
        initFinished = Native.intCall(find(ssl, "SSL_is_init_finished"));
        hasPending = Native.intCall(find(ssl, "SSL_has_pending"));
        shutdown = Native.intCall(find(ssl, "SSL_shutdown"));
        free = Native.intCall(find(ssl, "SSL_free"));
        currentCipher = Native.longCall(find(ssl, "SSL_get_current_cipher"));
        cipherBits = Native.intCall(find(ssl, "SSL_CIPHER_get_bits"));
        FunctionDescriptor io = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS,
                ValueLayout.JAVA_INT);
        Linker.Option errno = Linker.Option.captureCallState("errno");
        read = Native.bind(ssl, "SSL_read", io, errno, Linker.Option.critical(true));
        write = Native.bind(ssl, "SSL_write", io, errno, Linker.Option.critical(true));
        passwordCallback = Native.upcall(MethodHandles.lookup(), "password", FunctionDescriptor.of(
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS));
    }

    private static MemorySegment find(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name + " not found"));
    }

    /** Loads TLS set-ups with OpenSSL, or with the JDK's JSSE when libssl cannot be bound (one log line). */
    static TlsServer.Loader loader() {
        return files -> {
            OpenSsl ssl = library();
            return ssl != null ? ssl.load(files) : JsseTls.load(files);
        };
    }

    /** The binding, made on first use; null when the library cannot be used. */
    static OpenSsl library() {
        synchronized (LOCK) {
            if (instance == null && !failed) {
                try {
                    instance = new OpenSsl(SymbolLookup.libraryLookup(LIBRARY, Arena.global()),
                            SymbolLookup.libraryLookup(LibCrypto.LIBRARY, Arena.global()));
                } catch (Throwable t) {
                    failed = true;
                    LOG.warn("TLS: {} cannot be used ({}); the JDK's JSSE serves TLS", LIBRARY, t.toString());
                }
            }
            return instance;
        }
    }

    /** pem_password_cb, as the reference's: the password, or 0 (no password) when it does not fit. */
    private static int password(MemorySegment buf, int size, int rwflag, MemorySegment userdata) {
        try {
            byte[] password = loadingPassword;
            if (password == null || size <= 0 || password.length >= size) {
                return 0;
            }
            MemorySegment.copy(password, 0, Native.sized(buf, size), ValueLayout.JAVA_BYTE, 0, password.length);
            return password.length;
        } catch (Throwable t) {
            LOG.warn("TLS: key password callback failed: {}", t.toString());
            return 0;
        }
    }

    /** A context from the files, set up as the reference sets up its own. */
    TlsServer load(TlsFiles files) throws TlsSetupException {
        synchronized (LOCK) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = arena.allocate(Native.CALL_STATE);
                errClear(state);
                long method = (long) serverMethod.invokeExact(state, 0L, 0L, 0L, 0L, 0L);
                long context = (long) contextNew.invokeExact(state, method, 0L, 0L, 0L, 0L);
                if (context == 0) {
                    throw new TlsSetupException("SSL_CTX_new failed: " + errors(state), null);
                }
                try {
                    configure(context, files, arena, state);
                } catch (TlsSetupException | RuntimeException e) {
                    int ignored = (int) contextFree.invokeExact(state, context, 0L, 0L, 0L, 0L);
                    throw e;
                }
                return new Context(context);
            } catch (TlsSetupException e) {
                throw e;
            } catch (Throwable t) {
                throw new TlsSetupException("OpenSSL set-up failed: " + t, t);
            }
        }
    }

    private void configure(long context, TlsFiles files, Arena arena, MemorySegment state) throws Throwable {
        long ignored = (long) setOptions.invokeExact(state, context, OPTIONS, 0L, 0L, 0L);
        ignored = (long) contextCtrl.invokeExact(state, context, (long) SSL_CTRL_MODE, MODE, 0L, 0L);
        check((int) useChain.invokeExact(state, context, cString(arena, files.certsFile()), 0L, 0L, 0L) == 1,
                "cannot load the certificates from " + files.certsFile(), state);
        int unused = (int) setPasswordCallback.invokeExact(state, context, passwordCallback.address(), 0L, 0L, 0L);
        String password = files.keyPassword();
        loadingPassword = password == null ? new byte[0] : password.getBytes(StandardCharsets.UTF_8);
        try {
            check((int) usePrivateKey.invokeExact(state, context, cString(arena, files.privateKeyFile()),
                    (long) SSL_FILETYPE_PEM, 0L, 0L) == 1,
                    "cannot use the private key " + files.privateKeyFile(), state);
        } finally {
            Arrays.fill(loadingPassword, (byte) 0);
            loadingPassword = null;
        }
        check((int) loadVerify.invokeExact(state, context, cString(arena, files.caCertFile()), 0L, 0L, 0L) == 1,
                "cannot use the CA file " + files.caCertFile(), state);
        String dhFile = files.dhKeyFile();
        if (dhFile != null && !dhFile.isEmpty()) {
            useDhParameters(context, dhFile, arena, state);
        }
        MemorySegment sessionContext = arena.allocateFrom("SPICE");
        unused = (int) setSessionIdContext.invokeExact(state, context, sessionContext.address(), 5L, 0L, 0L);
        String ciphers = files.cipherSuite();
        if (ciphers != null && !ciphers.isEmpty()) {
            check((int) setCipherList.invokeExact(state, context, cString(arena, ciphers), 0L, 0L, 0L) == 1,
                    "the cipher string '" + ciphers + "' selects no cipher", state);
        }
    }

    private void useDhParameters(long context, String file, Arena arena, MemorySegment state) throws Throwable {
        long bio = (long) bioNewFile.invokeExact(state, cString(arena, file), cString(arena, "r"), 0L, 0L, 0L);
        check(bio != 0, "cannot open the DH file " + file, state);
        long dh = (long) readDhParams.invokeExact(state, bio, 0L, 0L, 0L, 0L);
        int ignored = (int) bioFree.invokeExact(state, bio, 0L, 0L, 0L, 0L);
        check(dh != 0, "cannot read DH parameters from " + file, state);
        try {
            if ((long) contextCtrl.invokeExact(state, context, (long) SSL_CTRL_SET_TMP_DH, 0L, dh, 0L) != 1) {
                // the reference goes on without them too (its check of SSL_CTX_set_tmp_dh never fails)
                LOG.warn("TLS: the DH parameters of {} are not used: {}", file, errors(state));
            }
        } finally {
            ignored = (int) dhFree.invokeExact(state, dh, 0L, 0L, 0L, 0L); // the context keeps its own reference
        }
    }

    private void check(boolean ok, String what, MemorySegment state) throws TlsSetupException {
        if (!ok) {
            throw new TlsSetupException(what + ": " + errors(state), null);
        }
    }

    private static long cString(Arena arena, String s) {
        return arena.allocateFrom(s == null ? "" : s).address();
    }

    void errClear(MemorySegment state) throws Throwable {
        int ignored = (int) errClear.invokeExact(state, 0L, 0L, 0L, 0L, 0L);
    }

    /** OpenSSL's error queue of this thread as one line (emptied), for the log. */
    String errors(MemorySegment state) {
        List<String> lines = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(256);
            for (int i = 0; i < 16; i++) {
                long code = (long) errGet.invokeExact(state, 0L, 0L, 0L, 0L, 0L);
                if (code == 0) {
                    break;
                }
                int ignored = (int) errString.invokeExact(state, code, text.address(), text.byteSize(), 0L, 0L);
                lines.add(text.getString(0));
            }
        } catch (Throwable t) {
            lines.add("(no error text: " + t + ")");
        }
        return lines.isEmpty() ? "no OpenSSL error" : String.join("; ", lines);
    }

    /** One SSL_CTX: connections take their SSL objects from it. */
    private final class Context implements TlsServer {
        private long context;

        Context(long context) {
            this.context = context;
        }

        @Override
        public SecureTransport open(NetworkStack network, int fd) throws IOException {
            long ctx = context;
            if (ctx == 0) {
                throw new IOException("the TLS context is closed");
            }
            return OpenSslTransport.open(OpenSsl.this, ctx, fd);
        }

        @Override
        public void close() {
            long ctx = context;
            context = 0;
            if (ctx != 0) {
                try (Arena arena = Arena.ofConfined()) {
                    // SSL objects hold references of their own: open connections keep working
                    int ignored = (int) contextFree.invokeExact(arena.allocate(Native.CALL_STATE), ctx, 0L, 0L, 0L,
                            0L);
                } catch (Throwable t) {
                    LOG.warn("TLS: SSL_CTX_free failed: {}", t.toString());
                }
            }
        }
    }
}
