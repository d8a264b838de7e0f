package org.spicejava.core.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.spicejava.core.link.LinkStageTest.Recorder;
import org.spicejava.core.sasl.FakeSaslServer;
import org.spicejava.core.sasl.SaslServer;

/**
 * The link stage with SASL on, against a fake SASL library: what the reference's red_sasl_* exchange sends and
 * accepts, its limits on lengths from the client, and who disposes the SASL context when.
 */
class LinkStageSaslTest {
    static final int SASL_CLIENT_CAPS = 1 << LinkStage.CAP_AUTH_SELECTION | 1 << LinkStage.CAP_AUTH_SASL
            | 1 << LinkStage.CAP_MINI_HEADER;
    static final byte[] CHOOSE_SASL = u32(LinkStage.CAP_AUTH_SASL);
    static final byte[] CHOOSE_SPICE = u32(LinkStage.CAP_AUTH_SPICE);
    static final LinkStage.Auth SASL = new LinkStage.Auth(true, false);

    /** A budget of its own per test, and what it started with. */
    record TestBudget(SaslAuth.Budget budget, long initial) {
        static TestBudget of(long bytes) {
            return new TestBudget(new SaslAuth.Budget(bytes), bytes);
        }

        static TestBudget fresh() {
            return of(SaslAuth.Budget.SHARED_BYTES);
        }
    }

    static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A length-prefixed string as the client sends it: mechanism names without NUL. */
    static byte[] name(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return concat(u32(b.length), b);
    }

    /** Step data as spice-gtk sends it: length counting a closing NUL; null is "no data" (length 0). */
    static byte[] data(String s) {
        if (s == null) {
            return u32(0);
        }
        byte[] b = (s + "\0").getBytes(StandardCharsets.ISO_8859_1);
        return concat(u32(b.length), b);
    }

    static byte[] mainLink(int commonCaps) {
        return LinkStageTest.clientLink(LinkStage.MAGIC, 2, 0, 1, 0, new int[] {commonCaps}, new int[0]);
    }

    /** A stage whose ticket keys must never be asked for. */
    static LinkStage stage(Recorder r, LinkStage.Auth auth, TestBudget budget) {
        return new LinkStage(r, type -> new int[] {0x6}, () -> {
            throw new AssertionError("no RSA key for a SASL link");
        }, auth, budget.budget());
    }

    static LinkStage stage(Recorder r) {
        return stage(r, SASL, TestBudget.fresh());
    }

    /** Feeds bytes one at a time, keeping unread bytes as the connection does. */
    static ByteBuffer feed(LinkStage stage, ByteBuffer pending, byte[] bytes) {
        for (byte b : bytes) {
            pending.put(b).flip();
            stage.onData(pending);
            pending.compact();
        }
        return pending;
    }

    /** What the stage sent after its reply (which it checks: SASL caps, no key). */
    static ByteBuffer afterReply(Recorder r) {
        ByteBuffer sent = r.sent.duplicate().flip().order(ByteOrder.LITTLE_ENDIAN);
        int replyBytes = LinkStage.HEADER_BYTES + sent.getInt(12);
        return sent.position(replyBytes).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    static String string(ByteBuffer b, int length) {
        byte[] s = new byte[length];
        b.get(s);
        return new String(s, StandardCharsets.ISO_8859_1);
    }

    @Test
    void replyAdvertisesSaslAndCarriesNoKey() {
        Recorder r = new Recorder();
        stage(r).onData(ByteBuffer.wrap(mainLink(SASL_CLIENT_CAPS)));
        ByteBuffer reply = r.sent.duplicate().flip().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, reply.getInt(16), "OK");
        byte[] key = new byte[TicketKey.PUBLIC_KEY_BYTES];
        reply.get(20, key);
        assertArrayEquals(new byte[TicketKey.PUBLIC_KEY_BYTES], key, "no RSA key for a client offering SASL");
        assertEquals(SASL_CLIENT_CAPS, reply.getInt(16 + 178), "auth selection, SASL, mini header; no AUTH_SPICE");
        assertEquals(0, r.saslOpened, "the SASL context waits for the client's choice");
    }

