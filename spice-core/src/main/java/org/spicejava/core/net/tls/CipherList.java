package org.spicejava.core.net.tls;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * An OpenSSL cipher string (QEMU's tls-ciphers, handed to SSL_CTX_set_cipher_list by the reference) turned into
 * JSSE cipher suite names: OpenSSL suite names ("ECDHE-RSA-AES128-GCM-SHA256"), the usual keywords (DEFAULT, ALL,
 * HIGH, ECDHE, AESGCM, kRSA, SHA1, ...), "+" for "and", "!" and "-" to remove. As with OpenSSL, the string governs
 * TLS 1.2 and older only: TLS 1.3 suites are always kept. Only suites the JDK supports and enables by default can
 * come out, so weak ones (NULL, anonymous, RC4, 3DES, export) never do, whatever the string asks.
 */
public final class CipherList {
    private CipherList() {
    }

    /**
     * The suites {@code cipherString} selects from {@code enabledByDefault} (in the JDK's preference order when
     * a keyword selects, in the string's order for named suites); empty when it selects no TLS 1.2 suite.
     */
    public static List<String> select(String cipherString, List<String> enabledByDefault) {
        List<String> tls12 = enabledByDefault.stream().filter(s -> !tls13(s)).toList();
        Set<String> chosen = new LinkedHashSet<>();
        Set<String> banned = new LinkedHashSet<>();
        for (String token : cipherString.split("[:, ]+")) {
            if (token.isEmpty() || token.startsWith("@")) {
                continue; // @STRENGTH, @SECLEVEL=n: ordering and policy knobs
            }
            char op = token.charAt(0);
            String body = op == '!' || op == '-' || op == '+' ? token.substring(1) : token;
            Predicate<String> matches = matcher(body);
            switch (op) {
                case '!' -> {
                    tls12.stream().filter(matches).forEach(banned::add);
                    chosen.removeIf(matches);
                }
                case '-' -> chosen.removeIf(matches);
                case '+' -> {
                    List<String> moved = chosen.stream().filter(matches).toList();
                    chosen.removeAll(moved);
                    chosen.addAll(moved);
                }
                default -> tls12.stream().filter(matches).filter(s -> !banned.contains(s)).forEach(chosen::add);
            }
        }
        if (chosen.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>(enabledByDefault.stream().filter(CipherList::tls13).toList());
        out.addAll(chosen);
        return out;
    }

    /** OpenSSL's names of TLS 1.2 and older suites: [kx-auth-]cipher[-mode]-mac. */
    private static final java.util.regex.Pattern OPENSSL_SUITE = java.util.regex.Pattern.compile(
            "((ECDHE|DHE|EDH|ECDH|DH|ADH|AECDH|PSK|RSA-PSK|DHE-PSK|ECDHE-PSK|SRP)-(RSA-|ECDSA-|DSS-)?)?"
            + "(AES(128|256)(-GCM|-CCM8?)?|CHACHA20-POLY1305|DES-CBC3|CAMELLIA(128|256)|ARIA(128|256)-GCM|SEED|"
            + "IDEA-CBC|RC4|NULL)(-(SHA|SHA256|SHA384|MD5))?");

    /**
     * True when some positive word of {@code cipherString} is something OpenSSL knows (a suite name or a family
     * keyword), even if it selects nothing here: OpenSSL would accept the string where the JDK has no such suite
     * enabled (TLS_RSA_*, eNULL, ...).
     */
    public static boolean knownToOpenSsl(String cipherString) {
        for (String token : cipherString.split("[:, ]+")) {
            if (token.isEmpty() || "!-+@".indexOf(token.charAt(0)) >= 0) {
                continue;
            }
            for (String part : token.split("\\+")) {
                String w = part.toUpperCase(Locale.ROOT);
                if (OPENSSL_SUITE.matcher(w).matches() || KEYWORDS.contains(w)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static final Set<String> KEYWORDS = Set.of("DEFAULT", "ALL", "HIGH", "MEDIUM", "LOW", "EXPORT", "EXP",
            "NULL", "ENULL", "ANULL", "ADH", "AECDH", "RC4", "MD5", "DES", "3DES", "KRSA", "RSA", "ARSA", "ECDHE",
            "EECDH", "DHE", "EDH", "AECDSA", "ECDSA", "AES", "AES128", "AES256", "AESGCM", "CHACHA20", "SHA1", "SHA",
            "SHA256", "SHA384", "TLSV1.2", "TLSV1", "SSLV3", "CAMELLIA", "ARIA", "SEED", "IDEA", "PSK", "SRP");

    private static boolean tls13(String suite) {
        return !suite.contains("_WITH_");
    }

    /** A token's test: "A+B" needs both; a suite name matches itself; keywords match families. */
    private static Predicate<String> matcher(String token) {
        Predicate<String> all = s -> true;
        for (String part : token.split("\\+")) {
            all = all.and(single(part));
        }
        return all;
    }

    private static Predicate<String> single(String word) {
        String w = word.toUpperCase(Locale.ROOT);
        return switch (w) {
            case "DEFAULT", "ALL", "HIGH", "COMPLEMENTOFDEFAULT", "SECURE" -> s -> !w.equals("COMPLEMENTOFDEFAULT");
            case "MEDIUM", "LOW", "EXPORT", "EXP", "NULL", "ENULL", "ANULL", "ADH", "AECDH", "RC4", "MD5", "DES",
                 "3DES", "IDEA", "SEED", "PSK", "SRP", "KRB5", "DSS", "ADSS", "CAMELLIA", "ARIA" -> s -> false;
            case "KRSA", "RSA" -> s -> s.startsWith("TLS_RSA_");
            case "ARSA" -> s -> s.contains("_RSA_WITH_");
            case "ECDHE", "EECDH", "KEECDH", "KECDHE" -> s -> s.startsWith("TLS_ECDHE_");
            case "DHE", "EDH", "KEDH", "KDHE" -> s -> s.startsWith("TLS_DHE_");
            case "AECDSA", "ECDSA" -> s -> s.contains("_ECDSA_");
            case "AES" -> s -> s.contains("_AES_");
            case "AES128" -> s -> s.contains("_AES_128_");
            case "AES256" -> s -> s.contains("_AES_256_");
            case "AESGCM" -> s -> s.contains("_AES_") && s.contains("_GCM_");
            case "CHACHA20" -> s -> s.contains("CHACHA20");
            case "SHA1", "SHA" -> s -> s.endsWith("_SHA");
            case "SHA256" -> s -> s.endsWith("_SHA256");
            case "SHA384" -> s -> s.endsWith("_SHA384");
            case "TLSV1.2" -> s -> s.endsWith("_SHA256") || s.endsWith("_SHA384");
            case "TLSV1", "SSLV3" -> s -> s.endsWith("_SHA");
            default -> s -> openSslName(s).equals(w);
        };
    }

    /** The OpenSSL name of a TLS 1.2 JSSE suite: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 is ECDHE-RSA-AES128-GCM-SHA256. */
    static String openSslName(String suite) {
        int with = suite.indexOf("_WITH_");
        if (!suite.startsWith("TLS_") || with < 0) {
            return suite;
        }
        String kx = suite.substring(4, with);
        String rest = suite.substring(with + 6);
        String prefix = kx.equals("RSA") ? "" : kx.replace('_', '-') + "-";
        if (rest.startsWith("CHACHA20_POLY1305")) {
            return prefix + "CHACHA20-POLY1305";
        }
        String cipher = rest.replaceFirst("^AES_(\\d+)_", "AES$1-").replace("CBC_", "").replace('_', '-');
        return prefix + cipher;
    }
}
