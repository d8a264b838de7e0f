package org.spicejava.core.display;

import java.nio.ByteBuffer;
import java.util.LinkedHashSet;
import java.util.SequencedSet;

import org.spicejava.core.channel.ChannelClient;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.net.SocketConnection;

/**
 * One client's cursor channel (the reference's CursorChannelClient), on the display worker's loop: INIT with the
 * current cursor, then SET / MOVE / HIDE / TRAIL as commands arrive. Shapes with a unique id are cached by the
 * client; we keep a model of its cache (least recently used first) and send INVAL_ONE when we evict. While the ack
 * window is full nothing is queued: the client gets the latest state once it catches up.
 */
public final class CursorChannelClient extends ChannelClient {
    /** SPICE_MSG_CURSOR_*. */
    static final int MSG_INIT = 101;
    static final int MSG_RESET = 102;
    static final int MSG_SET = 103;
    static final int MSG_MOVE = 104;
    static final int MSG_HIDE = 105;
    static final int MSG_TRAIL = 106;
    static final int MSG_INVAL_ONE = 107;
    /** SPICE_CURSOR_FLAGS_*. */
    static final int FLAG_NONE = 1;
    static final int FLAG_CACHE_ME = 2;
    static final int FLAG_FROM_CACHE = 4;
    /** Shapes we let one client cache (the reference's CLIENT_CURSOR_CACHE_SIZE). */
    static final int CACHE_SIZE = 256;
    public static final int MAX_CLIENT_MESSAGE = 4096;

    private final CursorChannel cursor;
    private final SequencedSet<Long> cached = new LinkedHashSet<>();
    private boolean behind;

    public CursorChannelClient(SocketConnection connection, LinkMessage link, CursorChannel cursor) {
        super(connection, link, MAX_CLIENT_MESSAGE, true);
        this.cursor = cursor;
    }

    @Override
    protected void onStart() {
        sendSetAck();
        sendInit();
    }

    /** INIT: the whole cursor state; sent on connect and again whenever a primary surface is created. */
    void sendInit() {
        if (closed()) {
            return;
        }
        behind = false;
        CursorChannel.State s = cursor.state();
        ByteBuffer init = body(9 + cursorBytes(s.shape())).putShort((short) s.x()).putShort((short) s.y())
                .putShort((short) s.trailLength()).putShort((short) s.trailFrequency()).put((byte) (s.visible() ? 1 : 0));
        putCursor(init, s.shape());
        sendCounted(MSG_INIT, init.flip());
    }

    void update(CursorCommand command) {
        if (closed()) {
            return;
        }
        if (ackBlocked()) {
            behind = true;
            return;
        }
        switch (command) {
            case CursorCommand.Set s -> sendSet(s.x(), s.y(), s.visible(), s.shape());
            case CursorCommand.Move m -> sendCounted(MSG_MOVE, body(4).putShort((short) m.x()).putShort((short) m.y())
                    .flip());
            case CursorCommand.Hide h -> sendCounted(MSG_HIDE, body(0));
            case CursorCommand.Trail t -> sendCounted(MSG_TRAIL, body(4).putShort((short) t.length())
                    .putShort((short) t.frequency()).flip());
        }
    }

    private void sendSet(int x, int y, boolean visible, CursorShape shape) {
        ByteBuffer set = body(5 + cursorBytes(shape)).putShort((short) x).putShort((short) y)
                .put((byte) (visible ? 1 : 0));
        putCursor(set, shape);
        sendCounted(MSG_SET, set.flip());
    }

    void reset() {
        cached.clear();
        if (!closed()) {
            sendCounted(MSG_RESET, body(0));
        }
    }

    private int cursorBytes(CursorShape shape) {
        return shape == null ? 2 : 2 + 17 + (cached.contains(shape.unique()) ? 0 : shape.data().length);
    }

    /** Cursor: u16 flags, then (unless NONE) header {u64 unique, u8 type, u16 w, u16 h, u16 hot x, y} and data. */
    private void putCursor(ByteBuffer out, CursorShape shape) {
        if (shape == null) {
            out.putShort((short) FLAG_NONE);
            return;
        }
        long unique = shape.unique();
        boolean fromCache = unique != 0 && cached.contains(unique);
        int flags = 0;
        if (fromCache) {
            flags = FLAG_FROM_CACHE;
            cached.remove(unique);
            cached.add(unique); // most recently used
        } else if (unique != 0) {
            flags = FLAG_CACHE_ME;
            if (cached.size() >= CACHE_SIZE) {
                long evicted = cached.removeFirst();
                sendCounted(MSG_INVAL_ONE, body(8).putLong(evicted).flip());
            }
            cached.add(unique);
        }
        out.putShort((short) flags).putLong(unique).put((byte) shape.type()).putShort((short) shape.width())
                .putShort((short) shape.height()).putShort((short) shape.hotX()).putShort((short) shape.hotY());
        if (!fromCache) {
            out.put(shape.data());
        }
    }

    @Override
    protected void onAckWindowMoved() {
        if (behind && !ackBlocked()) {
            behind = false;
            CursorChannel.State s = cursor.state();
            sendSet(s.x(), s.y(), s.visible(), s.shape());
        }
    }

    @Override
    protected boolean handle(int type, ByteBuffer body) {
        return false; // the cursor channel has no client messages of its own
    }
}