    @Test
    void digestLikeExchangeWithSecurityLayerFedOneByteAtATime() {
        Recorder r = new Recorder();
        LinkStage stage = stage(r);
        ByteBuffer pending = ByteBuffer.allocate(1024);
        feed(stage, pending, concat(mainLink(SASL_CLIENT_CAPS), CHOOSE_SASL));
        assertEquals(1, r.saslOpened);
        FakeSaslServer sasl = r.sasl;
        assertEquals(new SaslServer.SecurityProperties(56, 100_000, 8192,
                SaslServer.NO_ANONYMOUS | SaslServer.NO_PLAINTEXT), sasl.properties, "plain TCP: a layer is required");
        assertNull(sasl.externalSsf);
        ByteBuffer out = afterReply(r);
        int listLength = out.getInt();
        assertEquals(",DIGEST-MD5,PLAIN,", string(out, listLength), "the list as the reference sends it, no NUL");
        assertFalse(out.hasRemaining());

        feed(stage, pending, concat(name("DIGEST-MD5"), data(null)));
        assertEquals(List.of("start DIGEST-MD5 null"), sasl.calls, "no data is NULL, not an empty string");
        out = afterReply(r).position(4 + listLength);
        assertEquals(FakeSaslServer.CHALLENGE.length + 1, out.getInt(), "the challenge's length counts a NUL");
        assertEquals(new String(FakeSaslServer.CHALLENGE, StandardCharsets.US_ASCII),
                string(out, FakeSaslServer.CHALLENGE.length));
        assertEquals(0, out.get(), "NUL");
        assertEquals(0, out.get(), "not complete");
        assertFalse(out.hasRemaining());

        int seen = out.position();
        feed(stage, pending, data("alice:secret"));
        assertEquals("step 'alice:secret'", sasl.calls.get(1), "the closing NUL is not passed on");
        out = afterReply(r).position(seen);
        assertEquals(FakeSaslServer.SUCCESS.length + 1, out.getInt(), "success data");
        string(out, FakeSaslServer.SUCCESS.length);
        assertEquals(0, out.get());
        assertEquals(1, out.get(), "complete");
        assertEquals(0, out.getInt(), "accepted");
        assertFalse(out.hasRemaining(), "the link result is the host's, through the layer");
        assertTrue(stage.done());
        assertTrue(r.saslAuthenticated);
        assertSame(sasl, r.layer, "SSF 128: the connection goes on through the layer");
        assertEquals(0, sasl.closes, "the layer's context is the host's now");
        assertNull(r.refused);
        stage.close();
        assertEquals(0, sasl.closes, "closing the stage leaves the host's context alone");
    }

    @Test
    void overTlsAnyMechanismAndNoLayer() {
        Recorder r = new Recorder();
        r.tlsBits = 256;
        LinkStage stage = stage(r);
        stage.onData(ByteBuffer.wrap(concat(mainLink(SASL_CLIENT_CAPS), CHOOSE_SASL, name("PLAIN"),
                data("\0alice\0secret"))));
        FakeSaslServer sasl = r.sasl;
        assertEquals(256, sasl.externalSsf, "the TLS cipher's strength");
        assertEquals(new SaslServer.SecurityProperties(0, 0, 8192, 0), sasl.properties);
        assertTrue(r.saslAuthenticated);
        assertNull(r.layer, "no security layer over TLS");
        assertEquals(1, sasl.closes, "a context without a layer is disposed at once");
        ByteBuffer out = afterReply(r);
        out.position(4 + out.getInt(0));
        assertEquals(0, out.getInt(), "PLAIN sends no data back");
        assertEquals(1, out.get(), "complete");
        assertEquals(0, out.getInt(), "accepted");
    }

