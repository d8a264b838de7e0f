package org.spicejava.core.sasl;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A SASL server context without a library, for tests. Two mechanisms: "PLAIN" takes "\0user\0password" in its
 * first step and has no security layer; "DIGEST-MD5" answers the first step with a challenge, takes
 * "user:password" in the second and negotiates a layer of SSF 128. The password is "secret" for "alice". Its
 * security layer frames each encoded block as a big-endian u32 length and the bytes XOR 0x5a, and decodes them
 * across any split, as a real layer must; a frame longer than the receive bound (8192) is an error.
 */
public final class FakeSaslServer implements SaslServer {
    public static final String USER = "alice";
    public static final String PASSWORD = "secret";
    public static final byte[] CHALLENGE = "nonce=\"42\"".getBytes(StandardCharsets.US_ASCII);
    public static final byte[] SUCCESS = "rspauth=ok".getBytes(StandardCharsets.US_ASCII);
    public static final int LAYER_SSF = 128;
    static final int MAX_FRAME = 8192;

    public final List<String> mechanisms;
    public int maxOutput = 64;
    public SecurityProperties properties;
    public Integer externalSsf;
    public int closes;
    /** What start and step were given, as text ("null" for no data). */
    public final List<String> calls = new ArrayList<>();
    private String mechanism;
    private int ssf;
    private boolean authenticated;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    public FakeSaslServer(String... mechanisms) {
        this.mechanisms = List.of(mechanisms);
    }

    public FakeSaslServer() {
        this("DIGEST-MD5", "PLAIN");
    }

    /** A library that hands out {@code server} (once) and remembers the addresses. */
    public static final class Library implements SaslLibrary {
        public final FakeSaslServer server;
        public String appName;
        public String local;
        public String remote;
        public boolean initResult = true;

        public Library(FakeSaslServer server) {
            this.server = server;
        }

        @Override
        public boolean init(String name) {
            appName = name;
            return initResult;
        }

        @Override
        public SaslServer newServer(String service, String localAddress, String remoteAddress) {
            local = localAddress;
            remote = remoteAddress;
            return server;
        }
    }

    private void open() {
        if (closes > 0) {
            throw new IllegalStateException("used after sasl_dispose");
        }
    }

    @Override
    public void setExternalSsf(int value) {
        open();
        externalSsf = value;
    }

    @Override
    public void setSecurityProperties(SecurityProperties value) {
        open();
        properties = value;
    }

    @Override
    public String listMechanisms(String prefix, String separator, String suffix) {
        open();
        return prefix + String.join(separator, mechanisms) + suffix;
    }

    private static String text(byte[] data) {
        return data == null ? "null" : "'" + new String(data, StandardCharsets.ISO_8859_1) + "'";
    }

    @Override
    public Step start(String mech, byte[] clientData) {
        open();
        calls.add("start " + mech + " " + text(clientData));
        mechanism = mech;
        if (mech.equals("PLAIN")) {
            return finish(Arrays.equals(clientData, ("\0" + USER + "\0" + PASSWORD).getBytes(StandardCharsets.US_ASCII)),
                    0, null);
        }
        return new Step(CONTINUE, CHALLENGE.clone());
    }

    @Override
    public Step step(byte[] clientData) {
        open();
        calls.add("step " + text(clientData));
        if (!"DIGEST-MD5".equals(mechanism) || authenticated) {
            return new Step(-1, null);
        }
        return finish(Arrays.equals(clientData, (USER + ":" + PASSWORD).getBytes(StandardCharsets.US_ASCII)),
                LAYER_SSF, SUCCESS.clone());
    }

    private Step finish(boolean ok, int layer, byte[] out) {
        if (!ok) {
            return new Step(BADAUTH, null);
        }
        authenticated = true;
        ssf = layer;
        return new Step(OK, out);
    }

    @Override
    public int ssf() {
        open();
        return ssf;
    }

    @Override
    public int maxOutput() {
        open();
        return maxOutput;
    }

    @Override
    public String username() {
        return authenticated ? USER : null;
    }

    @Override
    public String errorDetail() {
        return "fake failure";
    }

    @Override
    public byte[] encode(byte[] data, int offset, int length) throws SaslException {
        open();
        if (length > maxOutput) {
            throw new SaslException(-7, "encode of " + length + " bytes, more than " + maxOutput);
        }
        return frame(Arrays.copyOfRange(data, offset, offset + length));
    }

    /** What the fake layer sends for {@code plain}: the client side of a test encodes with it. */
    public static byte[] frame(byte[] plain) {
        ByteBuffer out = ByteBuffer.allocate(4 + plain.length).putInt(plain.length);
        for (byte b : plain) {
            out.put((byte) (b ^ 0x5a));
        }
        return out.array();
    }

    @Override
    public byte[] decode(byte[] data, int offset, int length) throws SaslException {
        open();
        partial.write(data, offset, length);
        ByteBuffer all = ByteBuffer.wrap(partial.toByteArray());
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        while (all.remaining() >= 4) {
            int n = all.getInt(all.position());
            if (n < 0 || n > MAX_FRAME) {
                throw new SaslException(-1, "frame of " + n + " bytes");
            }
            if (all.remaining() < 4 + n) {
                break;
            }
            all.getInt();
            for (int i = 0; i < n; i++) {
                plain.write(all.get() ^ 0x5a);
            }
        }
        partial.reset();
        partial.write(all.array(), all.position(), all.remaining());
        return plain.toByteArray();
    }

    /** Undoes {@link #frame} for a whole stream of frames (the client side of a test). */
    public static byte[] unframe(byte[] stream) {
        ByteBuffer in = ByteBuffer.wrap(stream);
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        while (in.hasRemaining()) {
            int n = in.getInt();
            for (int i = 0; i < n; i++) {
                plain.write(in.get() ^ 0x5a);
            }
        }
        return plain.toByteArray();
    }

    @Override
    public void close() {
        closes++;
    }
}
