package org.spicejava.core.net.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The PEM files QEMU's users hand to spice_server_set_tls, read as OpenSSL reads them: certificate chains, and
 * private keys in PKCS#8 ("PRIVATE KEY"), PKCS#8 encrypted with a password ("ENCRYPTED PRIVATE KEY"), PKCS#1
 * ("RSA PRIVATE KEY") and SEC1 ("EC PRIVATE KEY"), the last two also with OpenSSL's traditional encryption
 * ("Proc-Type: 4,ENCRYPTED" and "DEK-Info"). Only the JDK's providers are used.
 */
public final class PemKeys {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\r?\\n(.*?)-----END \\1-----", Pattern.DOTALL);
    /** OIDs (DER, with tag and length) of rsaEncryption and id-ecPublicKey. */
    private static final byte[] RSA_ALGORITHM = HexFormat.of().parseHex("300d06092a864886f70d0101010500");
    private static final byte[] EC_PUBLIC_KEY_OID = HexFormat.of().parseHex("06072a8648ce3d0201");

    private PemKeys() {
    }

    /** One PEM block: its label, headers (traditional encryption) and DER content. */
    record Block(String label, List<String> headers, byte[] der) {
        String header(String name) {
            return headers.stream().filter(h -> h.regionMatches(true, 0, name + ":", 0, name.length() + 1))
                    .map(h -> h.substring(name.length() + 1).trim()).findFirst().orElse(null);
        }
    }