    @Test
    void mechanismWithoutLayerOnPlainTcpIsRejectedAsTheReferenceDoes() {
        Recorder r = new Recorder();
        LinkStage stage = stage(r);
        stage.onData(ByteBuffer.wrap(concat(mainLink(SASL_CLIENT_CAPS), CHOOSE_SASL, name("PLAIN"),
                data("\0alice\0secret"))));
        assertEquals(LinkError.PERMISSION_DENIED, r.refused);
        assertFalse(r.saslAuthenticated);
        ByteBuffer out = afterReply(r);
        out.position(4 + out.getInt(0) + 5);
        assertEquals(1, out.getInt(), "rejected");
        assertEquals(22, out.getInt());
        assertEquals("Authentication failed\0", string(out, 22));
        assertFalse(out.hasRemaining());
        assertEquals(1, r.sasl.closes);
        stage.close();
        assertEquals(1, r.sasl.closes, "disposed exactly once");
    }

    @Test
    void wrongPasswordClosesWithoutAWord() {
        Recorder r = new Recorder();
        LinkStage stage = stage(r);
        stage.onData(ByteBuffer.wrap(concat(mainLink(SASL_CLIENT_CAPS), CHOOSE_SASL, name("DIGEST-MD5"),
                data(null))));
        int before = r.sent.position();
        stage.onData(ByteBuffer.wrap(data("alice:wrong")));
        assertEquals(LinkError.PERMISSION_DENIED, r.refused);
        assertEquals(before, r.sent.position(), "the reference sends nothing when a step fails");
        assertEquals(1, r.sasl.closes);
    }

    @Test
    void mechanismNameLengthsOutsideOneToHundredCloseSilently() {
        for (int length : new int[] {0, 101, -1, Integer.MIN_VALUE}) {
            Recorder r = new Recorder();
            LinkStage stage = stage(r);
            stage.onData(ByteBuffer.wrap(concat(mainLink(SASL_CLIENT_CAPS), CHOOSE_SASL)));
            int before = r.sent.position();
            stage.onData(ByteBuffer.wrap(u32(length)));
            assertTrue(stage.done(), "length " + length);
            assertTrue(r.refused != null, "length " + length);
            assertEquals(before, r.sent.position(), "nothing sent for length " + length);
            assertEquals(1, r.sasl.closes);
        }
        Recorder r = new Recorder();
        LinkStage stage = stage(r);
        byte[] hundred = "X".repeat(100).getBytes(StandardCharsets.US_ASCII);
        stage.onData(ByteBuffer.wrap(concat(mainLink(SASL_CLIENT_CAPS), CHOOSE_SASL, u32(100), hundred)));
        assertEquals(LinkError.INVALID_DATA, r.refused, "100 bytes is a legal length, for a mechanism not offered");
    }

    @Test
    void mechanismsNotOfferedAreInvalidData() {
        for (String mechanism : new String[] {"GSSAPI", "DIGEST-MD5,PLAIN", "DIGEST", "digest-md5", ",", ""}) {
            Recorder r = new Recorder();
            LinkStage stage = stage(r);
            byte[] bytes = mechanism.isEmpty() ? concat(u32(1), new byte[1]) : name(mechanism);
            stage.onData(ByteBuffer.wrap(concat(mainLink(SASL_CLIENT_CAPS), CHOOSE_SASL, bytes)));
            assertEquals(LinkError.INVALID_DATA, r.refused, mechanism);
            ByteBuffer out = afterReply(r);
            out.position(4 + out.getInt(0));
            assertEquals(LinkError.INVALID_DATA.code(), out.getInt(), "a link result: " + mechanism);
            assertFalse(out.hasRemaining());
            assertEquals(List.of(), r.sasl.calls);
        }
    }

    @Test
    void aNulEndsTheMechanismNameAsInC() {
        Recorder r = new Recorder();
        LinkStage stage = stage(r);
        stage.onData(ByteBuffer.wrap(concat(mainLink(SASL_CLIENT_CAPS), CHOOSE_SASL,
                name("DIGEST-MD5\0junk"), data(""))));
        assertEquals(List.of("start DIGEST-MD5 ''"), r.sasl.calls, "one byte of data (its NUL) is an empty string");
        assertNull(r.refused);
    }

