package org.spicejava.core.mainchannel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.net.FakeSocket;
import org.spicejava.core.protocol.ChannelType;
import org.spicejava.core.server.SpiceServer;

class MultimediaLatencyTest {
    private final FakeSocket socket = new FakeSocket();
    private final SpiceServer server = new SpiceServer();
    private final MainChannelClient main = new MainChannelClient(socket.connection(),
            new LinkMessage(0, ChannelType.MAIN, 0, new int[] {0b1011}, new int[0]), server, 9, List::of);

    /** The multimedia times the client was given (INIT's and MULTI_MEDIA_TIME's), less the server's clock now. */
    private List<Integer> clientClockBehind() {
        int now = server.multimediaTime();
        List<Integer> behind = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(socket.written()).order(ByteOrder.LITTLE_ENDIAN);
        while (in.remaining() >= 6) {
            int type = Short.toUnsignedInt(in.getShort());
            int size = in.getInt();
            if (type == MainChannelClient.MSG_INIT) {
                behind.add(now - in.getInt(in.position() + 24));
            } else if (type == MainChannelClient.MSG_MULTI_MEDIA_TIME) {
                behind.add(now - in.getInt(in.position()));
            }
            in.position(in.position() + size);
        }
        return behind;
    }

    private static void assertNear(int expected, int actual) {
        assertTrue(Math.abs(expected - actual) < 200, "expected about " + expected + ", got " + actual);
    }

    @Test
    void streamsRaiseHowFarBehindTheClientPlaysUpToFiveSeconds() {
        main.start();
        main.moreMultimediaLatency(1000);
        main.moreMultimediaLatency(0); // nothing to tell
        main.moreMultimediaLatency(-300); // never lowered
        main.moreMultimediaLatency(9000);
        main.moreMultimediaLatency(100); // at the cap already
        List<Integer> behind = clientClockBehind();
        assertEquals(3, behind.size(), behind.toString());
        assertNear(MainChannelClient.MM_TIME_DELTA, behind.get(0));
        assertNear(MainChannelClient.MM_TIME_DELTA + 1000, behind.get(1));
        assertNear(MainChannelClient.MAX_MM_LATENCY, behind.get(2));
    }

    @Test
    void aRaiseBeforeInitGoesIntoInit() {
        main.moreMultimediaLatency(600);
        main.start();
        List<Integer> behind = clientClockBehind();
        assertEquals(1, behind.size(), behind.toString());
        assertNear(MainChannelClient.MM_TIME_DELTA + 600, behind.get(0));
    }
}