    static List<Block> blocks(String pem) {
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(pem);
        while (m.find()) {
            List<String> headers = new ArrayList<>();
            StringBuilder base64 = new StringBuilder();
            for (String line : m.group(2).split("\\r?\\n")) {
                if (line.contains(":")) {
                    headers.add(line.trim());
                } else {
                    base64.append(line.trim());
                }
            }
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(base64.toString());
            } catch (IllegalArgumentException e) {
                der = null; // broken base64: the block is unreadable
            }
            blocks.add(new Block(m.group(1), headers, der));
        }
        return blocks;
    }

    /** Every certificate of a PEM file, in order (the server's first, then its chain). */
    public static List<Certificate> certificates(byte[] pem) throws GeneralSecurityException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<Certificate> certs = new ArrayList<>();
        for (Block b : blocks(new String(pem, StandardCharsets.US_ASCII))) {
            if (b.label().equals("CERTIFICATE") || b.label().equals("X509 CERTIFICATE")) {
                if (b.der() == null) {
                    throw new GeneralSecurityException("bad base64 in a certificate");
                }
                certs.add(factory.generateCertificate(new ByteArrayInputStream(b.der())));
            }
        }
        if (certs.isEmpty()) {
            throw new GeneralSecurityException("no certificate in the file");
        }
        return certs;
    }

    /** The first private key of a PEM file; {@code password} opens an encrypted one (null or empty: none). */
    public static PrivateKey privateKey(byte[] pem, String password) throws GeneralSecurityException {
        for (Block b : blocks(new String(pem, StandardCharsets.US_ASCII))) {
            if (b.der() == null && b.label().contains("PRIVATE KEY")) {
                throw new GeneralSecurityException("bad base64 in the " + b.label() + " block");
            }
            switch (b.label()) {
                case "PRIVATE KEY" -> {
                    return pkcs8(b.der());
                }
                case "ENCRYPTED PRIVATE KEY" -> {
                    return pkcs8(decryptPkcs8(b.der(), requirePassword(password)));
                }
                case "RSA PRIVATE KEY" -> {
                    return pkcs8(der(0x30, concat(der(0x02, new byte[] {0}), RSA_ALGORITHM,
                            der(0x04, traditional(b, password)))));
                }
                case "EC PRIVATE KEY" -> {
                    byte[] sec1 = traditional(b, password);
                    byte[] algorithm = der(0x30, concat(EC_PUBLIC_KEY_OID, curveOf(sec1)));
                    return pkcs8(der(0x30, concat(der(0x02, new byte[] {0}), algorithm, der(0x04, sec1))));
                }
                default -> {
                    // certificates or parameters in the same file: keep looking
                }
            }
        }
        throw new GeneralSecurityException("no private key in the file");
    }

    private static char[] requirePassword(String password) throws GeneralSecurityException {
        if (password == null || password.isEmpty()) {
            throw new GeneralSecurityException("the key is encrypted and no password was given");
        }
        return password.toCharArray();
    }

    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        GeneralSecurityException last = null;
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw new GeneralSecurityException("unsupported private key", last);
    }

    /** PBES2 (and the older PBE schemes) as OpenSSL writes them with -topk8 and a password. */
    private static byte[] decryptPkcs8(byte[] der, char[] password) throws GeneralSecurityException {
        EncryptedPrivateKeyInfo info;
        try {
            info = new EncryptedPrivateKeyInfo(der);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("unreadable encrypted key", e);
        }
        java.security.AlgorithmParameters params = info.getAlgParameters();
        if (params == null) {
            throw new GeneralSecurityException("unsupported key encryption " + info.getAlgName());
        }
        // PBES2 names its PRF and cipher in its parameters; the older schemes are named by their OID alone
        String scheme = info.getAlgName().equals("PBES2") ? params.toString() : info.getAlgName();
        Cipher cipher = Cipher.getInstance(scheme);
        cipher.init(Cipher.DECRYPT_MODE, SecretKeyFactory.getInstance(scheme).generateSecret(new PBEKeySpec(password)),
                params);
        try {
            return info.getKeySpec(cipher).getEncoded();
        } catch (java.security.spec.InvalidKeySpecException e) {
            throw new GeneralSecurityException("wrong password for the key", e);
        }
    }

    /** A PKCS#1 or SEC1 body, decrypted first when its headers say OpenSSL's traditional encryption. */
    private static byte[] traditional(Block b, String password) throws GeneralSecurityException {
        String procType = b.header("Proc-Type");
        if (procType == null || !procType.toUpperCase(Locale.ROOT).contains("ENCRYPTED")) {
            return b.der();
        }
        String dekInfo = b.header("DEK-Info");
        if (dekInfo == null || !dekInfo.contains(",")) {
            throw new GeneralSecurityException("encrypted key without DEK-Info");
        }
        String algorithm = dekInfo.substring(0, dekInfo.indexOf(',')).trim().toUpperCase(Locale.ROOT);
        byte[] iv;
        try {
            iv = HexFormat.of().parseHex(dekInfo.substring(dekInfo.indexOf(',') + 1).trim());
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("bad IV in DEK-Info", e);
        }
        record Scheme(String transformation, String keyAlgorithm, int keyBytes) {
        }
        Scheme scheme = switch (algorithm) {
            case "AES-128-CBC" -> new Scheme("AES/CBC/PKCS5Padding", "AES", 16);
            case "AES-192-CBC" -> new Scheme("AES/CBC/PKCS5Padding", "AES", 24);
            case "AES-256-CBC" -> new Scheme("AES/CBC/PKCS5Padding", "AES", 32);
            case "DES-EDE3-CBC" -> new Scheme("DESede/CBC/PKCS5Padding", "DESede", 24);
            default -> throw new GeneralSecurityException("unsupported key encryption " + algorithm);
        };
        if (iv.length != (scheme.keyAlgorithm().equals("AES") ? 16 : 8)) {
            throw new GeneralSecurityException("bad IV length in DEK-Info: " + iv.length);
        }
        byte[] key = bytesToKey(requirePassword(password), iv, scheme.keyBytes());
        Cipher cipher = Cipher.getInstance(scheme.transformation());
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, scheme.keyAlgorithm()), new IvParameterSpec(iv));
        try {
            return cipher.doFinal(b.der());
        } catch (GeneralSecurityException e) {
            throw new GeneralSecurityException("wrong password for the key", e);
        }
    }

    /** OpenSSL's EVP_BytesToKey with MD5, one iteration and the IV's first 8 bytes as salt. */
    static byte[] bytesToKey(char[] password, byte[] iv, int length) throws GeneralSecurityException {
        byte[] pass = new String(password).getBytes(StandardCharsets.UTF_8);
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        ByteArrayOutputStream key = new ByteArrayOutputStream();
        byte[] previous = new byte[0];
        while (key.size() < length) {
            md5.update(previous);
            md5.update(pass);
            md5.update(iv, 0, 8);
            previous = md5.digest();
            key.writeBytes(previous);
        }
        return java.util.Arrays.copyOf(key.toByteArray(), length);
    }

    /** The named curve OID (with tag and length) of a SEC1 ECPrivateKey's [0] parameters. */
    private static byte[] curveOf(byte[] sec1) throws GeneralSecurityException {
        Der outer = new Der(sec1, 0);
        if (outer.tag != 0x30) {
            throw new GeneralSecurityException("EC key is not a SEQUENCE");
        }
        int at = outer.contentStart;
        while (at < outer.end) {
            Der item = new Der(sec1, at);
            if (item.tag == 0xa0) {
                Der oid = new Der(sec1, item.contentStart);
                return java.util.Arrays.copyOfRange(sec1, item.contentStart, oid.end);
            }
            at = item.end;
        }
        throw new GeneralSecurityException("EC key without named curve");
    }

    /** One DER TLV at {@code at}, with its bounds checked against the array. */
    private static final class Der {
        final int tag;
        final int contentStart;
        final int end;

        Der(byte[] b, int at) throws GeneralSecurityException {
            if (at + 2 > b.length) {
                throw new GeneralSecurityException("truncated DER");
            }
            tag = b[at] & 0xff;
            int len = b[at + 1] & 0xff;
            int p = at + 2;
            if (len > 0x80) {
                int n = len & 0x7f;
                if (n > 3 || p + n > b.length) {
                    throw new GeneralSecurityException("bad DER length");
                }
                len = 0;
                for (int i = 0; i < n; i++) {
                    len = len << 8 | b[p++] & 0xff;
                }
            } else if (len == 0x80) {
                throw new GeneralSecurityException("indefinite DER length");
            }
            contentStart = p;
            end = p + len;
            if (end > b.length) {
                throw new GeneralSecurityException("truncated DER");
            }
        }
    }

    static byte[] der(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
