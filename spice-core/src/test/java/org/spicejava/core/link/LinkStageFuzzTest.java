package org.spicejava.core.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.spicejava.core.link.LinkStageSaslTest.concat;
import static org.spicejava.core.link.LinkStageSaslTest.data;
import static org.spicejava.core.link.LinkStageSaslTest.name;
import static org.spicejava.core.link.LinkStageSaslTest.u32;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import org.spicejava.core.FuzzSeeds;
import org.spicejava.core.sasl.FakeSaslServer;
import org.spicejava.core.sasl.SaslServer;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The link stage over any byte stream a client may send. Whatever arrives, the stage ends in exactly one verdict
 * (refused with an error, or authenticated), never holds more than one link message of unread input, answers with
 * well-formed replies only, and decides the same whether the bytes arrive at once or one at a time. With SASL on
 * ({@link #saslClientStream}), against a fake SASL library, the same holds for the exchange's messages, and each
 * SASL context is disposed exactly once unless it became the connection's security layer; the step data held
 * comes back to the budget.
 */
class LinkStageFuzzTest {
    /** One reproducible key, so committed inputs carry tickets that decrypt (and RSA generation is slow). */
    static final TicketKey KEY = reproducibleKey();
    /** A channel type the policy refuses, so that path is reachable too. */
    static final int REFUSED_TYPE = 0;

    @FuzzTest
    void clientStream(byte[] stream) {
        Outcome whole = run(stream, stream.length);
        Outcome bytewise = run(stream, 1);
        assertEquals(whole, bytewise, "the verdict must not depend on how the bytes arrive");
    }

    /**
     * A server with SASL on. The first byte sets the connection up: bit 0, TLS under it (any mechanism, no layer);
     * bit 1, a socket added with skip_auth. The rest is what the client sends.
     */
    @FuzzTest
    void saslClientStream(byte[] input) {
        if (input.length == 0) {
            return;
        }
        byte[] stream = java.util.Arrays.copyOfRange(input, 1, input.length);
        Outcome whole = runSasl(input[0], stream, stream.length);
        Outcome bytewise = runSasl(input[0], stream, 1);
        assertEquals(whole, bytewise, "the verdict must not depend on how the bytes arrive");
    }

    /** What the stage did with a stream, as comparable text. */
    record Outcome(String sent, String verdict, int consumed) {
    }

    /** Feeds {@code stream} in reads of {@code chunk} bytes, keeping unread bytes as a socket buffer does. */
    static Outcome run(byte[] stream, int chunk) {
        Checker host = new Checker();
        LinkStage stage = new LinkStage(host, type -> new int[] {type}, () -> CompletableFuture.completedFuture(KEY));
        return feed(stage, host, stream, chunk);
    }

    static Outcome runSasl(byte mode, byte[] stream, int chunk) {
        Checker host = new Checker();
        host.saslServer = new FakeSaslServer();
        host.tls = (mode & 1) != 0;
        SaslAuth.Budget budget = new SaslAuth.Budget(SaslAuth.Budget.SHARED_BYTES);
        LinkStage stage = new LinkStage(host, type -> new int[] {type}, () -> CompletableFuture.completedFuture(KEY),
                new LinkStage.Auth(true, (mode & 2) != 0), budget);
        Outcome outcome = feed(stage, host, stream, chunk);
        stage.close(); // as the connection's close handler does
        assertEquals(SaslAuth.Budget.SHARED_BYTES, budget.left(), "all step data given back");
        if (host.saslOpened) {
            assertEquals(host.layer != null ? 0 : 1, host.saslServer.closes,
                    "a SASL context is disposed exactly once, unless it became the connection's layer");
        }
        return outcome;
    }

    static Outcome feed(LinkStage stage, Checker host, byte[] stream, int chunk) {
        ByteBuffer pending = ByteBuffer.allocate(Math.max(stream.length, 1));
        int fed = 0;
        while (fed < stream.length && !stage.done()) {
            int n = Math.max(1, Math.min(chunk, stream.length - fed));
            pending.put(stream, fed, n).flip();
            fed += n;
            stage.onData(pending);
            pending.compact();
            if (!stage.done()) {
                assertTrue(pending.position() <= LinkStage.HEADER_BYTES + LinkStage.MAX_LINK_MESS_BYTES,
                        "the stage holds " + pending.position() + " unread bytes");
            }
        }
        host.checkVerdict(stage.done());
        return new Outcome(HexFormat.of().formatHex(host.sent.toByteArray()), host.verdict,
                fed - pending.position() - host.handedToLayer);
    }

    /** A host that checks every call the stage makes. */
    static final class Checker implements LinkStage.Host {
        final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        String verdict;
        int replies;
        /** With SASL: the fake context openSasl gives, the TLS under the link, what the stage did with them. */
        FakeSaslServer saslServer;
        boolean tls;
        boolean saslOpened;
        SaslServer layer;
        /** Where the SASL exchange is, from what was sent: list sent, step replies sent, the last one complete. */
        boolean listSent;
        int stepReplies;
        boolean complete;
        boolean accepted;
        /** Bytes past the exchange the stage took for the layer: counted as not consumed by the stage. */
        int handedToLayer;

        @Override
        public void send(ByteBuffer bytes) {
            assertEquals(null, verdict, "nothing is sent after the verdict");
            ByteBuffer out = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            if (++replies == 1) {
                assertEquals(LinkStage.MAGIC, out.getInt(0));
                assertEquals(out.remaining(), LinkStage.HEADER_BYTES + out.getInt(12), "reply size field");
            } else if (saslOpened) {
                checkSasl(out);
            } else {
                // After the reply only the 4-byte link result may follow, and only an error one from the stage.
                assertEquals(2, replies, "one reply and at most one result per link");
                assertEquals(4, out.remaining(), "a link result after the reply");
                assertNotEquals(LinkError.OK.code(), out.getInt(0));
            }
            byte[] copy = new byte[out.remaining()];
            out.get(copy);
            sent.writeBytes(copy);
        }

        /** One message of the SASL exchange, in the order the reference sends them. */
        private void checkSasl(ByteBuffer out) {
            assertTrue(!accepted, "nothing after 'accepted' from the stage");
            if (!listSent) {
                listSent = true;
                assertEquals(out.remaining(), 4 + out.getInt(0), "the mechanism list's length");
                return;
            }
            if (complete) {
                int word = out.getInt(0);
                if (word == 0) {
                    assertEquals(4, out.remaining(), "accepted");
                    accepted = true;
                } else {
                    assertEquals(1, word, "rejected");
                    assertEquals(8 + SaslAuth.REJECTED.length, out.remaining());
                    assertEquals(SaslAuth.REJECTED.length, out.getInt(4));
                }
                return;
            }
            if (out.remaining() == 4 && stepReplies == 0) {
                assertEquals(LinkError.INVALID_DATA.code(), out.getInt(0), "only INVALID_DATA, before any step");
                return;
            }
            int length = out.getInt(0);
            assertEquals(out.remaining(), 4 + length + 1, "a step reply: length, data, complete flag");
            if (length > 0) {
                assertEquals(0, out.get(4 + length - 1), "step data ends with its NUL");
            }
            byte flag = out.get(4 + length);
            assertTrue(flag == 0 || flag == 1, "complete is 0 or 1");
            complete = flag == 1;
            stepReplies++;
        }

        @Override
        public SaslServer openSasl() {
            assertTrue(saslServer != null && !saslOpened, "one SASL context per link, only with SASL on");
            saslOpened = true;
            return saslServer;
        }

        @Override
        public int tlsCipherBits() {
            return tls ? 128 : -1;
        }

        @Override
        public void authenticatedBySasl(LinkMessage message, SaslServer securityLayer, byte[] undecoded) {
            assertEquals(null, verdict, "one verdict per link");
            assertTrue(accepted, "'accepted' is sent before the host links the channel");
            assertEquals(tls, securityLayer == null, "a layer without TLS, none over it");
            layer = securityLayer;
            assertTrue(securityLayer != null || undecoded.length == 0, "bytes for the layer only with a layer");
            handedToLayer = undecoded.length;
            verdict = "sasl-authenticated channel " + message.channelType() + ":" + message.channelId() + " layer "
                    + (securityLayer != null);
        }

        @Override
        public LinkError check(LinkMessage message) {
            return message.channelType() == REFUSED_TYPE ? LinkError.CHANNEL_NOT_AVAILABLE : LinkError.OK;
        }

        @Override
        public void refused(LinkError error, String reason) {
            assertEquals(null, verdict, "one verdict per link");
            assertNotEquals(LinkError.OK, error);
            verdict = "refused " + error + ": " + reason;
        }

        @Override
        public void resumeOnLoop(Runnable task) {
            task.run(); // keys here are always ready: never called
        }

        @Override
        public void authenticated(LinkMessage message, byte[] password) {
            assertEquals(null, verdict, "one verdict per link");
            verdict = "authenticated channel " + message.channelType() + ":" + message.channelId() + " password "
                    + (password == null ? "unreadable" : HexFormat.of().formatHex(password));
        }

        void checkVerdict(boolean done) {
            assertEquals(done, verdict != null, "a verdict exactly when the stage is done");
        }
    }

    static TicketKey reproducibleKey() {
        try {
            SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
            random.setSeed(0x5350494345L);
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(TicketKey.KEY_BITS, random);
            return new JdkTicketKey(generator.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Seed inputs: real client handshakes and near misses. */
    static Map<String, byte[]> seeds() throws GeneralSecurityException {
        byte[] ticket = TicketKey.encrypt(KEY.publicKeyDer(), "secret\0".getBytes(StandardCharsets.UTF_8));
        byte[] spiceAuth = {1, 0, 0, 0};
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("main-auth-selection", concat(LinkStageTest.clientLink(LinkStage.MAGIC, 2, 0, 1, 0,
                new int[] {0b1011}, new int[] {0b110}), spiceAuth, ticket));
        seeds.put("display-no-selection", concat(LinkStageTest.clientLink(LinkStage.MAGIC, 2, 42, 2, 0,
                new int[] {0b1000}, new int[] {0xff, 0x1}), ticket));
        seeds.put("inputs-no-caps", concat(LinkStageTest.clientLink(LinkStage.MAGIC, 2, 42, 3, 0,
                new int[0], new int[0]), ticket));
        seeds.put("refused-channel", LinkStageTest.clientLink(LinkStage.MAGIC, 2, 0, REFUSED_TYPE, 0,
                new int[] {1}, new int[0]));
        seeds.put("old-major", LinkStageTest.clientLink(LinkStage.MAGIC, 1, 0, 1, 0, new int[] {1}, new int[0]));
        seeds.put("sasl-mechanism", concat(LinkStageTest.clientLink(LinkStage.MAGIC, 2, 0, 1, 0,
                new int[] {0b101}, new int[0]), new byte[] {2, 0, 0, 0}));
        return seeds;
    }

    /** Seed inputs with SASL on: the first byte is the mode (bit 0 TLS, bit 1 skip_auth), then the client. */
    static Map<String, byte[]> saslSeeds() {
        byte[] plain = {0};
        byte[] tls = {1};
        byte[] skipAuth = {2};
        byte[] link = LinkStageTest.clientLink(LinkStage.MAGIC, 2, 0, 1, 0,
                new int[] {LinkStageSaslTest.SASL_CLIENT_CAPS}, new int[] {0b110});
        byte[] sasl = concat(link, u32(LinkStage.CAP_AUTH_SASL));
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("digest-layer", concat(plain, sasl, name("DIGEST-MD5"), data(null), data("alice:secret")));
        seeds.put("digest-wrong-password", concat(plain, sasl, name("DIGEST-MD5"), data(null), data("alice:guess")));
        seeds.put("digest-extra-step", concat(tls, sasl, name("DIGEST-MD5"), data(""), data("x"), data("y")));
        seeds.put("plain-over-tls", concat(tls, sasl, name("PLAIN"), data("\0alice\0secret")));
        seeds.put("plain-too-weak", concat(plain, sasl, name("PLAIN"), data("\0alice\0secret")));
        seeds.put("mechanism-not-offered", concat(plain, sasl, name("GSSAPI"), data(null)));
        seeds.put("mechanism-with-comma", concat(plain, sasl, name("DIGEST-MD5,PLAIN"), data(null)));
        seeds.put("mechanism-nul", concat(plain, sasl, name("PLAIN\0DIGEST-MD5"), data(null)));
        seeds.put("mechanism-length-101", concat(plain, sasl, u32(101), new byte[101]));
        seeds.put("mechanism-length-0", concat(plain, sasl, u32(0)));
        seeds.put("start-data-too-long", concat(plain, sasl, name("DIGEST-MD5"), u32(SaslAuth.MAX_DATA_BYTES + 1)));
        seeds.put("step-data-too-long", concat(plain, sasl, name("DIGEST-MD5"), data(null), u32(-1)));
        seeds.put("step-data-partial", concat(plain, sasl, name("DIGEST-MD5"), data(null), u32(5000),
                new byte[3000]));
        seeds.put("bytes-after-accept", concat(plain, sasl, name("DIGEST-MD5"), data(null), data("alice:secret"),
                u32(0)));
        seeds.put("ticket-choice", concat(plain, link, u32(LinkStage.CAP_AUTH_SPICE)));
        seeds.put("skip-auth-sasl", concat(skipAuth, sasl, name("DIGEST-MD5"), data(null), data("alice:secret")));
        seeds.put("skip-auth-ticket", concat(skipAuth, link, u32(LinkStage.CAP_AUTH_SPICE)));
        seeds.put("no-auth-selection", concat(plain, LinkStageTest.clientLink(LinkStage.MAGIC, 2, 0, 1, 0,
                new int[] {1 << LinkStage.CAP_AUTH_SASL}, new int[0])));
        return seeds;
    }

    /** Writes the seeds under a test resources root (scripts/fuzz seeds). */
    public static void main(String[] args) throws Exception {
        FuzzSeeds.write(Path.of(args[0]), LinkStageFuzzTest.class, "clientStream", seeds());
        FuzzSeeds.write(Path.of(args[0]), LinkStageFuzzTest.class, "saslClientStream", saslSeeds());
    }
}
