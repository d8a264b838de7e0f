package org.spicejava.core.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Framing without sockets: headers in both forms, partial input, limits, exact output bytes. */
class MessageFramerTest {
    record Msg(int type, byte[] body) {
    }

    static List<Msg> decodeAll(MessageFramer framer, ByteBuffer in) {
        List<Msg> out = new ArrayList<>();
        framer.decode(in, (type, body) -> {
            byte[] bytes = new byte[body.remaining()];
            body.get(bytes);
            out.add(new Msg(type, bytes));
        });
        return out;
    }

    @Test
    void miniHeaderMessagesSplitAnywhere() {
        MessageFramer framer = new MessageFramer(true, 100);
        ByteBuffer wire = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        wire.putShort((short) 101).putInt(4).putInt(0x1e);
        wire.putShort((short) 2).putInt(0);
        wire.flip();
        byte[] bytes = new byte[wire.remaining()];
        wire.get(bytes);
        for (int split = 0; split <= bytes.length; split++) {
            ByteBuffer in = ByteBuffer.allocate(64);
            in.put(bytes, 0, split).flip();
            List<Msg> got = new ArrayList<>(decodeAll(framer, in));
            in.compact().put(bytes, split, bytes.length - split).flip();
            got.addAll(decodeAll(framer, in));
            assertEquals(2, got.size(), "split at " + split);
            assertEquals(101, got.get(0).type());
            assertArrayEquals(new byte[] {0x1e, 0, 0, 0}, got.get(0).body());
            assertEquals(2, got.get(1).type());
            assertEquals(0, in.remaining(), "nothing left over");
        }
    }

    @Test
    void fullHeaderIsRead() {
        MessageFramer framer = new MessageFramer(false, 100);
        ByteBuffer in = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        in.putLong(1).putShort((short) 104).putInt(2).putInt(0).putShort((short) 3).flip();
        List<Msg> got = decodeAll(framer, in);
        assertEquals(1, got.size());
        assertEquals(104, got.get(0).type());
        assertArrayEquals(new byte[] {3, 0}, got.get(0).body());
    }

    @Test
    void oversizedDeclarationIsRefusedBeforeTheBodyArrives() {
        MessageFramer framer = new MessageFramer(true, 100);
        ByteBuffer in = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 1).putInt(-1).flip();
        assertThrows(MessageFramer.FramingException.class, () -> framer.decode(in, (t, b) -> { }));
    }

    @Test
    void encodesExactBytes() {
        ByteBuffer body = ByteBuffer.wrap(new byte[] {4, 0});
        ByteBuffer mini = new MessageFramer(true, 100).encode(9, 101, body);
        assertArrayEquals(new byte[] {101, 0, 2, 0, 0, 0, 4, 0}, toArray(mini));
        ByteBuffer full = new MessageFramer(false, 100).encode(9, 101, body);
        assertArrayEquals(new byte[] {9, 0, 0, 0, 0, 0, 0, 0, 101, 0, 2, 0, 0, 0, 0, 0, 0, 0, 4, 0}, toArray(full));
    }

    static byte[] toArray(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
