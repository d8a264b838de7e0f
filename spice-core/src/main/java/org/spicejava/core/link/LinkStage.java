package org.spicejava.core.link;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import org.spicejava.core.sasl.SaslServer;

/**
 * The server side of one connection's link stage, as a resumable decoder over whatever bytes have arrived:
 * SpiceLinkHeader (16) and SpiceLinkMess (+caps), then our SpiceLinkReply, then SpiceLinkAuthMechanism when the
 * client selects, then the 128-byte encrypted ticket, or the SASL exchange ({@link SaslAuth}) when the server uses
 * SASL. Errors found before the reply is sent are answered with a header and an all-zero reply carrying the error,
 * as the reference does; after it, with a 4-byte link result. Owned by the connection's loop thread (the host's
 * main loop), where every SASL call of the exchange is made.
 */
public final class LinkStage {
    /** "REDQ" as a little-endian u32. */
    public static final int MAGIC = 0x51444552;
    public static final int VERSION_MAJOR = 2;
    public static final int VERSION_MINOR = 2;
    public static final int HEADER_BYTES = 16;
    /** sizeof(SpiceLinkMess) without caps. */
    public static final int LINK_MESS_BYTES = 18;
    /** The reference refuses larger link messages to bound allocations. */
    public static final int MAX_LINK_MESS_BYTES = 4096;
    /** The reference's DoS bound on capability words per kind. */
    public static final int MAX_CAPS_WORDS = 1024;
    /** sizeof(SpiceLinkReply) without caps. */
    public static final int REPLY_BYTES = 178;
    /** Common capability bits. */
    public static final int CAP_AUTH_SELECTION = 0;
    public static final int CAP_AUTH_SPICE = 1;
    public static final int CAP_AUTH_SASL = 2;
    public static final int CAP_MINI_HEADER = 3;
    /** What we advertise: auth selection, mini header, and spice ticket auth or SASL. */
    static final int SERVER_COMMON_CAPS = 1 << CAP_AUTH_SELECTION | 1 << CAP_AUTH_SPICE | 1 << CAP_MINI_HEADER;
    static final int SERVER_COMMON_CAPS_SASL = 1 << CAP_AUTH_SELECTION | 1 << CAP_AUTH_SASL | 1 << CAP_MINI_HEADER;

    /**
     * How a link authenticates: {@code sasl} when the server uses SASL (spice_server_set_sasl), {@code skipAuth}
     * for a socket the host added with skip_auth. As in the reference, such a link is offered ticket auth even
     * with SASL on, but a client that chooses SASL still goes through it.
     */
    public record Auth(boolean sasl, boolean skipAuth) {
        public static final Auth TICKET = new Auth(false, false);

        /** The reference advertises AUTH_SASL instead of AUTH_SPICE. */
        boolean advertisesSasl() {
            return sasl && !skipAuth;
        }
    }

    /** What the stage needs from the server. */
    public interface Host {
        /** Sends bytes to the client. */
        void send(ByteBuffer bytes);

        /** Policy checks before the reply (channel security): OK to go on, or the error to answer with. */
        LinkError check(LinkMessage message);

        /** The link stage ended with an error (already sent, if the protocol allows); close the connection. */
        void refused(LinkError error, String reason);

        /** The client authenticated with {@code password} (null when it sent no ticket we could read). */
        void authenticated(LinkMessage message, byte[] password);

        /** Runs {@code task} on the loop that feeds this stage (it is called from the key generator's thread). */
        void resumeOnLoop(Runnable task);

        /**
         * This connection's SASL context (sasl_server_new with its local and remote addresses), or null when it
         * cannot be made (say why in the log). Only asked when the client chose SASL on a server that uses it.
         */
        SaslServer openSasl();

        /** The strength in bits of the TLS cipher under this connection (SSL_get_cipher_bits), -1 without TLS. */
        int tlsCipherBits();

