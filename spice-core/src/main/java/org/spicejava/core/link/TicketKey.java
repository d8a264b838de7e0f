package org.spicejava.core.link;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

/**
 * The RSA-1024 key of one link (a fresh one per link, as the reference makes): its public half goes to the client
 * as X.509 SubjectPublicKeyInfo DER, and the client's 128-byte ticket is decrypted with RSA-OAEP (SHA-1, MGF1
 * SHA-1, empty label), the padding spice clients use.
 */
public interface TicketKey {
    /** SPICE_TICKET_KEY_PAIR_LENGTH. */
    int KEY_BITS = 1024;
    /** SPICE_TICKET_PUBKEY_BYTES: the DER encoding of a 1024-bit key with e = 65537. */
    int PUBLIC_KEY_BYTES = KEY_BITS / 8 + 34;
    /** The encrypted ticket is one RSA block. */
    int ENCRYPTED_TICKET_BYTES = KEY_BITS / 8;

    /** Exactly {@link #PUBLIC_KEY_BYTES} bytes of DER. */
    byte[] publicKeyDer();

    /** The password up to its NUL, or null when the block does not decrypt. */
    byte[] decrypt(byte[] ticket);

    /** The password in a decrypted ticket: its bytes up to the first NUL. */
    static byte[] passwordIn(byte[] plain) {
        int nul = 0;
        while (nul < plain.length && plain[nul] != 0) {
            nul++;
        }
        return Arrays.copyOf(plain, nul);
    }

    /** What a client does with the public key: used by tests playing the client. */
    static byte[] encrypt(byte[] publicKeyDer, byte[] passwordWithNul) throws GeneralSecurityException {
        var key = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(publicKeyDer));
        Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPPadding");
        cipher.init(Cipher.ENCRYPT_MODE, key,
                new OAEPParameterSpec("SHA-1", "MGF1", MGF1ParameterSpec.SHA1, PSource.PSpecified.DEFAULT));
        return cipher.doFinal(passwordWithNul);
    }
}
