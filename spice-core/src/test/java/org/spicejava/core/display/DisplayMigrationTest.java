package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.spicejava.core.channel.ChannelClient;
import org.spicejava.core.channel.MessageFramer;
import org.spicejava.core.compress.GlzWindow;
import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.core.display.draw.DrawOp;
import org.spicejava.core.display.draw.Drawable;
import org.spicejava.core.display.draw.Mask;
import org.spicejava.core.display.draw.Rect;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.migration.MigrationData;
import org.spicejava.core.net.FakeSocket;

/**
 * A display channel in a seamless migration. Source: MIGRATE goes out after what was queued, then (after the
 * client's FLUSH_MARK) the reference's display data: the serial, the client's pixmap cache and GLZ dictionary from
 * its DISPLAY_INIT, the id the next GLZ image gets, the surfaces it has. Destination: nothing but SET_ACK and
 * INVAL_ALL_PALETTES until that data comes; then the pixmap cache is emptied, GLZ ids go on from the source's, and
 * what the display drew meanwhile follows (or, when that was too much, the surfaces are painted again without
 * being recreated).
 */
class DisplayMigrationTest {
    static final int W = 160;
    static final int H = 100;
    private final Arena arena = Arena.ofShared();

    @AfterEach
    void close() {
        arena.close();
    }

