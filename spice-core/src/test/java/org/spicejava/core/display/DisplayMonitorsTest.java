package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.spicejava.core.compress.GlzWindow;
import org.spicejava.core.display.MonitorsConfig.Head;
import org.spicejava.core.host.FakeMainLoop;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.net.SocketConnection;

/**
 * Which MONITORS_CONFIG messages display clients get while a guest driver lights, moves and switches off heads, as
 * seen with Linux's qxl driver: its heads share one primary surface, which it destroys and recreates whenever a head
 * is added, resized or removed, and it sends its monitors config after (or before) that, or not at all when its heads
 * did not change. As in the reference, a new primary surface is not announced as one head over the whole surface
 * once the driver describes its heads (clients would show all heads as one monitor until the driver's next config,
 * or for good when it sends none), and disabled heads are not sent. Unlike the reference, a client that connects
 * later gets the driver's heads too, not one head over the whole surface; and heads are cut to the surface.
 */
class DisplayMonitorsTest {
    private static final int MSG_MONITORS_CONFIG = DisplayMessages.MSG_MONITORS_CONFIG;
    private final FakeMainLoop host = new FakeMainLoop();
    private final Arena arena = Arena.ofConfined();
    private final DisplayChannel display = new DisplayChannel(0, 4);
    private int nextFd = 20;

    DisplayMonitorsTest() {
        host.recordWrites = true;
    }

    @AfterEach
    void close() {
        arena.close();
    }

    /** A display client with the MONITORS_CONFIG capability and mini headers; returns its fd. */
    private int connect() {
        int fd = nextFd++;
        SocketConnection connection = new SocketConnection(fd, host, host, 1 << 20);
        DisplayChannelClient client = new DisplayChannelClient(connection,
                new LinkMessage(1, 2, 0, new int[] {0b1011}, new int[] {1 << DisplayMessages.CAP_MONITORS_CONFIG}),
                display, new GlzWindow());
        display.addClient(client);
        connection.start(in -> { }, reason -> display.removeClient(client));
        client.start();
        return fd;
    }

    private Surface primary(int width, int height) {
        return new Surface(0, width, height, Surface.FMT_32_XRGB, 4 * width, arena.allocate(4L * width * height), true);
    }

    private static Head head(int id, int width, int height, int x, int y) {
        return new Head(id, 0, width, height, x, y, 0);
    }

    /** The messages written to {@code fd} after the first {@code skip}, as "type" or, for MONITORS_CONFIG, its heads. */
    private List<String> messages(int fd, int skip) {
        ByteBuffer b = ByteBuffer.wrap(host.written(fd)).order(ByteOrder.LITTLE_ENDIAN);
        List<String> out = new ArrayList<>();
        while (b.remaining() >= 6) {
            int type = Short.toUnsignedInt(b.getShort());
            int size = b.getInt();
            ByteBuffer body = b.slice(b.position(), size).order(ByteOrder.LITTLE_ENDIAN);
            b.position(b.position() + size);
            if (type == MSG_MONITORS_CONFIG) {
                int count = Short.toUnsignedInt(body.getShort(0));
                StringBuilder s = new StringBuilder("monitors max " + Short.toUnsignedInt(body.getShort(2)));
                for (int i = 0; i < count; i++) {
                    int at = 4 + 28 * i;
                    s.append(String.format(" %d:%dx%d+%d+%d", body.getInt(at), body.getInt(at + 8),
                            body.getInt(at + 12), body.getInt(at + 16), body.getInt(at + 20)));
                }
                out.add(s.toString());
            } else if (type == DisplayMessages.MSG_SURFACE_CREATE) {
                out.add("create " + body.getInt(4) + "x" + body.getInt(8));
            } else if (type == DisplayMessages.MSG_SURFACE_DESTROY) {
                out.add("destroy");
            } else if (type == DisplayMessages.MSG_MARK) {
                out.add("mark");
            }
        }
        return out.subList(Math.min(skip, out.size()), out.size());
    }

    private int count(int fd) {
        return messages(fd, 0).size();
    }

