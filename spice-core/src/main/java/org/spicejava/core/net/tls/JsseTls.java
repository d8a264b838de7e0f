package org.spicejava.core.net.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.host.NetworkStack;

/**
 * The server's TLS with the JDK's JSSE, where OpenSSL cannot be loaded. From spice_server_set_tls's files, as the
 * reference sets up OpenSSL: the certificate chain and private key (with its password), the CA file loaded and
 * checked (clients are not asked for certificates), TLS 1.2 and 1.3 only, no renegotiation, and the cipher string
 * applied to TLS 1.2. DH parameter files have no JSSE counterpart: the JDK's own groups (ECDHE and FFDHE) are used,
 * and the file is only checked for readability.
 */
public final class JsseTls implements TlsServer {
    private static final Logger LOG = LoggerFactory.getLogger(JsseTls.class);
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    static {
        // The reference's 2021 fix: a client may not renegotiate (TLS 1.2 and older; TLS 1.3 has none).
        if (System.getProperty("jdk.tls.rejectClientInitiatedRenegotiation") == null) {
            System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        }
    }

    private final SSLContext context;
    private final String[] cipherSuites;
    private final String[] protocols;

    private JsseTls(SSLContext context, String[] cipherSuites, String[] protocols) {
        this.context = context;
        this.cipherSuites = cipherSuites;
        this.protocols = protocols;
    }

    /** Loads the files; the DH file and the cipher string may be null or empty. */
    public static JsseTls load(TlsFiles files) throws TlsSetupException {
        String caFile = files.caCertFile();
        String certFile = files.certsFile();
        String keyFile = files.privateKeyFile();
        String keyPassword = files.keyPassword();
        String dhFile = files.dhKeyFile();
        String cipherString = files.cipherSuite();
        try {
            List<Certificate> chain = PemKeys.certificates(read(certFile, "certificate"));
            PrivateKey key = PemKeys.privateKey(read(keyFile, "private key"), keyPassword);
            PemKeys.certificates(read(caFile, "CA")); // the reference fails when its CA file does not load
            if (dhFile != null && !dhFile.isEmpty()) {
                read(dhFile, "DH parameters");
                LOG.info("TLS: DH parameters in {} are not used; JSSE negotiates its own groups", dhFile);
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] none = new char[0];
            store.setKeyEntry("spice", key, none, chain.toArray(Certificate[]::new));
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, none);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            String[] suites = null;
            String[] protocols = PROTOCOLS;
            if (cipherString != null && !cipherString.isBlank()) {
                List<String> enabled = List.of(context.getDefaultSSLParameters().getCipherSuites());
                List<String> chosen = CipherList.select(cipherString, enabled);
                if (chosen.isEmpty()) {
                    if (!CipherList.knownToOpenSsl(cipherString)) {
                        throw new TlsSetupException("the cipher string '" + cipherString + "' selects no cipher",
                                null);
                    }
                    // OpenSSL would serve these (TLS_RSA_*, ...); the JDK disables them as weak. Serving TLS 1.3
                    // keeps clients working (spice-gtk negotiates 1.3 with the reference too).
                    LOG.warn("TLS: the cipher string '{}' names only suites this JDK disables; serving TLS 1.3 only",
                            cipherString);
                    protocols = new String[] {"TLSv1.3"};
                    chosen = enabled.stream().filter(c -> !c.contains("_WITH_")).toList();
                }
                suites = chosen.toArray(String[]::new);
            }
            return new JsseTls(context, suites, protocols);
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsSetupException(e.getMessage(), e);
        }
    }

    private static byte[] read(String file, String what) throws IOException {
        if (file == null || file.isEmpty()) {
            throw new IOException("no " + what + " file");
        }
        try {
            return Files.readAllBytes(Path.of(file));
        } catch (IOException e) {
            throw new IOException("cannot read the " + what + " file " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public SecureTransport open(NetworkStack network, int fd) {
        return new JsseTransport(newEngine(), network, fd);
    }

    /** A server-side engine for one accepted connection. */
    SSLEngine newEngine() {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        SSLParameters params = engine.getSSLParameters();
        params.setProtocols(protocols);
        if (cipherSuites != null) {
            params.setCipherSuites(cipherSuites);
        }
        params.setNeedClientAuth(false);
        engine.setSSLParameters(params);
        return engine;
    }
}
