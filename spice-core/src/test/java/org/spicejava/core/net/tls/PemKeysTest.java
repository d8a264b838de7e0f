package org.spicejava.core.net.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PEM private keys as OpenSSL writes them (fixtures made by the openssl CLI, see make-keys.sh beside them): each
 * loads and signs what its certificate's public key verifies; encrypted ones need the right password and say so
 * clearly; broken input of any kind fails with a {@link GeneralSecurityException}, never another exception.
 */
class PemKeysTest {
    /** The password make-keys.sh encrypts every encrypted fixture with. */
    static final String PASSWORD = "spice-test-pass";
    private static final byte[] MESSAGE = "SPICE over TLS".getBytes(StandardCharsets.US_ASCII);

    static byte[] fixture(String name) {
        try (InputStream in = PemKeysTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static PublicKey publicKeyOf(String cert) throws GeneralSecurityException {
        return ((X509Certificate) PemKeys.certificates(fixture(cert)).getFirst()).getPublicKey();
    }

    static String signatureAlgorithm(PrivateKey key) {
        return switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw new AssertionError("unexpected key algorithm " + key.getAlgorithm());
        };
    }

    /** The key signs, and the certificate's public key verifies that signature: key and certificate match. */
    static void assertMatches(PrivateKey key, PublicKey certificateKey) throws GeneralSecurityException {
        Signature signer = Signature.getInstance(signatureAlgorithm(key));
        signer.initSign(key);
        signer.update(MESSAGE);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(signatureAlgorithm(key));
        verifier.initVerify(certificateKey);
        verifier.update(MESSAGE);
        assertTrue(verifier.verify(signature), "the key does not match its certificate");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "rsa-pkcs8.pem, rsa-cert.pem, RSA, false",
        "rsa-pkcs1.pem, rsa-cert.pem, RSA, false",
        "rsa-pkcs1-aes256.pem, rsa-cert.pem, RSA, true",
        "rsa-pkcs1-des3.pem, rsa-cert.pem, RSA, true",
        "rsa-pkcs8-enc.pem, rsa-cert.pem, RSA, true",
        "ec-sec1.pem, ec-cert.pem, EC, false",
        "ec-sec1-aes256.pem, ec-cert.pem, EC, true",
        "ed25519-pkcs8.pem, ed25519-cert.pem, EdDSA|Ed25519, false",
    })
    void loadsAndMatchesItsCertificate(String keyFile, String certFile, String algorithms, boolean encrypted)
            throws Exception {
        PrivateKey key = PemKeys.privateKey(fixture(keyFile), encrypted ? PASSWORD : null);
        assertTrue(List.of(algorithms.split("\\|")).contains(key.getAlgorithm()), key.getAlgorithm());
        assertMatches(key, publicKeyOf(certFile));
    }

    @Test
    void everyRsaFormatGivesTheSameKey() throws Exception {
        byte[] plain = PemKeys.privateKey(fixture("rsa-pkcs8.pem"), null).getEncoded();
        for (String f : List.of("rsa-pkcs1.pem", "rsa-pkcs1-aes256.pem", "rsa-pkcs1-des3.pem", "rsa-pkcs8-enc.pem")) {
            assertArrayEquals(plain, PemKeys.privateKey(fixture(f), PASSWORD).getEncoded(), f);
        }
    }

    /** A password given for a key that is not encrypted is ignored, as OpenSSL's password callback is never asked. */
    @Test
    void passwordForAPlainKeyIsIgnored() throws Exception {
        assertMatches(PemKeys.privateKey(fixture("rsa-pkcs1.pem"), "unused"), publicKeyOf("rsa-cert.pem"));
    }