    @Test
    void stepDataIsBoundedAtOneMebibyte() {
        Recorder r = new Recorder();
        LinkStage stage = stage(r);
        stage.onData(ByteBuffer.wrap(concat(mainLink(SASL_CLIENT_CAPS), CHOOSE_SASL, name("DIGEST-MD5"),
                u32(SaslAuth.MAX_DATA_BYTES + 1))));
        assertEquals(LinkError.INVALID_DATA, r.refused, "too long before the first step: INVALID_DATA");
        ByteBuffer out = afterReply(r);
        out.position(4 + out.getInt(0));
        assertEquals(LinkError.INVALID_DATA.code(), out.getInt());

        Recorder later = new Recorder();
        stage = stage(later);
        stage.onData(ByteBuffer.wrap(concat(mainLink(SASL_CLIENT_CAPS), CHOOSE_SASL, name("DIGEST-MD5"),
                data(null))));
        int before = later.sent.position();
        stage.onData(ByteBuffer.wrap(u32(-1)));
        assertTrue(later.refused != null);
        assertEquals(before, later.sent.position(), "too long in a later step: closed without a word");
        assertEquals(1, later.sasl.closes);

        Recorder exact = new Recorder();
        TestBudget budget = TestBudget.fresh();
        stage = stage(exact, SASL, budget);
        stage.onData(ByteBuffer.wrap(concat(mainLink(SASL_CLIENT_CAPS), CHOOSE_SASL, name("DIGEST-MD5"),
                data(null))));
        ByteBuffer big = ByteBuffer.wrap(concat(u32(SaslAuth.MAX_DATA_BYTES), new byte[SaslAuth.MAX_DATA_BYTES]));
        stage.onData(big);
        assertFalse(big.hasRemaining());
        assertEquals(1, exact.sasl.calls.size() - 1, "1 MiB is allowed: the step ran");
        assertEquals(LinkError.PERMISSION_DENIED, exact.refused, "and failed, as wrong data does");
        assertEquals(budget.initial(), budget.budget().left(), "the data's budget is given back");
    }

    @Test
    void declaredLengthsCostNothingUntilTheBytesArrive() {
        Recorder r = new Recorder();
        TestBudget budget = TestBudget.fresh();
        LinkStage stage = stage(r, SASL, budget);
        stage.onData(ByteBuffer.wrap(concat(mainLink(SASL_CLIENT_CAPS), CHOOSE_SASL, name("DIGEST-MD5"),
                u32(SaslAuth.MAX_DATA_BYTES), new byte[10])));
        assertTrue(budget.initial() - budget.budget().left() <= 1024, "a 1 MiB declaration holds about 1 KiB");
        stage.close();
        assertEquals(budget.initial(), budget.budget().left(), "given back when the connection closes");
        assertEquals(1, r.sasl.closes, "the context is disposed when the connection closes mid-exchange");
    }

    @Test
    void linksTogetherCannotHoldMoreThanTheBudget() {
        TestBudget budget = TestBudget.of(3000);
        Recorder first = new Recorder();
        LinkStage a = stage(first, SASL, budget);
        a.onData(ByteBuffer.wrap(concat(mainLink(SASL_CLIENT_CAPS), CHOOSE_SASL, name("DIGEST-MD5"),
                u32(5000), new byte[2000])));
        assertNull(first.refused, "2000 bytes fit");
        Recorder second = new Recorder();
        LinkStage b = stage(second, SASL, budget);
        b.onData(ByteBuffer.wrap(concat(mainLink(SASL_CLIENT_CAPS), CHOOSE_SASL, name("DIGEST-MD5"),
                u32(5000), new byte[2000])));
        assertEquals(LinkError.ERROR, second.refused, "the budget is spent: the second link ends");
        assertEquals(1, second.sasl.closes);
        a.close();
        assertEquals(3000, budget.budget().left());
    }

    @Test
    void bytesPastTheExchangeBelongToTheLayer() {
        Recorder r = new Recorder();
        LinkStage stage = stage(r);
        ByteBuffer in = ByteBuffer.wrap(concat(mainLink(SASL_CLIENT_CAPS), CHOOSE_SASL, name("DIGEST-MD5"),
                data(null), data("alice:secret"), new byte[] {1, 2, 3}));
        stage.onData(in);
        assertTrue(r.saslAuthenticated);
        assertArrayEquals(new byte[] {1, 2, 3}, r.undecoded, "read as the reference would: through the layer");
        assertFalse(in.hasRemaining());

        Recorder tls = new Recorder();
        tls.tlsBits = 128;
        in = ByteBuffer.wrap(concat(mainLink(SASL_CLIENT_CAPS), CHOOSE_SASL, name("PLAIN"), data("\0alice\0secret"),
                new byte[] {1, 2, 3}));
        stage(tls).onData(in);
        assertTrue(tls.saslAuthenticated);
        assertEquals(0, tls.undecoded.length);
        assertEquals(3, in.remaining(), "without a layer they are the channel's, as after a ticket");
    }