        /**
         * The client authenticated with SASL (the 4-byte "accepted" is queued, in the clear). When {@code layer}
         * is not null, everything after goes through its security layer, the link result too: the host installs
         * it at once and owns it from now on, and {@code undecoded} are bytes already read past the exchange,
         * which belong to the layer (usually none: a client sends only after reading "accepted"). Without a
         * layer, bytes past the exchange stay unread for the channel, as after a ticket.
         */
        void authenticatedBySasl(LinkMessage message, SaslServer layer, byte[] undecoded);
    }

    /** KEY: waiting for this link's ticket key, which is generated off the loop. */
    private enum State { HEADER, MESSAGE, KEY, AUTH_MECHANISM, TICKET, SASL, DONE }

    private final Host host;
    private final IntFunction<int[]> channelCaps;
    private final Supplier<CompletableFuture<TicketKey>> keys;
    private final Auth auth;
    private final SaslAuth.Budget saslBudget;
    private State state = State.HEADER;
    private int messageSize;
    private LinkMessage message;
    private TicketKey key;
    /** The SASL context while the stage owns it. */
    private SaslServer saslServer;
    private SaslAuth sasl;

    /** {@code channelCaps} gives our capability words for a channel type. */
    public LinkStage(Host host, IntFunction<int[]> channelCaps, Auth auth) {
        this(host, channelCaps, TicketKeySource.shared()::next, auth, SaslAuth.Budget.SHARED);
    }

    /** Takes each link's key from {@code keys}, which may still be generating it. */
    LinkStage(Host host, IntFunction<int[]> channelCaps, Supplier<CompletableFuture<TicketKey>> keys) {
        this(host, channelCaps, keys, Auth.TICKET, SaslAuth.Budget.SHARED);
    }

    LinkStage(Host host, IntFunction<int[]> channelCaps, Supplier<CompletableFuture<TicketKey>> keys, Auth auth,
              SaslAuth.Budget saslBudget) {
        this.host = host;
        this.channelCaps = channelCaps;
        this.keys = keys;
        this.auth = auth;
        this.saslBudget = saslBudget;
    }

    public boolean done() {
        return state == State.DONE;
    }

    /** Consumes what it can of {@code in} (little-endian); leaves the rest for later calls. */
    public void onData(ByteBuffer in) {
        in.order(ByteOrder.LITTLE_ENDIAN);
        boolean progress = true;
        while (progress && state != State.DONE) {
            progress = switch (state) {
                case HEADER -> readHeader(in);
                case MESSAGE -> readMessage(in);
                case KEY -> false;
                case AUTH_MECHANISM -> readAuthMechanism(in);
                case TICKET -> readTicket(in);
                case SASL -> readSasl(in);
                case DONE -> false;
            };
        }
    }

    private boolean readHeader(ByteBuffer in) {
        if (in.remaining() >= 4 && in.getInt(in.position()) != MAGIC) {
            fail(LinkError.INVALID_MAGIC, true, "bad magic 0x" + Integer.toHexString(in.getInt(in.position())));
            return false;
        }
        if (in.remaining() < HEADER_BYTES) {
            return false;
        }
        in.getInt();
        int major = in.getInt();
        in.getInt(); // minor: not enforced, as in the reference
        int size = in.getInt();
        if (major != VERSION_MAJOR) {
            if (major > 0) {
                sendError(LinkError.VERSION_MISMATCH);
            }
            finish(LinkError.VERSION_MISMATCH, "protocol major version " + major);
            return false;
        }
        if (size < LINK_MESS_BYTES || size > MAX_LINK_MESS_BYTES) {
            fail(LinkError.INVALID_DATA, true, "link message size " + Integer.toUnsignedString(size));
            return false;
        }
        messageSize = size;
        state = State.MESSAGE;
        return true;
    }