    /** The key may sit after the certificate in one file (a combined PEM), as OpenSSL finds it there too. */
    @Test
    void keyAfterCertificatesInOneFile() throws Exception {
        byte[] combined = (new String(fixture("ec-cert.pem"), StandardCharsets.US_ASCII)
                + new String(fixture("ec-sec1.pem"), StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
        assertMatches(PemKeys.privateKey(combined, null), publicKeyOf("ec-cert.pem"));
    }

    /**
     * A certificate file that also holds the key (or any other PEM block) gives its certificates, as OpenSSL's
     * SSL_CTX_use_certificate_chain_file and SSL_CTX_load_verify_locations read it: they skip blocks that are not
     * certificates. The JDK's CertificateFactory fails on the key block instead.
     */
    @Test
    void certificatesAmongOtherBlocks() throws Exception {
        String cert = new String(fixture("ec-cert.pem"), StandardCharsets.US_ASCII);
        String key = new String(fixture("ec-sec1.pem"), StandardCharsets.US_ASCII);
        String other = new String(fixture("rsa-cert.pem"), StandardCharsets.US_ASCII);
        assertEquals(2, PemKeys.certificates((cert + key + other).getBytes(StandardCharsets.US_ASCII)).size());
        assertEquals(1, PemKeys.certificates((key + cert).getBytes(StandardCharsets.US_ASCII)).size());
    }

    /** Text around the blocks (openssl x509 -text output, comments) is skipped, as OpenSSL skips it. */
    @Test
    void certificatesWithTextAround() throws Exception {
        String cert = new String(fixture("ec-cert.pem"), StandardCharsets.US_ASCII);
        String other = new String(fixture("rsa-cert.pem"), StandardCharsets.US_ASCII);
        String text = "Certificate:\n    Data:\n        Version: 3 (0x2)\n" + cert + "# the second one\n" + other + "\n";
        assertEquals(2, PemKeys.certificates(text.getBytes(StandardCharsets.US_ASCII)).size());
    }

    @Test
    void crlfLineEndingsLoad() throws Exception {
        byte[] crlf = new String(fixture("rsa-pkcs1-aes256.pem"), StandardCharsets.US_ASCII).replace("\n", "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        assertMatches(PemKeys.privateKey(crlf, PASSWORD), publicKeyOf("rsa-cert.pem"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa-pkcs1-aes256.pem", "rsa-pkcs1-des3.pem", "rsa-pkcs8-enc.pem", "ec-sec1-aes256.pem"})
    void missingPasswordFailsClearly(String keyFile) {
        for (String none : new String[] {null, ""}) {
            GeneralSecurityException e = assertThrows(GeneralSecurityException.class,
                    () -> PemKeys.privateKey(fixture(keyFile), none));
            assertTrue(e.getMessage().contains("no password"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa-pkcs1-aes256.pem", "rsa-pkcs1-des3.pem", "rsa-pkcs8-enc.pem", "ec-sec1-aes256.pem"})
    void wrongPasswordFailsClearly(String keyFile) {
        for (String wrong : new String[] {"wrong", PASSWORD + "x", PASSWORD.toUpperCase(Locale.ROOT)}) {
            GeneralSecurityException e = assertThrows(GeneralSecurityException.class,
                    () -> PemKeys.privateKey(fixture(keyFile), wrong), keyFile + " with '" + wrong + "'");
            assertTrue(e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("password"),
                    keyFile + " with '" + wrong + "': the message should name the password: " + e.getMessage());
        }
    }

    /**
     * PemKeys' javadoc promises the older PBE schemes too: OpenSSL's {@code pkcs8 -topk8 -v1 PBE-SHA1-3DES}
     * (pbeWithSHA1And3-KeyTripleDES-CBC, still what some tools write) loads like PBES2.
     */
    @Test
    void encryptedPkcs8WithAnOlderPbeScheme() throws Exception {
        assertMatches(PemKeys.privateKey(fixture("rsa-pkcs8-enc-v1.pem"), PASSWORD), publicKeyOf("rsa-cert.pem"));
    }

    @Test
    void noKeyInTheFile() {
        GeneralSecurityException e = assertThrows(GeneralSecurityException.class,
                () -> PemKeys.privateKey(fixture("rsa-cert.pem"), null));
        assertTrue(e.getMessage().contains("no private key"), e.getMessage());
        assertThrows(GeneralSecurityException.class,
                () -> PemKeys.privateKey("not a PEM file".getBytes(StandardCharsets.US_ASCII), null));
        assertThrows(GeneralSecurityException.class, () -> PemKeys.privateKey(new byte[0], null));
        assertThrows(GeneralSecurityException.class, () -> PemKeys.certificates(fixture("rsa-pkcs8.pem")));
        assertThrows(GeneralSecurityException.class, () -> PemKeys.certificates(new byte[0]));
    }

    @Test
    void unsupportedTraditionalCipherIsNamed() {
        String pem = new String(fixture("rsa-pkcs1-aes256.pem"), StandardCharsets.US_ASCII)
                .replace("AES-256-CBC", "CAMELLIA-256-CBC");
        GeneralSecurityException e = assertThrows(GeneralSecurityException.class,
                () -> PemKeys.privateKey(pem.getBytes(StandardCharsets.US_ASCII), PASSWORD));
        assertTrue(e.getMessage().contains("CAMELLIA-256-CBC"), e.getMessage());
    }

    // ------------------------------------------------------------------ broken input

    /** One PEM block of {@code label} around {@code der}, with {@code headers} lines (traditional encryption). */
    static byte[] pem(String label, List<String> headers, byte[] der) {
        StringBuilder s = new StringBuilder("-----BEGIN " + label + "-----\n");
        headers.forEach(h -> s.append(h).append('\n'));
        if (!headers.isEmpty()) {
            s.append('\n');
        }
        String b64 = Base64.getEncoder().encodeToString(der);
        for (int i = 0; i < b64.length(); i += 64) {
            s.append(b64, i, Math.min(b64.length(), i + 64)).append('\n');
        }
        return s.append("-----END ").append(label).append("-----\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Runs {@code privateKey}: a key or a GeneralSecurityException are fine, anything else fails the test. */
    static void loadsOrFailsCleanly(byte[] pemBytes, String password, String what) {
        try {
            PemKeys.privateKey(pemBytes, password);
        } catch (GeneralSecurityException expected) {
            // the contract
        } catch (RuntimeException | Error e) {
            fail(what + ": " + e + "\n" + new String(pemBytes, StandardCharsets.US_ASCII), e);
        }
    }

    record Parsed(String label, List<String> headers, byte[] der) {
    }

    static Parsed parse(String fixture) {
        PemKeys.Block b = PemKeys.blocks(new String(fixture(fixture), StandardCharsets.US_ASCII)).getFirst();
        return new Parsed(b.label(), b.headers(), b.der());
    }

    /** Every prefix of each key's DER (a file cut short, re-encoded as valid base64). */
    @ParameterizedTest
    @ValueSource(strings = {"rsa-pkcs8.pem", "rsa-pkcs1.pem", "rsa-pkcs1-aes256.pem", "rsa-pkcs8-enc.pem",
                            "ec-sec1.pem", "ec-sec1-aes256.pem", "ed25519-pkcs8.pem"})
    void truncatedDerFailsWithGeneralSecurityException(String fixture) {
        Parsed p = parse(fixture);
        int step = p.der().length > 600 ? 7 : 1;
        for (int n = 0; n < p.der().length; n += step) {
            byte[] cut = Arrays.copyOf(p.der(), n);
            byte[] pem = pem(p.label(), p.headers(), cut);
            try {
                PemKeys.privateKey(pem, PASSWORD);
                fail(fixture + " cut to " + n + " of " + p.der().length + " bytes loaded");
            } catch (GeneralSecurityException expected) {
                // the contract
            } catch (RuntimeException | Error e) {
                fail(fixture + " cut to " + n + " bytes: " + e, e);
            }
        }
    }

    /** Random byte flips, insertions, deletions and length-byte changes in the DER, with the right password. */
    @ParameterizedTest
    @ValueSource(strings = {"rsa-pkcs8.pem", "rsa-pkcs1.pem", "rsa-pkcs1-aes256.pem", "rsa-pkcs1-des3.pem",
                            "rsa-pkcs8-enc.pem", "rsa-pkcs8-enc-v1.pem", "ec-sec1.pem", "ec-sec1-aes256.pem",
                            "ed25519-pkcs8.pem"})
    void mutatedDerNeverThrowsAnythingElse(String fixture) {
        Parsed p = parse(fixture);
        Random random = new Random(fixture.hashCode());
        for (int i = 0; i < 400; i++) {
            byte[] der = mutate(p.der(), random);
            loadsOrFailsCleanly(pem(p.label(), p.headers(), der), PASSWORD, fixture + " mutation " + i);
        }
    }

    static byte[] mutate(byte[] original, Random random) {
        byte[] der = original.clone();
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = der.length == 0 ? 0 : random.nextInt(der.length);
            switch (random.nextInt(6)) {
                case 0 -> der[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> der[at] = (byte) random.nextInt(256);
                case 2 -> der[at] = (byte) (random.nextBoolean() ? 0x80 | random.nextInt(8) : 0xff);
                case 3 -> der = Arrays.copyOf(der, Math.max(0, der.length - 1 - random.nextInt(16)));
                case 4 -> {
                    byte[] longer = new byte[der.length + 1];
                    System.arraycopy(der, 0, longer, 0, at);
                    longer[at] = (byte) random.nextInt(256);
                    System.arraycopy(der, at, longer, at + 1, der.length - at);
                    der = longer;
                }
                default -> {
                    // the outer SEQUENCE's or an early TLV's tag/length: where a parser trusts the most
                    int head = Math.min(der.length - 1, random.nextInt(8));
                    if (head >= 0) {
                        der[head] = (byte) random.nextInt(256);
                    }
                }
            }
        }
        return der;
    }

    /** Broken PEM text: a bad character in the base64, a cut line, lost padding, broken DEK-Info headers. */
    @ParameterizedTest
    @ValueSource(strings = {"rsa-pkcs8.pem", "rsa-pkcs1-aes256.pem", "rsa-pkcs8-enc.pem", "ec-sec1.pem",
                            "ed25519-pkcs8.pem"})
    void garbledPemTextNeverThrowsAnythingElse(String fixture) {
        String text = new String(fixture(fixture), StandardCharsets.US_ASCII);
        int bodyStart = text.contains("DEK-Info") ? text.indexOf("\n\n") + 2 : text.indexOf('\n') + 1;
        int bodyEnd = text.lastIndexOf("-----END");
        Random random = new Random(fixture.hashCode() * 31L);
        List<String> variants = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            StringBuilder s = new StringBuilder(text);
            int at = bodyStart + random.nextInt(bodyEnd - bodyStart);
            switch (random.nextInt(5)) {
                case 0 -> s.setCharAt(at, "=*!?-_.~@#\u00e9".charAt(random.nextInt(11)));
                case 1 -> s.deleteCharAt(at);
                case 2 -> s.insert(at, (char) ('A' + random.nextInt(26)));
                case 3 -> s.delete(at, Math.min(bodyEnd, at + 1 + random.nextInt(5)));
                default -> s.insert(at, "\n");
            }
            variants.add(s.toString());
        }
        variants.add(text.replaceAll("=+\n-----END", "\n-----END"));
        for (int i = 0; i < variants.size(); i++) {
            loadsOrFailsCleanly(variants.get(i).getBytes(StandardCharsets.ISO_8859_1), PASSWORD,
                    fixture + " variant " + i);
        }
    }

    /** A DEK-Info header with an IV that is not hex, of odd length, too short or missing. */
    @ParameterizedTest
    @ValueSource(strings = {"AES-256-CBC,XYZ", "AES-256-CBC,0", "AES-256-CBC,00", "AES-256-CBC,", "AES-256-CBC",
                            "AES-256-CBC,00112233", "DES-EDE3-CBC,0011", "AES-128-CBC,00112233445566778899AABBCCDDEEFF00"})
    void brokenDekInfoFailsCleanly(String dekInfo) {
        String text = new String(fixture("rsa-pkcs1-aes256.pem"), StandardCharsets.US_ASCII)
                .replaceAll("DEK-Info: [^\n]+", "DEK-Info: " + dekInfo);
        loadsOrFailsCleanly(text.getBytes(StandardCharsets.US_ASCII), PASSWORD, "DEK-Info: " + dekInfo);
    }

    /** A PKCS#8 encryption algorithm the JDK does not know (an OID changed) is a clear failure. */
    @Test
    void unknownPkcs8EncryptionAlgorithmFailsCleanly() {
        Parsed p = parse("rsa-pkcs8-enc.pem");
        byte[] der = p.der().clone();
        // 06 09 2a864886f70d01050d (PBES2) at offset 6: change the OID's last arc to an unassigned one
        assertEquals(0x0d, der[16]);
        der[16] = 0x7f;
        loadsOrFailsCleanly(pem(p.label(), p.headers(), der), PASSWORD, "unknown PBE OID");
    }

    /** Random bytes under each label the reader knows, and for certificates. */
    @Test
    void randomBytesUnderEveryLabel() {
        Random random = new Random(11);
        for (String label : List.of("PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY")) {
            for (int i = 0; i < 300; i++) {
                byte[] der = new byte[random.nextInt(200)];
                random.nextBytes(der);
                if (der.length > 0 && random.nextBoolean()) {
                    der[0] = 0x30; // look like a SEQUENCE
                }
                loadsOrFailsCleanly(pem(label, List.of(), der), PASSWORD, label + " " + i);
                List<String> headers = List.of("Proc-Type: 4,ENCRYPTED",
                        "DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF");
                loadsOrFailsCleanly(pem(label, headers, der), PASSWORD, label + " encrypted " + i);
            }
        }
        for (int i = 0; i < 200; i++) {
            byte[] der = new byte[random.nextInt(300)];
            random.nextBytes(der);
            try {
                PemKeys.certificates(pem("CERTIFICATE", List.of(), der));
            } catch (GeneralSecurityException expected) {
                // the contract
            } catch (RuntimeException e) {
                fail("certificate " + i + ": " + e, e);
            }
        }
    }
}