    @Test
    void ticketChoiceOnASaslServerIsInvalidData() {
        Recorder r = new Recorder();
        LinkStage stage = stage(r);
        stage.onData(ByteBuffer.wrap(concat(mainLink(SASL_CLIENT_CAPS), CHOOSE_SPICE)));
        assertEquals(LinkError.INVALID_DATA, r.refused);
        assertEquals(0, r.saslOpened);
        ByteBuffer out = afterReply(r);
        assertEquals(LinkError.INVALID_DATA.code(), out.getInt());
    }

    @Test
    void clientWithoutAuthSelectionCannotUseASaslServer() {
        Recorder r = new Recorder();
        LinkStage stage = new LinkStage(r, type -> new int[0], () -> CompletableFuture.completedFuture(
                LinkStageTest.KEY), SASL, TestBudget.fresh().budget());
        stage.onData(ByteBuffer.wrap(mainLink(1 << LinkStage.CAP_MINI_HEADER)));
        assertEquals(LinkError.VERSION_MISMATCH, r.refused);
        ByteBuffer out = afterReply(r);
        assertEquals(LinkError.VERSION_MISMATCH.code(), out.getInt());
        byte[] key = new byte[TicketKey.PUBLIC_KEY_BYTES];
        r.sent.duplicate().flip().get(20, key);
        assertArrayEquals(LinkStageTest.KEY.publicKeyDer(), key, "a client without AUTH_SASL gets a key");
    }

    @Test
    void skipAuthAdvertisesTicketsButStillRunsSaslWhenChosen() {
        LinkStage.Auth skip = new LinkStage.Auth(true, true);
        Recorder r = new Recorder();
        stage(r, skip, TestBudget.fresh()).onData(ByteBuffer.wrap(concat(
                mainLink(SASL_CLIENT_CAPS), CHOOSE_SASL)));
        ByteBuffer reply = r.sent.duplicate().flip().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1 << LinkStage.CAP_AUTH_SELECTION | 1 << LinkStage.CAP_AUTH_SPICE | 1 << LinkStage.CAP_MINI_HEADER,
                reply.getInt(16 + 178), "skip_auth: AUTH_SPICE advertised, as the reference");
        assertEquals(1, r.saslOpened, "SASL still runs when the client chooses it");
        Recorder ticket = new Recorder();
        stage(ticket, skip, TestBudget.fresh()).onData(ByteBuffer.wrap(concat(
                mainLink(SASL_CLIENT_CAPS), CHOOSE_SPICE)));
        assertEquals(LinkError.INVALID_DATA, ticket.refused, "and a ticket is refused while SASL is on");
    }

    @Test
    void noSaslContextEndsTheLink() {
        Recorder r = new Recorder();
        r.sasl = null;
        LinkStage stage = stage(r);
        stage.onData(ByteBuffer.wrap(concat(mainLink(SASL_CLIENT_CAPS), CHOOSE_SASL)));
        assertEquals(LinkError.ERROR, r.refused);
        assertFalse(afterReply(r).hasRemaining(), "no mechanism list");
    }

    @Test
    void theBudgetNeverGoesNegative() {
        SaslAuth.Budget budget = new SaslAuth.Budget(10);
        assertTrue(budget.reserve(10));
        assertFalse(budget.reserve(1));
        budget.release(4);
        assertTrue(budget.reserve(4));
        assertEquals(0, budget.left());
    }

    @Test
    void printableEscapesControlBytes() {
        assertEquals("a\\x00b\\x0a", SaslAuth.printable("a\0b\n"));
        assertEquals("(none)", SaslAuth.printable(null));
    }
}
