package org.spicejava.core.link;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.MGF1ParameterSpec;
import java.util.Arrays;

import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

/**
 * The RSA-1024 key of one link (a fresh one per link, as the reference makes): its public half goes to the client
 * as X.509 SubjectPublicKeyInfo DER, and the client's 128-byte ticket is decrypted with RSA-OAEP (SHA-1, MGF1
 * SHA-1, empty label), the padding spice clients use.
 */
public final class TicketKey {
    /** SPICE_TICKET_KEY_PAIR_LENGTH. */
    public static final int KEY_BITS = 1024;
    /** SPICE_TICKET_PUBKEY_BYTES: the DER encoding of a 1024-bit key with e = 65537. */
    public static final int PUBLIC_KEY_BYTES = KEY_BITS / 8 + 34;
    /** The encrypted ticket is one RSA block. */
    public static final int ENCRYPTED_TICKET_BYTES = KEY_BITS / 8;
    private static final OAEPParameterSpec OAEP = new OAEPParameterSpec("SHA-1", "MGF1", MGF1ParameterSpec.SHA1,
            PSource.PSpecified.DEFAULT);

    private final KeyPair pair;

    public TicketKey() {
        this(generate());
    }

    /** A key made elsewhere: tests use a reproducible one, so committed inputs decrypt. */
    TicketKey(KeyPair pair) {
        this.pair = pair;
    }

    private static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(KEY_BITS);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA is not available", e);
        }
    }

    /** Exactly {@link #PUBLIC_KEY_BYTES} bytes of DER. */
    public byte[] publicKeyDer() {
        byte[] der = pair.getPublic().getEncoded();
        if (der.length != PUBLIC_KEY_BYTES) {
            throw new IllegalStateException("unexpected public key size " + der.length);
        }
        return der;
    }

    /** The password up to its NUL, or null when the block does not decrypt. */
    public byte[] decrypt(byte[] ticket) {
        try {
            Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPPadding");
            cipher.init(Cipher.DECRYPT_MODE, pair.getPrivate(), OAEP);
            byte[] plain = cipher.doFinal(ticket);
            int nul = 0;
            while (nul < plain.length && plain[nul] != 0) {
                nul++;
            }
            return Arrays.copyOf(plain, nul);
        } catch (GeneralSecurityException e) {
            return null;
        }
    }

    /** What a client does with the public key: used by tests playing the client. */
    public static byte[] encrypt(byte[] publicKeyDer, byte[] passwordWithNul) throws GeneralSecurityException {
        var key = java.security.KeyFactory.getInstance("RSA")
                .generatePublic(new java.security.spec.X509EncodedKeySpec(publicKeyDer));
        Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPPadding");
        cipher.init(Cipher.ENCRYPT_MODE, key, OAEP);
        return cipher.doFinal(passwordWithNul);
    }
}
