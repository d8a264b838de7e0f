package org.spicejava.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.link.JdkTicketKey;
import org.spicejava.core.link.TicketKey;
import org.spicejava.core.link.TicketKeySource;

/**
 * Link ticket keys from OpenSSL's libcrypto (libssl3), the library the reference makes them with: an RSA-1024 key
 * costs it a few milliseconds where the JDK takes hundreds on a cold JVM and tens warm. No native object outlives a
 * call: a key is kept as its public and private DER, and a decryption parses the private one, decrypts and frees.
 * All functions go through {@link Native#intCall}/{@link Native#longCall}'s two shapes, shared with libc.
 */
final class LibCrypto {
    private static final Logger LOG = LoggerFactory.getLogger(LibCrypto.class);
    static final String LIBRARY = "libcrypto.so.3";
    private static final int EVP_PKEY_RSA = 6;
    private static final int RSA_PKCS1_OAEP_PADDING = 4;

    private final MethodHandle keygen;       // EVP_PKEY *EVP_PKEY_Q_keygen(libctx, propq, "RSA", (size_t) bits)
    private final MethodHandle publicDer;    // int i2d_PUBKEY(const EVP_PKEY *, unsigned char **)
    private final MethodHandle privateDer;   // int i2d_PrivateKey(const EVP_PKEY *, unsigned char **)
    private final MethodHandle parsePrivate; // EVP_PKEY *d2i_PrivateKey(int type, EVP_PKEY **, const unsigned char **, long)
    private final MethodHandle freeKey;      // void EVP_PKEY_free(EVP_PKEY *)
    private final MethodHandle newContext;   // EVP_PKEY_CTX *EVP_PKEY_CTX_new(EVP_PKEY *, ENGINE *)
    private final MethodHandle decryptInit;  // int EVP_PKEY_decrypt_init(EVP_PKEY_CTX *)
    private final MethodHandle setPadding;   // int EVP_PKEY_CTX_set_rsa_padding(EVP_PKEY_CTX *, int)
    private final MethodHandle decrypt;      // int EVP_PKEY_decrypt(ctx, out, size_t *outlen, in, size_t inlen)
    private final MethodHandle freeContext;  // void EVP_PKEY_CTX_free(EVP_PKEY_CTX *)
    private final MemorySegment rsaName = Arena.global().allocateFrom("RSA");

    private LibCrypto(SymbolLookup lib) {
        keygen = Native.longCall(find(lib, "EVP_PKEY_Q_keygen")); // variadic: its size_t travels like the others
        publicDer = Native.intCall(find(lib, "i2d_PUBKEY"));
        privateDer = Native.intCall(find(lib, "i2d_PrivateKey"));
        parsePrivate = Native.longCall(find(lib, "d2i_PrivateKey"));
        freeKey = Native.intCall(find(lib, "EVP_PKEY_free"));
        newContext = Native.longCall(find(lib, "EVP_PKEY_CTX_new"));
        decryptInit = Native.intCall(find(lib, "EVP_PKEY_decrypt_init"));
        setPadding = Native.intCall(find(lib, "EVP_PKEY_CTX_set_rsa_padding"));
        decrypt = Native.intCall(find(lib, "EVP_PKEY_decrypt"));
        freeContext = Native.intCall(find(lib, "EVP_PKEY_CTX_free"));
    }