    private boolean readMessage(ByteBuffer in) {
        if (in.remaining() < messageSize) {
            return false;
        }
        ByteBuffer body = in.slice(in.position(), messageSize).order(ByteOrder.LITTLE_ENDIAN);
        in.position(in.position() + messageSize);
        int connectionId = body.getInt(0);
        int type = Byte.toUnsignedInt(body.get(4));
        int id = Byte.toUnsignedInt(body.get(5));
        long commonWords = Integer.toUnsignedLong(body.getInt(6));
        long channelWords = Integer.toUnsignedLong(body.getInt(10));
        long capsOffset = Integer.toUnsignedLong(body.getInt(14));
        if (commonWords > MAX_CAPS_WORDS || channelWords > MAX_CAPS_WORDS) {
            fail(LinkError.INVALID_DATA, true, "too many capability words");
            return false;
        }
        long words = commonWords + channelWords;
        if (words > 0 && (capsOffset < LINK_MESS_BYTES || capsOffset + 4 * words > messageSize)) {
            fail(LinkError.INVALID_DATA, true, "capabilities outside the link message");
            return false;
        }
        int[] common = new int[(int) commonWords];
        int[] channel = new int[(int) channelWords];
        for (int i = 0; i < words; i++) {
            int value = body.getInt((int) capsOffset + 4 * i);
            if (i < commonWords) {
                common[i] = value;
            } else {
                channel[(int) (i - commonWords)] = value;
            }
        }
        message = new LinkMessage(connectionId, type, id, common, channel);
        LinkError policy = host.check(message);
        if (policy != LinkError.OK) {
            fail(policy, true, "refused by policy: " + policy);
            return false;
        }
        if (auth.sasl() && message.hasCommonCap(CAP_AUTH_SASL)
                && (message.hasCommonCap(CAP_AUTH_SELECTION) || auth.advertisesSasl())) {
            // A client offering SASL to a SASL server will not use the RSA key: the reference sends none. (Only a
            // skip_auth link of a client that cannot choose its auth reads a ticket then: it gets a key.)
            sendReply(new byte[TicketKey.PUBLIC_KEY_BYTES]);
            return state != State.DONE;
        }
        CompletableFuture<TicketKey> next = keys.get();
        if (next.isDone() && !next.isCompletedExceptionally()) {
            sendKey(next.join());
            return true;
        }
        // RSA key generation can take seconds on a loaded host: the host's main loop must not wait for it.
        state = State.KEY;
        next.whenComplete((k, failure) -> host.resumeOnLoop(() -> keyReady(k, failure)));
        return false;
    }

    private void keyReady(TicketKey k, Throwable failure) {
        if (state != State.KEY) {
            return; // the connection ended meanwhile
        }
        if (failure != null) {
            fail(LinkError.ERROR, true, "no ticket key: " + failure);
            return;
        }
        sendKey(k);
    }

    private void sendKey(TicketKey k) {
        key = k;
        sendReply(key.publicKeyDer());
    }

    private void sendReply(byte[] publicKey) {
        host.send(reply(LinkError.OK, publicKey, channelCaps.apply(message.channelType()),
                auth.advertisesSasl() ? SERVER_COMMON_CAPS_SASL : SERVER_COMMON_CAPS));
        if (message.hasCommonCap(CAP_AUTH_SELECTION)) {
            state = State.AUTH_MECHANISM;
        } else if (auth.advertisesSasl()) {
            // Our reply is out, so the client reads a 4-byte link result next, not a second reply.
            host.send(result(LinkError.VERSION_MISMATCH));
            finish(LinkError.VERSION_MISMATCH, "SASL is required, and the client cannot choose it");
        } else {
            state = State.TICKET;
        }
    }

    private boolean readAuthMechanism(ByteBuffer in) {
        if (in.remaining() < 4) {
            return false;
        }
        int mechanism = in.getInt();
        if (mechanism == CAP_AUTH_SPICE && !auth.sasl()) {
            state = State.TICKET;
            return true;
        }
        if (mechanism == CAP_AUTH_SASL && auth.sasl()) {
            return startSasl();
        }
        // Our reply is out, so the client reads a 4-byte link result next, not a second reply.
        host.send(result(LinkError.INVALID_DATA));
        finish(LinkError.INVALID_DATA, "unsupported auth mechanism " + Integer.toUnsignedString(mechanism)
                + (auth.sasl() ? " (this server uses SASL)" : ""));
        return false;
    }

