package org.spicejava.core.link;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.MGF1ParameterSpec;

import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

/**
 * A {@link TicketKey} made and used by the JDK's RSA: the fallback when libcrypto cannot be used, and the tests'
 * reproducible keys. On a cold JVM its first keys take hundreds of milliseconds each.
 */
public final class JdkTicketKey implements TicketKey {
    private static final OAEPParameterSpec OAEP = new OAEPParameterSpec("SHA-1", "MGF1", MGF1ParameterSpec.SHA1,
            PSource.PSpecified.DEFAULT);

    private final KeyPair pair;

    public JdkTicketKey() {
        this(generate());
    }

    /** A key made elsewhere: tests use a reproducible one, so committed inputs decrypt. */
    public JdkTicketKey(KeyPair pair) {
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

    @Override
    public byte[] publicKeyDer() {
        byte[] der = pair.getPublic().getEncoded();
        if (der.length != PUBLIC_KEY_BYTES) {
            throw new IllegalStateException("unexpected public key size " + der.length);
        }
        return der;
    }

    @Override
    public byte[] decrypt(byte[] ticket) {
        try {
            Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPPadding");
            cipher.init(Cipher.DECRYPT_MODE, pair.getPrivate(), OAEP);
            return TicketKey.passwordIn(cipher.doFinal(ticket));
        } catch (GeneralSecurityException e) {
            return null;
        }
    }
}
