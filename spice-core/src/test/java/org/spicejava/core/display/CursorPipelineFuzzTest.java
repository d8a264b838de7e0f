package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.spicejava.core.FuzzSeeds;
import org.spicejava.core.channel.ChannelFuzzing;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.link.LinkStage;
import org.spicejava.core.net.FakeSocket;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * A cursor command from fuzzed guest memory through the cursor channel to a connected client, as the display
 * worker runs it: the reader validates it, the channel applies it and the client's encoder writes SET / MOVE /
 * HIDE / TRAIL with its shape cache. The command runs twice, so the second SET of a shape comes from the cache.
 * Only {@link QxlException} may refuse it, and the client must receive whole messages. Input layout as
 * {@link QxlReaderFuzzTest#guestMemory} (the kind byte is ignored: it is always a cursor command).
 */
class CursorPipelineFuzzTest {
    @FuzzTest
    void cursorCommands(byte[] input) {
        if (input.length < 4) {
            return;
        }
        try (GuestRam ram = new GuestRam(input.length)) {
            ram.bytes(0, input);
            CursorChannel cursor = new CursorChannel();
            FakeSocket socket = new FakeSocket();
            LinkMessage link = new LinkMessage(0, 4, 0, new int[] {1 << LinkStage.CAP_MINI_HEADER}, new int[0]);
            CursorChannelClient client = new CursorChannelClient(socket.connection(), link, cursor);
            cursor.addClient(client);
            client.start();
            QxlReader reader = new QxlReader(ram.memory, QxlFuzzing.SURFACES);
            long address = GuestRam.qxl(Short.toUnsignedInt(ByteBuffer.wrap(input).order(ByteOrder.LITTLE_ENDIAN)
                    .getShort(2)));
            for (int i = 0; i < 2; i++) {
                CursorCommand command = (CursorCommand) QxlFuzzing.read(reader, QxlFuzzing.CURSOR, address, 0, 0,
                        null);
                if (command == null) {
                    return;
                }
                cursor.apply(command);
            }
            cursor.init(); // what a new primary surface sends: INIT with the current cursor
            socket.writable();
            assertFalse(socket.closed(), "the client was dropped: " + socket.closeReason());
            ChannelFuzzing.checkServerMessages(socket, true);
        }
    }

    static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        QxlSeeds.all().forEach((name, seed) -> {
            if (seed.kind() == QxlFuzzing.CURSOR) {
                seeds.put(name, seed.ram());
            }
        });
        return seeds;
    }

    public static void main(String[] args) throws Exception {
        FuzzSeeds.write(Path.of(args[0]), CursorPipelineFuzzTest.class, "cursorCommands", seeds());
    }
}