    DisplayChannel display() {
        DisplayChannel display = new DisplayChannel(0, 4);
        MemorySegment pixels = arena.allocate(4L * W * H);
        for (int i = 0; i < W * H; i++) {
            pixels.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, (i * 2654435761L % 7 == 0) ? 0x00ff8040 : 0x102030);
        }
        display.create(new Surface(0, W, H, Surface.FMT_32_XRGB, 4 * W, pixels, true));
        return display;
    }

    static byte[] framed(int type, ByteBuffer body) {
        ByteBuffer b = new MessageFramer(true, 1 << 20).encode(1, type, body);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    record Msg(int type, ByteBuffer body) {
    }

    /** The mini-header messages in what the socket got since {@code from} bytes. */
    static List<Msg> messages(FakeSocket socket, int from) {
        byte[] all = socket.written();
        ByteBuffer in = ByteBuffer.wrap(all, from, all.length - from).order(ByteOrder.LITTLE_ENDIAN);
        List<Msg> out = new ArrayList<>();
        while (in.remaining() >= 6) {
            int type = Short.toUnsignedInt(in.getShort());
            byte[] body = new byte[in.getInt()];
            in.get(body);
            out.add(new Msg(type, ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN)));
        }
        return out;
    }

    static List<Integer> types(List<Msg> messages) {
        return messages.stream().map(Msg::type).toList();
    }

    DisplayChannelClient client(FakeSocket socket, DisplayChannel display, GlzWindow glz) {
        DisplayChannelClient c = new DisplayChannelClient(socket.connection(),
                new LinkMessage(7, 2, 0, new int[] {0b1011}, new int[0]), display, glz);
        display.addClient(c);
        return c;
    }

    @Test
    void theSourceHandsOverWhatTheClientHas() throws Exception {
        DisplayChannel display = display();
        FakeSocket socket = new FakeSocket();
        GlzWindow glz = new GlzWindow();
        DisplayChannelClient c = client(socket, display, glz);
        c.start();
        // DISPLAY_INIT: pixmap cache 1 of 20,000,000 pixels, GLZ dictionary 1 with a 3,000,000-pixel window.
        socket.receive(framed(101, ByteBuffer.allocate(14).order(ByteOrder.LITTLE_ENDIAN).put((byte) 1)
                .putLong(20_000_000).put((byte) 1).putInt(3_000_000).flip()), 64);
        socket.writable();
        List<Msg> before = messages(socket, 0);
        assertTrue(types(before).contains(DisplayMessages.MSG_MARK), "the picture went out: " + types(before));
        int sent = before.size();
        int at = socket.written().length;

        c.migrate();
        List<Msg> migrate = messages(socket, at);
        assertEquals(List.of(ChannelClient.MSG_MIGRATE), types(migrate));
        assertEquals(3, migrate.getFirst().body().getInt(0));
        at = socket.written().length;
        socket.receive(framed(ChannelClient.MSGC_MIGRATE_FLUSH_MARK, ByteBuffer.allocate(0)), 64);
        List<Msg> data = messages(socket, at);
        assertEquals(List.of(ChannelClient.MSG_MIGRATE_DATA), types(data));
        MigrationData.Display d = MigrationData.parseDisplay(data.getFirst().body(), false);
        assertEquals(sent + 1, d.messageSerial(), "every message sent, MIGRATE included");
        assertEquals(1, d.pixmapCacheId());
        assertEquals(20_000_000, d.pixmapCacheSize());
        assertTrue(d.pixmapCacheFreezer());
        assertEquals(1, d.glzDictionaryId());
        assertEquals(3_000_000, d.glzWindowPixels());
        assertEquals(glz.nextImageId(), d.glzNextImageId());
        assertEquals(List.of(0), d.surfaces().stream().map(MigrationData.Surface::id).toList());
    }

    /** The client's migration data: it has surface 0, its next GLZ image is 1000. */
    static void migrationData(FakeSocket socket) {
        MigrationData.Display d = new MigrationData.Display(40, false, 1, 20_000_000, true, new long[4], 1,
                3_000_000, 4, 1000, List.of(new MigrationData.Surface(0, null)));
        socket.receive(framed(ChannelClient.MSGC_MIGRATE_DATA, MigrationData.display(d, false)), 1 << 16);
        socket.writable();
    }

    /** QEMU starts the VM at the destination (spice_server_vm_start), after loading its state. */
    static void vmStarts(DisplayChannel display, FakeSocket socket) {
        display.vmStarted();
        socket.writable();
    }

    /** A 16x16 copy at {@code x} that the auto modes compress: GLZ, so it takes the next GLZ id. */
    static void draw(DisplayChannel display, int x) {
        draw(display, x, 16, 16);
    }

    static void draw(DisplayChannel display, int x, int w, int h) {
        int[] values = new int[w * h];
        for (int i = 0; i < values.length; i++) {
            values[i] = (i % 5 == 0) ? 0x00ff8040 : 0x102030 + x;
        }
        display.draw(new Drawable(0, 0, new Rect(0, x, h, x + w), null, new DrawOp.Copy(Bitmap.of(w, h, values,
                false), Rect.ofSize(w, h), DrawOp.ROPD_OP_PUT, 1, Mask.NONE, false), 0), display.pixels().lease());
    }

    @Test
    void theDestinationSendsNothingAgainForWhatTheClientAlreadyShows() throws Exception {
        DisplayChannel display = display();
        FakeSocket socket = new FakeSocket();
        DisplayChannelClient c = client(socket, display, new GlzWindow());
        int[] arrived = {0};
        c.awaitMigrationData(() -> arrived[0]++);
        c.start();
        socket.writable();
        assertEquals(List.of(ChannelClient.MSG_SET_ACK, DisplayMessages.MSG_INVAL_ALL_PALETTES),
                types(messages(socket, 0)), "nothing else before the state from the source");
        int at = socket.written().length;

        migrationData(socket);
        vmStarts(display, socket);
        assertEquals(1, arrived[0]);
        assertEquals(List.of(), types(messages(socket, at)),
                "the client shows the picture that moved with the VM; as the reference, nothing is painted again");
    }

    /** A client of {@code display} arriving seamlessly, started; returns how much it had written then. */
    int arriving(FakeSocket socket, DisplayChannel display, GlzWindow glz) {
        DisplayChannelClient c = client(socket, display, glz);
        c.awaitMigrationData(() -> { });
        c.start();
        socket.writable();
        return socket.written().length;
    }

    @Test
    void whatTheDisplayDrawsBeforeTheDataComesIsHeldAndFollowsIt() throws Exception {
        DisplayChannel display = display();
        display.setImageCompression(ImageEncoder.AUTO_GLZ);
        FakeSocket socket = new FakeSocket();
        GlzWindow glz = new GlzWindow();
        int at = arriving(socket, display, glz);
        draw(display, 0); // the VM runs at the destination before the client's data is in
        draw(display, 40);
        socket.writable();
        assertEquals(List.of(), types(messages(socket, at)), "held until the data comes");

        migrationData(socket);
        vmStarts(display, socket);
        List<Msg> after = messages(socket, at);
        assertEquals(List.of(DisplayMessages.MSG_INVAL_ALL_PIXMAPS, DisplayMessages.MSG_DRAW_COPY,
                DisplayMessages.MSG_DRAW_COPY), types(after), "the held draws, in order, on the client's surface");
        assertEquals(1002, glz.nextImageId(), "GLZ ids go on from the source's");
    }

    @Test
    void theDestinationsSurfaceChurnWhileLoadingTheVmIsNotSentAndWhatWasDrawnBeforeItIsDropped() throws Exception {
        DisplayChannel display = display();
        FakeSocket socket = new FakeSocket();
        int at = arriving(socket, display, new GlzWindow());
        draw(display, 0); // on the destination's own screen, before the VM's display state arrived
        display.destroy(0); // QEMU's qxl and VGA load their state: the primary goes and comes again
        display.create(new Surface(0, W, H, Surface.FMT_32_XRGB, 4 * W, arena.allocate(4L * W * H), true));
        draw(display, 40); // the VM's first draw

        migrationData(socket);
        vmStarts(display, socket);
        List<Msg> after = messages(socket, at);
        assertEquals(List.of(DisplayMessages.MSG_INVAL_ALL_PIXMAPS, DisplayMessages.MSG_MARK,
                DisplayMessages.MSG_DRAW_COPY), types(after),
                "the client keeps its surface and picture; the new primary's MARK and the VM's draw follow");
        assertEquals(40, after.getLast().body().getInt(8), "the draw after the churn (its box's left)");
    }

    @Test
    void aChurnAfterTheDataIsKeptFromTheClientUntilTheVmStarts() throws Exception {
        DisplayChannel display = display();
        FakeSocket socket = new FakeSocket();
        int at = arriving(socket, display, new GlzWindow());
        migrationData(socket); // the client's data comes before QEMU has loaded the VM's display state
        draw(display, 0);
        display.destroy(0); // qxl's post-load: the primary goes and comes again, same size
        display.create(new Surface(0, W, H, Surface.FMT_32_XRGB, 4 * W, arena.allocate(4L * W * H), true));
        draw(display, 40);
        assertEquals(List.of(), types(messages(socket, at)), "nothing before the VM starts");

        vmStarts(display, socket);
        List<Msg> after = messages(socket, at);
        assertEquals(List.of(DisplayMessages.MSG_INVAL_ALL_PIXMAPS, DisplayMessages.MSG_MARK,
                DisplayMessages.MSG_DRAW_COPY), types(after),
                "the client keeps its surface and picture; the VM's draw after the churn follows");
        assertEquals(40, after.getLast().body().getInt(8));
    }

    @Test
    void tooMuchHeldMeansTheSurfacesAreSentAgain() throws Exception {
        DisplayChannel display = display();
        FakeSocket socket = new FakeSocket();
        int at = arriving(socket, display, new GlzWindow());
        long limit = DisplayChannelClient.PENDING_LIMIT;
        display.setImageCompression(ImageEncoder.OFF);
        for (long held = 0; held <= limit; held += 4L * W * H) { // raw copies of the whole surface
            draw(display, 0, W, H);
        }

        migrationData(socket);
        vmStarts(display, socket);
        List<Integer> after = types(messages(socket, at));
        assertFalse(after.contains(DisplayMessages.MSG_SURFACE_CREATE), "the client keeps its surface: " + after);
        assertEquals(1, after.stream().filter(t -> t == DisplayMessages.MSG_DRAW_COPY).count(),
                "one copy of the whole surface instead of what was dropped: " + after);
        assertEquals(DisplayMessages.MSG_MARK, after.getLast());
    }

    @Test
    void theDestinationRecreatesASurfaceTheClientDoesNotHave() throws Exception {
        DisplayChannel display = display();
        FakeSocket socket = new FakeSocket();
        DisplayChannelClient c = client(socket, display, new GlzWindow());
        c.awaitMigrationData(() -> { });
        c.start();
        int at = socket.written().length;
        MigrationData.Display d = new MigrationData.Display(1, false, 1, 1000, true, new long[4], 1, 1000, 4, 0,
                List.of(new MigrationData.Surface(3, null)));
        socket.receive(framed(ChannelClient.MSGC_MIGRATE_DATA, MigrationData.display(d, false)), 1 << 16);
        vmStarts(display, socket);
        assertTrue(types(messages(socket, at)).contains(DisplayMessages.MSG_SURFACE_CREATE));
    }
}
