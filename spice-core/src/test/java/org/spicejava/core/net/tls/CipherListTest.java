package org.spicejava.core.net.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * OpenSSL cipher strings (QEMU's tls-ciphers) turned into JSSE suites. Expectations follow what
 * {@code openssl ciphers -v STRING} prints with Debian's OpenSSL 3.0 for the TLS 1.2 suites both sides know; TLS 1.3
 * suites are always kept, as OpenSSL's SSL_CTX_set_cipher_list leaves them alone.
 */
class CipherListTest {
    /** The JDK's suites enabled by default (what JsseTls hands to CipherList). */
    static List<String> jdk;
    /** The JDK's list plus the static-RSA suites OpenSSL still offers (the JDK disables TLS_RSA_* since 24). */
    static List<String> withStaticRsa;

    static final Set<String> TLS13 = Set.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256",
            "TLS_CHACHA20_POLY1305_SHA256");

    @BeforeAll
    static void enabledSuites() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, null, null);
        jdk = List.of(context.getDefaultSSLParameters().getCipherSuites());
        withStaticRsa = new java.util.ArrayList<>(jdk);
        withStaticRsa.addAll(List.of("TLS_RSA_WITH_AES_256_GCM_SHA384", "TLS_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_RSA_WITH_AES_256_CBC_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_256_CBC_SHA",
                "TLS_RSA_WITH_AES_128_CBC_SHA"));
    }

    static boolean tls12(String suite) {
        return suite.contains("_WITH_");
    }

    static List<String> tls12Of(List<String> suites) {
        return suites.stream().filter(CipherListTest::tls12).toList();
    }

    /** Every TLS 1.3 suite of the input comes out, first. */
    static void assertTls13Kept(List<String> from, List<String> selected) {
        List<String> tls13 = from.stream().filter(TLS13::contains).toList();
        assertFalse(tls13.isEmpty());
        assertEquals(tls13, selected.subList(0, tls13.size()), "TLS 1.3 suites kept, first: " + selected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"DEFAULT", "ALL", "HIGH", "HIGH:!aNULL:!MD5", "HIGH:!aNULL:!eNULL:!EXPORT:!DES:!RC4:!MD5",
                            "DEFAULT:@SECLEVEL=2", "ALL:@STRENGTH"})
    void broadStringsKeepEveryEnabledSuite(String cipherString) {
        List<String> selected = CipherList.select(cipherString, jdk);
        assertTls13Kept(jdk, selected);
        assertEquals(Set.copyOf(tls12Of(jdk)), Set.copyOf(tls12Of(selected)), cipherString);
    }

    @Test
    void anExplicitOpenSslName() {
        List<String> selected = CipherList.select("ECDHE-RSA-AES128-GCM-SHA256", jdk);
        assertTls13Kept(jdk, selected);
        assertEquals(List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), tls12Of(selected));
    }

    @Test
    void explicitNamesInTheStringsOrder() {
        List<String> selected = CipherList.select(
                "ECDHE-RSA-AES256-SHA:ECDHE-ECDSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA256",
                jdk);
        assertEquals(List.of("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
                "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"), tls12Of(selected));
    }

    /** Lower case and comma or space separators, as OpenSSL accepts them. */
    @Test
    void separatorsAndCase() {
        assertEquals(List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
                tls12Of(CipherList.select("ecdhe-rsa-aes128-gcm-sha256, ECDHE-RSA-AES256-GCM-SHA384", jdk)));
    }

    /** AES256-SHA is TLS_RSA_WITH_AES_256_CBC_SHA: the name maps when the suite is there to pick. */
    @Test
    void staticRsaNameMaps() {
        assertEquals(List.of("TLS_RSA_WITH_AES_256_CBC_SHA"), tls12Of(CipherList.select("AES256-SHA", withStaticRsa)));
        assertEquals(List.of("TLS_RSA_WITH_AES_128_GCM_SHA256"),
                tls12Of(CipherList.select("AES128-GCM-SHA256", withStaticRsa)));
        assertEquals("AES256-SHA", CipherList.openSslName("TLS_RSA_WITH_AES_256_CBC_SHA"));
        assertEquals("ECDHE-ECDSA-AES256-SHA384", CipherList.openSslName("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"));
        assertEquals("DHE-RSA-CHACHA20-POLY1305", CipherList.openSslName("TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"));
        assertEquals("DHE-DSS-AES128-GCM-SHA256", CipherList.openSslName("TLS_DHE_DSS_WITH_AES_128_GCM_SHA256"));
    }

    /**
     * With the JDK's real list AES256-SHA selects nothing (the JDK disables static RSA key exchange), so
     * JsseTls refuses the string, where Debian's OpenSSL accepts it (OpenSSL serves TLS unless libssl is missing).
     */
    @Test
    void staticRsaIsNotInTheJdksList() {
        assertEquals(List.of(), CipherList.select("AES256-SHA", jdk));
    }

    @Test
    void ecdheAndAesGcm() {
        List<String> selected = CipherList.select("ECDHE+AESGCM", jdk);
        assertTls13Kept(jdk, selected);
        assertEquals(Set.of("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
                Set.copyOf(tls12Of(selected)));
    }

    /** "!kRSA" alone selects nothing (OpenSSL: "no cipher match"); after DEFAULT it removes static RSA. */
    @Test
    void notKrsa() {
        assertEquals(List.of(), CipherList.select("!kRSA", withStaticRsa));
        List<String> selected = CipherList.select("DEFAULT:!kRSA", withStaticRsa);
        assertTls13Kept(withStaticRsa, selected);
        assertTrue(tls12Of(selected).stream().noneMatch(s -> s.startsWith("TLS_RSA_")), selected.toString());
        assertEquals(tls12Of(jdk).size(), tls12Of(selected).size());
        // "!" bans for good: a later keyword cannot bring them back; "-" removes only for now
        assertTrue(tls12Of(CipherList.select("!kRSA:ALL", withStaticRsa)).stream()
                .noneMatch(s -> s.startsWith("TLS_RSA_")));
        assertTrue(tls12Of(CipherList.select("ALL:-kRSA:AES256-SHA", withStaticRsa))
                .contains("TLS_RSA_WITH_AES_256_CBC_SHA"));
    }

    @Test
    void removalsAndMoves() {
        List<String> noSha1 = tls12Of(CipherList.select("HIGH:!SHA1", jdk));
        assertFalse(noSha1.isEmpty());
        assertTrue(noSha1.stream().noneMatch(s -> s.endsWith("_SHA")), noSha1.toString());
        List<String> noDhe = tls12Of(CipherList.select("ALL:-DHE", jdk));
        assertTrue(noDhe.stream().noneMatch(s -> s.startsWith("TLS_DHE_")), noDhe.toString());
        List<String> chachaLast = tls12Of(CipherList.select("ECDHE:+CHACHA20", jdk));
        Predicate<String> chacha = s -> s.contains("CHACHA20");
        int firstChacha = indexOf(chachaLast, chacha);
        assertTrue(firstChacha > 0 && chachaLast.subList(firstChacha, chachaLast.size()).stream().allMatch(chacha),
                "CHACHA20 suites moved to the end: " + chachaLast);
    }

    private static int indexOf(List<String> list, Predicate<String> p) {
        for (int i = 0; i < list.size(); i++) {
            if (p.test(list.get(i))) {
                return i;
            }
        }
        return -1;
    }

    @ParameterizedTest
    @ValueSource(strings = {"NOSUCHCIPHER", "!ALL", "RC4", "DES-CBC3-SHA", "aNULL", "eNULL:EXPORT", "", ":", "!kRSA",
                            "ECDHE:!ECDHE"})
    void stringsSelectingNothingGiveAnEmptyList(String cipherString) {
        assertEquals(List.of(), CipherList.select(cipherString, jdk), "'" + cipherString + "'");
    }

    /** Whatever the string, only suites of the input come out, never a weak one the JDK left out. */
    @ParameterizedTest
    @ValueSource(strings = {"ALL:eNULL:aNULL:RC4:3DES:EXPORT", "COMPLEMENTOFDEFAULT", "NULL-SHA:RC4-SHA",
                            "ADH-AES256-SHA"})
    void onlyEnabledSuitesComeOut(String cipherString) {
        List<String> selected = CipherList.select(cipherString, jdk);
        assertTrue(jdk.containsAll(selected), selected.toString());
    }

    @Test
    void openSslNamesTheJdkLacksAreToldFromNonsense() {
        org.junit.jupiter.api.Assertions.assertTrue(CipherList.knownToOpenSsl("AES256-SHA"));
        org.junit.jupiter.api.Assertions.assertTrue(CipherList.knownToOpenSsl("eNULL"));
        org.junit.jupiter.api.Assertions.assertTrue(CipherList.knownToOpenSsl("DHE-RSA-CAMELLIA256-SHA:!aNULL"));
        org.junit.jupiter.api.Assertions.assertFalse(CipherList.knownToOpenSsl("NOSUCHCIPHER"));
        org.junit.jupiter.api.Assertions.assertFalse(CipherList.knownToOpenSsl("!aNULL:-MD5"));
    }
}
