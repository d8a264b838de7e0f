package org.spicejava.core.link;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.sasl.SaslException;
import org.spicejava.core.sasl.SaslServer;

/**
 * The SASL exchange of one link, after the client chose AUTH_SASL (the reference's red_sasl_start_auth and the
 * red_sasl_handle_auth_* steps of red-stream.cpp), as a resumable decoder. On the wire, u32 little-endian:
 * <pre>
 *   S→C  u32 list length, the mechanism list (",MECH1,MECH2,", no NUL)
 *   C→S  u32 name length (1..100), the chosen mechanism's name
 *   C→S  u32 data length (at most 1 MiB; 0 = no data), data including a closing NUL
 *   S→C  u32 length (data + NUL; 0 = no data), data, NUL, u8 complete (0: another step, 1: done)
 *   C→S  u32 data length, data ... and so on while not complete
 *   S→C  u32 0 (accepted)  or  u32 1, u32 22, "Authentication failed\0" (a security layer too weak)
 * </pre>
 * On a connection without TLS the reference asks for a security layer of strength 56 at least (and forbids
 * anonymous and plain-text mechanisms), and runs the connection through it after the exchange; over TLS it takes
 * any mechanism and no layer. Failures end the link without a word to the client (a wrong password too), except
 * an unknown mechanism or too long first data, answered INVALID_DATA, as in the reference.
 *
 * <p>Lengths come from an unauthenticated client: names are bounded as the reference does, data is collected as it
 * arrives (never allocated from a declared length) and counts against a {@link Budget} shared by every link still
 * authenticating. Host's main-loop thread, where every SASL call of the exchange is made.
 */
final class SaslAuth {
    private static final Logger LOG = LoggerFactory.getLogger(SaslAuth.class);
    /** The service name given to sasl_server_new. */
    static final String SERVICE = "spice";
    /** SASL_MAX_MECHNAME_LEN. */
    static final int MAX_MECHANISM_BYTES = 100;
    /** SASL_DATA_MAX_LEN: the most data one step may carry, either way. */
    static final int MAX_DATA_BYTES = 1024 * 1024;
    /** The weakest security layer accepted without TLS ("good enough for Kerberos"). */
    static final int MIN_SSF = 56;
    /** The reference's "arbitrary big number" for the strongest layer. */
    static final int MAX_SSF = 100_000;
    /** The largest security-layer packet we take from the client (secprops.maxbufsize). */
    static final int MAX_BUFFER = 8192;
    /** What a client whose layer is too weak reads, with its NUL. */
    static final byte[] REJECTED = "Authentication failed\0".getBytes(StandardCharsets.US_ASCII);
    /** The first allocation for a step's data; it doubles as bytes arrive. */
    private static final int FIRST_CHUNK = 1024;

    /** How the exchange ended. */
    sealed interface Verdict permits Accepted, Failed {
    }

    /** Authenticated; {@code ssf} > 0 when the connection goes on through the SASL security layer. */
    record Accepted(int ssf) implements Verdict {
    }

    /** Refused: {@code reply} is sent as the link result when set, else the connection just closes. */
    record Failed(LinkError error, boolean reply, String reason) implements Verdict {
    }

    /**
     * Bytes of step data held by links still authenticating, together: the reference bounds each link to 1 MiB;
     * with a small heap, a crowd of links each sending that much must end before memory does. Thread-safe.
     */
    static final class Budget {
        /** What the links of this process may hold together. */
        static final long SHARED_BYTES = 8L * 1024 * 1024;
        static final Budget SHARED = new Budget(SHARED_BYTES);
        private final AtomicLong left;

        Budget(long bytes) {
            left = new AtomicLong(bytes);
        }

        boolean reserve(long bytes) {
            long now;
            do {
                now = left.get();
                if (now < bytes) {
                    return false;
                }
            } while (!left.compareAndSet(now, now - bytes));
            return true;
        }

        void release(long bytes) {
            left.addAndGet(bytes);
        }

        long left() {
            return left.get();
        }
    }

