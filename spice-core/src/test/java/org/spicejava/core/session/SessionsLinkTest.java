package org.spicejava.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javax.crypto.Cipher;

import org.junit.jupiter.api.Test;
import org.spicejava.core.protocol.ChannelType;
import org.spicejava.core.server.SpiceServer;

/**
 * Linking through Sessions over a fake socket: a client that goes away just as its link is accepted (the OK
 * reply's write fails) leaves no channel behind, and QEMU's channel list is never told of one (a channel reported
 * INITIALIZED and never DISCONNECTED stays in query-spice with a dead address, as once seen with a browser).
 */
class SessionsLinkTest {
    @Test
    void aClientGoneAsItsLinkIsAcceptedIsNeverReported() throws Exception {
        SessionsSaslTest.Host host = new SessionsSaslTest.Host();
        SpiceServer server = new SpiceServer();
        server.config().setNoAuth();
        List<Integer> events = new ArrayList<>();
        Sessions sessions = new Sessions(server, (event, info) -> events.add(event));
        assertEquals(0, server.init(SpiceServer.CORE_MAJOR, host, host, name -> null, sessions));
        sessions.adopt(SessionsSaslTest.CLIENT_FD, false, false);

        int caps = 1 | 1 << 1 | 1 << 3; // auth selection, SPICE ticket auth, mini header
        ByteBuffer link = ByteBuffer.allocate(16 + 22).order(ByteOrder.LITTLE_ENDIAN);
        link.putInt(0x51444552).putInt(2).putInt(2).putInt(22);
        link.putInt(0).put((byte) 1).put((byte) 0).putInt(1).putInt(0).putInt(18).putInt(caps);
        host.clientSends(link.array());
        byte[] reply = awaitReply(host);
        PublicKey key = KeyFactory.getInstance("RSA")
                .generatePublic(new X509EncodedKeySpec(Arrays.copyOfRange(reply, 16 + 4, 16 + 4 + 162)));
        Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
        rsa.init(Cipher.ENCRYPT_MODE, key);
        byte[] ticket = rsa.doFinal(new byte[1]); // the empty password and its NUL

        host.failWrites = true;
        host.clientSends(SessionsSaslTest.concat(SessionsSaslTest.u32(1), ticket));
        runDispatcher(host);
        assertTrue(host.clientClosed);
        assertEquals(List.of(), events, "no channel event for a channel that never linked");
        assertEquals(0, server.numClients());
    }

    /**
     * A connection that stalls before its link is done is closed when its link timeout fires: here in the link
     * header; over TLS the handshake runs before it under the same timer. A client linking meanwhile is not held
     * back, and keeps its channel.
     */
    @Test
    void aStalledLinkIsClosedAtItsTimeoutWhileOthersLink() throws Exception {
        FakeClients host = new FakeClients();
        SpiceServer server = new SpiceServer();
        server.config().setNoAuth();
        Sessions sessions = new Sessions(server, (event, info) -> { }, false);
        assertEquals(0, server.init(SpiceServer.CORE_MAJOR, host, host, name -> null, sessions));
        FakeClients.Socket stalled = host.connect();
        sessions.adopt(stalled.fd, false, false);
        Runnable timeout = host.startedTimers.getLast(); // started last, after the server's own link preparation
        stalled.send(new byte[] {0x52, 0x45, 0x44}); // three bytes of the magic, then nothing

        FakeClients.Socket linked = host.connect();
        sessions.adopt(linked.fd, false, false);
        assertEquals(0, host.link(linked, 0, ChannelType.MAIN, 0));
        assertFalse(stalled.closed, "still within its time");
        timeout.run();
        assertTrue(stalled.closed, "closed at the timeout");
        assertFalse(linked.closed);
        assertEquals(1, server.numClients());
        server.destroy();
    }

    /** The reply waits for a ticket key made on another thread, then comes through the main dispatcher's wake-up. */
    private static byte[] awaitReply(SessionsSaslTest.Host host) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            runDispatcher(host);
            byte[] out = host.take();
            if (out.length > 0) {
                return out;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no link reply");
    }

    private static void runDispatcher(SessionsSaslTest.Host host) {
        host.watches.forEach((fd, watch) -> {
            if (fd != SessionsSaslTest.CLIENT_FD) {
                watch.accept(org.spicejava.core.host.EventLoop.READ);
            }
        });
    }
}
