package org.spicejava.core.display;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Builds a message body the way SPICE's marshaller lays it out: a fixed part, in which each pointer field is a u32
 * offset from the start of the body, and the pointed-to data appended after the fixed part in the order the
 * pointers were written. Little-endian.
 */
final class WireWriter {
    private ByteBuffer out;
    private final List<Deferred> deferred = new ArrayList<>();

    private record Deferred(int position, Consumer<WireWriter> writer) {
    }

    WireWriter(int capacity) {
        out = ByteBuffer.allocate(Math.max(64, capacity)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private void room(int bytes) {
        if (out.remaining() < bytes) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + bytes))
                    .order(ByteOrder.LITTLE_ENDIAN);
            out.flip();
            out = bigger.put(out);
        }
    }

    WireWriter u8(int v) {
        room(1);
        out.put((byte) v);
        return this;
    }

    WireWriter u16(int v) {
        room(2);
        out.putShort((short) v);
        return this;
    }

    WireWriter u32(int v) {
        room(4);
        out.putInt(v);
        return this;
    }

    WireWriter u64(long v) {
        room(8);
        out.putLong(v);
        return this;
    }

    WireWriter bytes(ByteBuffer b) {
        room(b.remaining());
        out.put(b.duplicate());
        return this;
    }

    /** Pixels as little-endian u32s. */
    WireWriter ints(int[] values) {
        room(4 * values.length);
        out.asIntBuffer().put(values);
        out.position(out.position() + 4 * values.length);
        return this;
    }

    /** A pointer field: its target is written by {@code target} once the fixed part is done; null writes 0. */
    WireWriter pointer(Consumer<WireWriter> target) {
        if (target == null) {
            return u32(0);
        }
        deferred.add(new Deferred(out.position(), target));
        return u32(0);
    }

    int position() {
        return out.position();
    }

    /** Appends the pointed-to parts (which may defer more) and returns the body, ready to read. */
    ByteBuffer finish() {
        for (int i = 0; i < deferred.size(); i++) {
            Deferred d = deferred.get(i);
            out.putInt(d.position(), out.position());
            d.writer().accept(this);
        }
        deferred.clear();
        return out.flip();
    }
}