    private enum State { MECHANISM_LENGTH, MECHANISM, DATA_LENGTH, DATA, DONE }

    private final SaslServer server;
    private final int tlsBits;
    private final Consumer<ByteBuffer> send;
    private final Budget budget;
    private State state = State.MECHANISM_LENGTH;
    private String mechanisms;
    /** The client's mechanism; set until the first step, as the reference knows start from step. */
    private String mechanism;
    private boolean started;
    private int length;
    private byte[] data = new byte[0];
    private int filled;
    private long reserved;

    /** {@code tlsBits}: the TLS cipher's strength under this connection, or -1 without TLS. */
    SaslAuth(SaslServer server, int tlsBits, Consumer<ByteBuffer> send, Budget budget) {
        this.server = server;
        this.tlsBits = tlsBits;
        this.send = send;
        this.budget = budget;
    }

    /** Sets the security properties and sends the mechanism list: a Failed when SASL cannot begin, else null. */
    Verdict begin() {
        try {
            if (tlsBits >= 0) {
                server.setExternalSsf(tlsBits);
                server.setSecurityProperties(new SaslServer.SecurityProperties(0, 0, MAX_BUFFER, 0));
            } else {
                server.setSecurityProperties(new SaslServer.SecurityProperties(MIN_SSF, MAX_SSF, MAX_BUFFER,
                        SaslServer.NO_ANONYMOUS | SaslServer.NO_PLAINTEXT));
            }
            mechanisms = server.listMechanisms(",", ",", ",");
        } catch (SaslException e) {
            return fail(LinkError.ERROR, false, "SASL set-up failed: " + e.getMessage());
        }
        if (mechanisms == null) {
            return fail(LinkError.ERROR, false, "SASL lists no mechanisms");
        }
        byte[] list = mechanisms.getBytes(StandardCharsets.ISO_8859_1);
        send.accept(ByteBuffer.allocate(4 + list.length).order(ByteOrder.LITTLE_ENDIAN).putInt(list.length).put(list)
                .flip());
        return null;
    }

    /** Consumes what it can of {@code in}: the verdict once there is one, else null (more bytes needed). */
    Verdict onData(ByteBuffer in) {
        in.order(ByteOrder.LITTLE_ENDIAN);
        while (true) {
            switch (state) {
                case MECHANISM_LENGTH -> {
                    if (in.remaining() < 4) {
                        return null;
                    }
                    int n = in.getInt();
                    if (n < 1 || n > MAX_MECHANISM_BYTES) {
                        return fail(LinkError.INVALID_DATA, false, "SASL mechanism name of "
                                + Integer.toUnsignedString(n) + " bytes (1.." + MAX_MECHANISM_BYTES + ")");
                    }
                    length = n;
                    state = State.MECHANISM;
                }
                case MECHANISM -> {
                    if (in.remaining() < length) {
                        return null;
                    }
                    byte[] name = new byte[length];
                    in.get(name);
                    // A C string, as the reference reads it: a NUL ends the name.
                    String chosen = new String(name, 0, nulAt(name), StandardCharsets.ISO_8859_1);
                    if (chosen.indexOf(',') >= 0 || !mechanisms.contains("," + chosen + ",")) {
                        return fail(LinkError.INVALID_DATA, true, "SASL mechanism '" + printable(chosen)
                                + "' is not one of '" + mechanisms + "'");
                    }
                    mechanism = chosen;
                    state = State.DATA_LENGTH;
                }
                case DATA_LENGTH -> {
                    if (in.remaining() < 4) {
                        return null;
                    }
                    int n = in.getInt();
                    if (Integer.compareUnsigned(n, MAX_DATA_BYTES) > 0) {
                        // Refused with INVALID_DATA before the first step, silently after it, as the reference.
                        return fail(LinkError.INVALID_DATA, !started, "SASL data of " + Integer.toUnsignedString(n)
                                + " bytes (at most " + MAX_DATA_BYTES + ")");
                    }
                    length = n;
                    filled = 0;
                    state = State.DATA;
                }
                case DATA -> {
                    if (!collect(in)) {
                        return fail(LinkError.ERROR, false, "SASL data of links still authenticating is over "
                                + Budget.SHARED_BYTES + " bytes");
                    }
                    if (filled < length) {
                        return null;
                    }
                    Verdict verdict = step();
                    if (verdict != null) {
                        return verdict;
                    }
                }
                case DONE -> {
                    return null;
                }
            }
        }
    }

