package org.spicejava.core.display;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Builds a message body the way SPICE's marshaller lays it out: a fixed part, in which each pointer field is a u32
 * offset from the start of the body, and the pointed-to data appended after the fixed part in the order the
 * pointers were written. Large pixel data is not copied: it becomes a part of its own that views the image's
 * memory. Little-endian.
 */
final class WireWriter {
    private final List<ByteBuffer> parts = new ArrayList<>();
    private final List<Deferred> deferred = new ArrayList<>();
    private final List<int[]> patches = new ArrayList<>();
    private ByteBuffer out;
    private int flushed;

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

    /** Appends {@code data} as a part of its own, without copying; it must stay valid until the message is sent. */
    WireWriter external(MemorySegment data) {
        closePart();
        parts.add(data.asByteBuffer());
        flushed += (int) data.byteSize();
        out = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        return this;
    }

    private void closePart() {
        if (out.position() > 0) {
            flushed += out.position();
            parts.add(out.flip());
        }
    }

    /** A pointer field of the fixed part: its target is written by {@code target} after it; null writes 0. */
    WireWriter pointer(Consumer<WireWriter> target) {
        if (target == null) {
            return u32(0);
        }
        if (!parts.isEmpty()) {
            throw new IllegalStateException("pointers belong to the fixed part");
        }
        deferred.add(new Deferred(out.position(), target));
        return u32(0);
    }

    int position() {
        return flushed + out.position();
    }

    /** Appends the pointed-to parts and returns the body's parts, ready to read. */
    ByteBuffer[] finish() {
        for (Deferred d : deferred) {
            patches.add(new int[] {d.position(), position()});
            d.writer().accept(this);
        }
        deferred.clear();
        closePart();
        if (parts.isEmpty()) {
            parts.add(ByteBuffer.allocate(0));
        }
        ByteBuffer fixed = parts.getFirst();
        for (int[] p : patches) {
            fixed.putInt(p[0], p[1]);
        }
        return parts.toArray(ByteBuffer[]::new);
    }

    /** The body as one buffer (small messages). */
    ByteBuffer finishOne() {
        ByteBuffer[] all = finish();
        if (all.length == 1) {
            return all[0];
        }
        throw new IllegalStateException("message has external parts");
    }
}