    private static MemorySegment find(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name + " not found in " + LIBRARY));
    }

    /**
     * Tells the link stage where its keys come from: libcrypto's, made when asked, or the JDK's, made ahead on a
     * background thread when libcrypto cannot be used.
     */
    static void provideTicketKeys() {
        Supplier<TicketKey> keys = ticketKeys();
        if (keys != null) {
            TicketKeySource.makeKeysWith(keys, false);
        } else {
            TicketKeySource.makeKeysWith(JdkTicketKey::new, true);
        }
    }

    /** Ticket keys from libcrypto, or null (one log line) when it cannot be loaded. */
    static Supplier<TicketKey> ticketKeys() {
        try {
            LibCrypto crypto = new LibCrypto(SymbolLookup.libraryLookup(LIBRARY, Arena.global()));
            return crypto::newKey;
        } catch (Throwable t) {
            LOG.info("{} cannot make link keys ({}); the JDK makes them", LIBRARY, t.toString());
            return null;
        }
    }

    TicketKey newKey() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.CALL_STATE);
            long key = (long) keygen.invokeExact(state, 0L, 0L, rsaName.address(), (long) TicketKey.KEY_BITS, 0L);
            if (key == 0) {
                throw new IllegalStateException("EVP_PKEY_Q_keygen failed");
            }
            try {
                return new Key(der(publicDer, key, arena), der(privateDer, key, arena));
            } finally {
                int ignored = (int) freeKey.invokeExact(state, key, 0L, 0L, 0L, 0L);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** An i2d_ function's encoding of {@code key}, sized by a first call, written by a second. */
    private static byte[] der(MethodHandle i2d, long key, Arena arena) throws Throwable {
        MemorySegment state = arena.allocate(Native.CALL_STATE);
        int length = (int) i2d.invokeExact(state, key, 0L, 0L, 0L, 0L);
        if (length <= 0 || length > 4096) {
            throw new IllegalStateException("DER encoding failed: " + length);
        }
        MemorySegment out = arena.allocate(length);
        MemorySegment cursor = arena.allocateFrom(ValueLayout.ADDRESS, out); // advanced by i2d
        int written = (int) i2d.invokeExact(state, key, cursor.address(), 0L, 0L, 0L);
        if (written != length) {
            throw new IllegalStateException("DER encoding wrote " + written + " of " + length);
        }
        byte[] der = out.toArray(ValueLayout.JAVA_BYTE);
        out.fill((byte) 0);
        return der;
    }

    private final class Key implements TicketKey {
        private final byte[] publicKey;
        private final byte[] privateKey;

        Key(byte[] publicKey, byte[] privateKey) {
            this.publicKey = publicKey;
            this.privateKey = privateKey;
        }

        @Override
        public byte[] publicKeyDer() {
            if (publicKey.length != PUBLIC_KEY_BYTES) {
                throw new IllegalStateException("unexpected public key size " + publicKey.length);
            }
            return publicKey.clone();
        }

        @Override
        public byte[] decrypt(byte[] ticket) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = arena.allocate(Native.CALL_STATE);
                MemorySegment der = arena.allocateFrom(ValueLayout.JAVA_BYTE, privateKey);
                MemorySegment cursor = arena.allocateFrom(ValueLayout.ADDRESS, der);
                long key = (long) parsePrivate.invokeExact(state, (long) EVP_PKEY_RSA, 0L, cursor.address(),
                        (long) privateKey.length, 0L);
                der.fill((byte) 0);
                if (key == 0) {
                    return null;
                }
                try {
                    return decryptWith(key, ticket, arena, state);
                } finally {
                    int ignored = (int) freeKey.invokeExact(state, key, 0L, 0L, 0L, 0L);
                }
            } catch (Throwable t) {
                LOG.warn("ticket decryption failed: {}", t.toString());
                return null;
            }
        }

        private byte[] decryptWith(long key, byte[] ticket, Arena arena, MemorySegment state) throws Throwable {
            long context = (long) newContext.invokeExact(state, key, 0L, 0L, 0L, 0L);
            if (context == 0) {
                return null;
            }
            try {
                if ((int) decryptInit.invokeExact(state, context, 0L, 0L, 0L, 0L) <= 0
                        || (int) setPadding.invokeExact(state, context, (long) RSA_PKCS1_OAEP_PADDING, 0L, 0L, 0L) <= 0) {
                    return null;
                }
                MemorySegment in = arena.allocateFrom(ValueLayout.JAVA_BYTE, ticket);
                MemorySegment out = arena.allocate(ENCRYPTED_TICKET_BYTES);
                MemorySegment outLength = arena.allocateFrom(ValueLayout.JAVA_LONG, out.byteSize());
                if ((int) decrypt.invokeExact(state, context, out.address(), outLength.address(), in.address(),
                        (long) ticket.length) <= 0) {
                    return null; // not a block for this key: a wrong or forged ticket
                }
                long length = Math.min(outLength.get(ValueLayout.JAVA_LONG, 0), out.byteSize());
                byte[] plain = out.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
                out.fill((byte) 0);
                byte[] password = TicketKey.passwordIn(plain);
                Arrays.fill(plain, (byte) 0);
                return password;
            } finally {
                int ignored = (int) freeContext.invokeExact(state, context, 0L, 0L, 0L, 0L);
            }
        }
    }
}