    /** Copies step data as it arrives, growing the buffer within the budget: false when the budget is spent. */
    private boolean collect(ByteBuffer in) {
        int take = Math.min(length - filled, in.remaining());
        if (filled + take > data.length) {
            int size = Math.min(length, Math.max(filled + take, Math.max(FIRST_CHUNK, data.length * 2)));
            if (!budget.reserve(size - data.length)) {
                return false;
            }
            reserved += size - data.length;
            data = Arrays.copyOf(data, size);
        }
        in.get(data, filled, take);
        filled += take;
        return true;
    }

    /** Runs sasl_server_start or _step on the data collected and answers; null when another step follows. */
    private Verdict step() {
        // The wire counts a closing NUL: the library gets what precedes it. No data at all is NULL, not "".
        byte[] clientData = length == 0 ? null : Arrays.copyOf(data, length - 1);
        releaseData();
        SaslServer.Step result = started ? server.step(clientData) : server.start(mechanism, clientData);
        started = true;
        if (result.result() != SaslServer.OK && result.result() != SaslServer.CONTINUE) {
            return fail(LinkError.PERMISSION_DENIED, false, "SASL " + mechanism + " step failed: " + result.result()
                    + " (" + server.errorDetail() + ")");
        }
        byte[] out = result.output();
        int outLength = out == null ? 0 : out.length;
        if (outLength > MAX_DATA_BYTES) {
            return fail(LinkError.ERROR, false, "SASL step reply of " + outLength + " bytes");
        }
        boolean complete = result.result() == SaslServer.OK;
        ByteBuffer reply = ByteBuffer.allocate(4 + (outLength > 0 ? outLength + 1 : 0) + 1)
                .order(ByteOrder.LITTLE_ENDIAN);
        reply.putInt(outLength > 0 ? outLength + 1 : 0);
        if (outLength > 0) {
            reply.put(out).put((byte) 0);
        }
        send.accept(reply.put((byte) (complete ? 1 : 0)).flip());
        if (!complete) {
            state = State.DATA_LENGTH;
            return null;
        }
        state = State.DONE;
        int ssf = 0;
        if (tlsBits < 0) {
            try {
                ssf = server.ssf();
            } catch (SaslException e) {
                return reject("SASL security layer unknown: " + e.getMessage());
            }
            if (ssf < MIN_SSF) {
                return reject("SASL security layer too weak: SSF " + ssf + " (at least " + MIN_SSF + ")");
            }
        }
        send.accept(LinkStage.result(LinkError.OK));
        LOG.info("SASL: '{}' authenticated with {} (security layer SSF {})", printable(server.username()),
                mechanism, ssf);
        return new Accepted(ssf);
    }

    private Verdict reject(String reason) {
        ByteBuffer out = ByteBuffer.allocate(8 + REJECTED.length).order(ByteOrder.LITTLE_ENDIAN);
        send.accept(out.putInt(1).putInt(REJECTED.length).put(REJECTED).flip());
        return fail(LinkError.PERMISSION_DENIED, false, reason);
    }

    private Verdict fail(LinkError error, boolean reply, String reason) {
        state = State.DONE;
        releaseData();
        return new Failed(error, reply, reason);
    }

    private void releaseData() {
        budget.release(reserved);
        reserved = 0;
        data = new byte[0];
    }

    /** Gives back what the exchange holds (the connection closed): idempotent. */
    void close() {
        state = State.DONE;
        releaseData();
    }

    private static int nulAt(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return b.length;
    }

    /** A client's string for a log line: control characters escaped. */
    static String printable(String s) {
        if (s == null) {
            return "(none)";
        }
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c < 0x20 || c > 0x7e ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return b.toString();
    }
}