    private boolean startSasl() {
        saslServer = host.openSasl();
        if (saslServer == null) {
            finish(LinkError.ERROR, "no SASL context");
            return false;
        }
        sasl = new SaslAuth(saslServer, host.tlsCipherBits(), host::send, saslBudget);
        state = State.SASL;
        SaslAuth.Verdict failed = sasl.begin();
        return failed == null || endSasl(failed, null);
    }

    private boolean readSasl(ByteBuffer in) {
        return endSasl(sasl.onData(in), in);
    }

    /** Acts on the exchange's verdict, if any: true when the stage can go on reading. */
    private boolean endSasl(SaslAuth.Verdict verdict, ByteBuffer in) {
        switch (verdict) {
            case null -> {
                return false; // more bytes needed
            }
            case SaslAuth.Failed f -> {
                if (f.reply()) {
                    host.send(result(f.error()));
                }
                closeSasl();
                finish(f.error(), f.reason());
                return false;
            }
            case SaslAuth.Accepted a -> {
                SaslServer layer = a.ssf() > 0 ? saslServer : null;
                byte[] undecoded = new byte[layer != null && in != null ? in.remaining() : 0];
                if (undecoded.length > 0) {
                    in.get(undecoded); // what follows the exchange was encoded by the client's layer
                }
                if (layer == null) {
                    closeSasl();
                }
                saslServer = null;
                sasl = null;
                state = State.DONE;
                host.authenticatedBySasl(message, layer, undecoded);
                return false;
            }
        }
    }

    private void closeSasl() {
        if (sasl != null) {
            sasl.close();
            sasl = null;
        }
        if (saslServer != null) {
            saslServer.close();
            saslServer = null;
        }
    }

    /**
     * The connection ended: gives back what the stage still holds (a SASL context in the middle of its exchange).
     * Idempotent; a context handed to {@link Host#authenticatedBySasl} is the host's.
     */
    public void close() {
        closeSasl();
        state = State.DONE;
    }

    private boolean readTicket(ByteBuffer in) {
        if (in.remaining() < TicketKey.ENCRYPTED_TICKET_BYTES) {
            return false;
        }
        byte[] ticket = new byte[TicketKey.ENCRYPTED_TICKET_BYTES];
        in.get(ticket);
        state = State.DONE;
        host.authenticated(message, key.decrypt(ticket));
        return false;
    }

    private void fail(LinkError error, boolean sendReply, String reason) {
        if (sendReply) {
            sendError(error);
        }
        finish(error, reason);
    }

    private void finish(LinkError error, String reason) {
        state = State.DONE;
        host.refused(error, reason);
    }

    private void sendError(LinkError error) {
        host.send(reply(error, new byte[TicketKey.PUBLIC_KEY_BYTES], new int[0], 0));
    }

    /** SpiceLinkHeader + SpiceLinkReply + caps; an error reply has no key and no caps. */
    static ByteBuffer reply(LinkError error, byte[] publicKey, int[] channelCaps) {
        return reply(error, publicKey, channelCaps, SERVER_COMMON_CAPS);
    }

    static ByteBuffer reply(LinkError error, byte[] publicKey, int[] channelCaps, int commonCaps) {
        boolean ok = error == LinkError.OK;
        int commonWords = ok ? 1 : 0;
        int channelWords = ok ? channelCaps.length : 0;
        int size = REPLY_BYTES + 4 * (commonWords + channelWords);
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + size).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(MAGIC).putInt(VERSION_MAJOR).putInt(VERSION_MINOR).putInt(size);
        out.putInt(error.code()).put(publicKey);
        out.putInt(commonWords).putInt(channelWords).putInt(ok ? REPLY_BYTES : 0);
        if (ok) {
            out.putInt(commonCaps);
            for (int word : channelCaps) {
                out.putInt(word);
            }
        }
        return out.flip();
    }

    /** The 4-byte link result that ends the stage. */
    public static ByteBuffer result(LinkError error) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, error.code());
    }
}
