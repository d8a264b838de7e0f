package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.spicejava.core.compress.GlzWindow;
import org.spicejava.core.FuzzSeeds;
import org.spicejava.core.channel.ChannelFuzzing;
import org.spicejava.core.channel.ChannelFuzzing.Msg;
import org.spicejava.core.protocol.ChannelType;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The display and cursor channels' client message handling over any stream (layout: {@link ChannelFuzzing}), with
 * a small primary surface and a cursor shape, so acks move real output along.
 */
class DisplayChannelFuzzTest {
    private static final int SIDE = 16;
    private static final MemorySegment PRIMARY = Arena.global().allocate(4L * SIDE * SIDE, 8);

    @FuzzTest
    void displayMessages(byte[] input) {
        DisplayChannel display = new DisplayChannel(0, 4);
        display.create(new Surface(0, SIDE, SIDE, Surface.FMT_32_XRGB, 4 * SIDE, PRIMARY, true));
        ChannelFuzzing.Run run = ChannelFuzzing.run(input, ChannelType.DISPLAY,
                new int[] {DisplayMessages.SERVER_CAPS}, (connection, link) -> {
                    DisplayChannelClient client = new DisplayChannelClient(connection, link, display, new GlzWindow());
                    display.addClient(client);
                    return client;
                });
        int compression = ((DisplayChannelClient) run.client()).preferredCompression();
        assertTrue(compression >= 0 && compression <= 0xff, "compression " + compression);
    }

    @FuzzTest
    void cursorMessages(byte[] input) {
        CursorChannel cursor = new CursorChannel();
        cursor.apply(new CursorCommand.Set(3, 4, true,
                new CursorShape(9, CursorShape.TYPE_ALPHA, 2, 2, 1, 1, new byte[16])));
        ChannelFuzzing.run(input, ChannelType.CURSOR, new int[0], (connection, link) -> {
            CursorChannelClient client = new CursorChannelClient(connection, link, cursor);
            cursor.addClient(client);
            return client;
        });
    }

    static Map<String, byte[]> displaySeeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("client-start", ChannelFuzzing.seed(true, 128,
                Msg.of(DisplayChannelClient.MSGC_INIT, b -> b.put((byte) 1).putLong(1 << 20).put((byte) 1)
                        .putInt(20)),
                Msg.of(DisplayChannelClient.MSGC_PREFERRED_COMPRESSION, b -> b.put((byte) 3)),
                Msg.of(DisplayChannelClient.MSGC_PREFERRED_VIDEO_CODEC_TYPE, b -> b.put((byte) 2).put((byte) 1)
                        .put((byte) 2))));
        seeds.put("acks", ChannelFuzzing.seed(false, 3, ChannelFuzzing.common()));
        seeds.put("reports", ChannelFuzzing.seed(true, 128,
                Msg.of(DisplayChannelClient.MSGC_STREAM_REPORT, b -> b.putInt(1).putInt(2).putInt(3).putInt(4)),
                Msg.empty(DisplayChannelClient.MSGC_GL_DRAW_DONE)));
        seeds.put("short-init", ChannelFuzzing.seed(true, 128, new Msg(DisplayChannelClient.MSGC_INIT, new byte[13])));
        return seeds;
    }

    static Map<String, byte[]> cursorSeeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("acks", ChannelFuzzing.seed(true, 128, ChannelFuzzing.common()));
        seeds.put("unknown-then-disconnecting", ChannelFuzzing.seed(false, 2, Msg.of(101, b -> b.putInt(0)),
                Msg.empty(6)));
        return seeds;
    }

    public static void main(String[] args) throws Exception {
        FuzzSeeds.write(Path.of(args[0]), DisplayChannelFuzzTest.class, "displayMessages", displaySeeds());
        FuzzSeeds.write(Path.of(args[0]), DisplayChannelFuzzTest.class, "cursorMessages", cursorSeeds());
    }
}
