package org.spicejava.core.net.ws;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;

/**
 * A browser client's HTTP upgrade request on the SPICE port (spice-html5 connects there directly), recognised as the
 * reference does: a "GET " request with a Sec-WebSocket-Key, and if it names sub-protocols, "binary" first. The
 * answer is the 101 reply with the key's accept hash.
 */
public final class WebSocketUpgrade {
    /** The most a request may take; the reference reads at most 4 KiB too. */
    public static final int MAX_REQUEST = 4096;
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private WebSocketUpgrade() {
    }

    /** True when {@code in} (from its position) starts like an HTTP GET: the connection may be a WebSocket. */
    public static boolean looksLikeGet(ByteBuffer in) {
        return in.remaining() >= 4 && in.get(in.position()) == 'G' && in.get(in.position() + 1) == 'E'
                && in.get(in.position() + 2) == 'T' && in.get(in.position() + 3) == ' ';
    }

    /** The request's length up to and with its blank line, or -1 while it is incomplete. */
    public static int requestLength(ByteBuffer in) {
        for (int i = in.position(); i + 3 < in.limit(); i++) {
            if (in.get(i) == '\r' && in.get(i + 1) == '\n' && in.get(i + 2) == '\r' && in.get(i + 3) == '\n') {
                return i + 4 - in.position();
            }
        }
        return -1;
    }

    /** The 101 reply to a complete request, or null when it is not a WebSocket upgrade we take. */
    public static byte[] reply(String request) {
        if (!request.startsWith("GET ")) {
            return null;
        }
        String key = header(request, "sec-websocket-key");
        if (key == null || key.isEmpty()) {
            return null;
        }
        String protocol = header(request, "sec-websocket-protocol");
        if (protocol != null && !protocol.split(",")[0].trim().equals("binary")) {
            return null;
        }
        String accept;
        try {
            accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JDK", e);
        }
        return ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + accept + "\r\n"
                + (protocol != null ? "Sec-WebSocket-Protocol: binary\r\n" : "") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static String header(String request, String name) {
        for (String line : request.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }
}
