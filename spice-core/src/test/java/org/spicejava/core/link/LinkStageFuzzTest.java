package org.spicejava.core.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The link stage over any byte stream a client may send. Whatever arrives, the stage ends in exactly one verdict
 * (refused with an error, or authenticated), never holds more than one link message of unread input, answers with
 * well-formed replies only, and decides the same whether the bytes arrive at once or one at a time.
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

    /** What the stage did with a stream, as comparable text. */
    record Outcome(String sent, String verdict, int consumed) {
    }

    /** Feeds {@code stream} in reads of {@code chunk} bytes, keeping unread bytes as a socket buffer does. */
    static Outcome run(byte[] stream, int chunk) {
        Checker host = new Checker();
        LinkStage stage = new LinkStage(host, type -> new int[] {type}, () -> CompletableFuture.completedFuture(KEY));
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
        return new Outcome(HexFormat.of().formatHex(host.sent.toByteArray()), host.verdict, fed - pending.position());
    }

    /** A host that checks every call the stage makes. */
    static final class Checker implements LinkStage.Host {
        final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        String verdict;
        int replies;

        @Override
        public void send(ByteBuffer bytes) {
            assertEquals(null, verdict, "nothing is sent after the verdict");
            ByteBuffer out = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            if (++replies == 1) {
                assertEquals(LinkStage.MAGIC, out.getInt(0));
                assertEquals(out.remaining(), LinkStage.HEADER_BYTES + out.getInt(12), "reply size field");
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
            return new TicketKey(generator.generateKeyPair());
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

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Writes the seeds under a test resources root (scripts/fuzz seeds). */
    public static void main(String[] args) throws Exception {
        FuzzSeeds.write(Path.of(args[0]), LinkStageFuzzTest.class, "clientStream", seeds());
    }
}