    @Test
    void aNewPrimaryIsNotAnnouncedAsOneHeadOnceTheDriverDescribesItsHeads() {
        int live = connect();
        display.create(primary(1024, 768));
        display.setGuestMonitors(new MonitorsConfig(2, List.of(head(0, 1024, 768, 0, 0))));
        assertEquals(List.of("create 1024x768", "monitors max 1 0:1024x768+0+0", "mark", "monitors max 2 0:1024x768+0+0"),
                messages(live, 0), "before the driver's first config, one head over the surface, as the reference");

        // Head 1 lit: the driver recreates its primary twice as wide, then sends both heads.
        int seen = count(live);
        display.destroy(0);
        display.create(primary(1824, 768));
        display.setGuestMonitors(new MonitorsConfig(2, List.of(head(0, 1024, 768, 0, 0), head(1, 800, 600, 1024, 0))));
        assertEquals(List.of("destroy", "create 1824x768", "mark", "monitors max 2 0:1024x768+0+0 1:800x600+1024+0"),
                messages(live, seen), "no one-head 1824x768 monitor in between");

        // Head 1 off: the driver sends head 0 alone, destroys the primary and recreates it (still 1824 wide, its
        // framebuffers are side by side in it); its heads did not change, so it sends no config after that.
        seen = count(live);
        display.setGuestMonitors(new MonitorsConfig(2, List.of(head(0, 1024, 768, 0, 0))));
        display.destroy(0);
        display.create(primary(1824, 768));
        assertEquals(List.of("monitors max 2 0:1024x768+0+0", "destroy", "create 1824x768", "mark"),
                messages(live, seen), "the client keeps one 1024x768 monitor, not one over the whole surface");

        int late = connect();
        assertEquals(List.of("create 1824x768", "monitors max 2 0:1024x768+0+0", "mark"), messages(late, 0),
                "a client that connects now gets the driver's head (the reference would give it 1824x768)");
    }

    @Test
    void aDriverThatUnloadsGetsOneHeadOverItsNextPrimaryAgain() {
        int live = connect();
        display.create(primary(1024, 768));
        display.setGuestMonitors(new MonitorsConfig(2, List.of(head(0, 1024, 768, 0, 0))));
        display.driverUnloaded();
        display.destroy(0);
        int seen = count(live);
        display.create(primary(720, 400));
        assertEquals(List.of("create 720x400", "monitors max 2 0:720x400+0+0", "mark"), messages(live, seen),
                "VGA mode after the driver: one head, keeping the last max_allowed as the reference");
    }

    @Test
    void aRefusedConfigKeepsTheLastOneButStillMarksTheDriver() {
        int live = connect();
        display.create(primary(1024, 768));
        display.setGuestMonitors(null);
        int seen = count(live);
        display.destroy(0);
        display.create(primary(800, 600));
        assertEquals(List.of("destroy", "create 800x600", "monitors max 1 0:800x600+0+0", "mark"),
                messages(live, seen), "no config of the driver's to keep: what clients have (1024x768) is stale,"
                        + " so the one head over the new surface goes out");
        display.setGuestMonitors(new MonitorsConfig(1, List.of(head(0, 800, 600, 0, 0))));
        seen = count(live);
        display.setGuestMonitors(null);
        display.destroy(0);
        display.create(primary(800, 600));
        assertEquals(List.of("destroy", "create 800x600", "mark"), messages(live, seen),
                "the last accepted config still fits: nothing to send");
    }

    @Test
    void headsAreSentCutToTheSurfaceAndAgainWhenANewSurfaceFitsThemDifferently() {
        int live = connect();
        display.create(primary(1024, 768));
        display.setGuestMonitors(new MonitorsConfig(2, List.of(head(0, 1024, 768, 0, 0), head(1, 800, 600, 1024, 0))));
        assertEquals("monitors max 2 0:1024x768+0+0", messages(live, 0).getLast(),
                "head 1 lies outside the 1024x768 surface the driver has not replaced yet");
        int seen = count(live);
        display.destroy(0);
        display.create(primary(1824, 768));
        assertEquals(List.of("destroy", "create 1824x768", "monitors max 2 0:1024x768+0+0 1:800x600+1024+0", "mark"),
                messages(live, seen), "the wider surface holds head 1: clients learn it without the driver's help");
    }
}
