package org.spicejava.ffi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.spicejava.core.link.JdkTicketKey;
import org.spicejava.core.link.TicketKey;

/** libcrypto's ticket keys: what a spice client encrypts with the public half, the private half decrypts. */
class LibCryptoTest {
    private static final Supplier<TicketKey> KEYS = LibCrypto.ticketKeys();

    @Test
    void theMachineHasLibcrypto() {
        assertNotNull(KEYS, LibCrypto.LIBRARY + " is installed by scripts/setup");
        assertFalse(KEYS.get() instanceof JdkTicketKey);
    }

    @Test
    void publicKeyIsSpicesDerRsa1024() throws Exception {
        byte[] der = KEYS.get().publicKeyDer();
        assertEquals(TicketKey.PUBLIC_KEY_BYTES, der.length);
        RSAPublicKey key = assertInstanceOf(RSAPublicKey.class,
                KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der)));
        assertEquals(TicketKey.KEY_BITS, key.getModulus().bitLength());
        assertEquals(65537, key.getPublicExponent().intValueExact());
    }

    @Test
    void ticketsDecryptToThePasswordUpToItsNul() throws Exception {
        TicketKey key = KEYS.get();
        byte[] password = "s3cret".getBytes(StandardCharsets.UTF_8);
        byte[] withNul = Arrays.copyOf(password, password.length + 1);
        assertArrayEquals(password, key.decrypt(TicketKey.encrypt(key.publicKeyDer(), withNul)));
        assertArrayEquals(new byte[0], key.decrypt(TicketKey.encrypt(key.publicKeyDer(), new byte[] {0})));
    }

    @Test
    void eachKeyIsFreshAndOnlyItsOwnTicketsDecrypt() throws Exception {
        TicketKey a = KEYS.get();
        TicketKey b = KEYS.get();
        assertFalse(Arrays.equals(a.publicKeyDer(), b.publicKeyDer()));
        byte[] forA = TicketKey.encrypt(a.publicKeyDer(), "pw\0".getBytes(StandardCharsets.US_ASCII));
        assertNull(b.decrypt(forA));
        assertNull(a.decrypt(new byte[TicketKey.ENCRYPTED_TICKET_BYTES]));
        assertNull(a.decrypt(new byte[5]));
        assertArrayEquals("pw".getBytes(StandardCharsets.US_ASCII), a.decrypt(forA), "a failed decryption leaves the key usable");
    }
}
