package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.spicejava.core.compress.GlzWindow;
import org.spicejava.core.FuzzSeeds;
import org.spicejava.core.display.draw.Drawable;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.link.LinkStage;
import org.spicejava.core.net.FakeSocket;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * A drawable from fuzzed guest memory through everything after the reader, as the display worker runs it: the
 * display channel checks it against its surface, the renderer draws it (now or deferred), and the message encoder
 * writes it for a connected client. Only {@link QxlException} may refuse it; the renderer works on a surface whose
 * memory is exactly its size, so a stray write fails as an out-of-bounds access. Input layout as
 * {@link QxlReaderFuzzTest#guestMemory} (the kind byte is ignored: it is always a drawable; flags bit 7 lets images
 * be used in place).
 */
class DrawPipelineFuzzTest {
    static final int WIDTH = 64;
    static final int HEIGHT = 48;

    @FuzzTest
    void drawables(byte[] input) {
        if (input.length < 4) {
            return;
        }
        try (GuestRam ram = new GuestRam(input.length); Arena arena = Arena.ofConfined()) {
            ram.bytes(0, input);
            DisplayChannel display = new DisplayChannel(0, 4);
            MemorySegment pixels = arena.allocate(4L * WIDTH * HEIGHT, 8);
            display.create(new Surface(0, WIDTH, HEIGHT, Surface.FMT_32_XRGB, 4 * WIDTH, pixels, true));
            FakeSocket socket = new FakeSocket();
            LinkMessage link = new LinkMessage(0, 2, 0, new int[] {1 << LinkStage.CAP_MINI_HEADER},
                    new int[] {DisplayMessages.SERVER_CAPS});
            DisplayChannelClient client = new DisplayChannelClient(socket.connection(), link, display, new GlzWindow());
            display.addClient(client);
            client.start();

            QxlReader reader = new QxlReader(ram.memory, id -> {
                Surface s = display.surface(id);
                return s == null ? null : new int[] {s.width(), s.height()};
            });
            ByteBuffer head = ByteBuffer.wrap(input).order(ByteOrder.LITTLE_ENDIAN);
            long address = GuestRam.qxl(Short.toUnsignedInt(head.getShort(2)));
            // Bit 7 of the flags byte lets images of this group be used in place, as for the host's own memory.
            int flags = head.get(1);
            PixelPool.Lease images = (flags & 0x80) != 0 ? display.pixels().lease(0) : display.pixels().lease();
            try {
                Drawable d = (Drawable) QxlFuzzing.read(reader, QxlFuzzing.DRAWABLE, address, 0, flags & 0x7f,
                        images);
                if (d == null) {
                    images.close();
                    return;
                }
                display.draw(d, images);
                display.drawDeferred();
            } catch (QxlException refused) {
                // refused after reading: the display channel closed the lease
            }
            socket.writable();
            assertFalse(socket.closed(), "the client was dropped: " + socket.closeReason());
            display.destroyAll();
            display.pixels().clear();
        }
    }

    static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        QxlSeeds.all().forEach((name, seed) -> {
            if (seed.kind() == QxlFuzzing.DRAWABLE) {
                seeds.put(name, seed.ram());
            }
        });
        return seeds;
    }

    public static void main(String[] args) throws Exception {
        FuzzSeeds.write(Path.of(args[0]), DrawPipelineFuzzTest.class, "drawables", seeds());
    }
}
