package org.spicejava.core.channel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The message-count flow control of display and cursor channels (SET_ACK / ACK_SYNC / ACK): the client
 * acknowledges every {@link #WINDOW} messages; we stop sending while more than two windows are unacknowledged.
 * Owned by its channel's thread.
 */
public final class AckWindow {
    /** The reference's client window for channels with ack handling. */
    public static final int WINDOW = 20;

    private int generation;
    private int clientGeneration = -1;
    private int unacknowledged;

    /** The SET_ACK body for a new generation: u32 generation, u32 window. Resets the count. */
    public ByteBuffer setAck() {
        generation++;
        unacknowledged = 0;
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(generation).putInt(WINDOW).flip();
    }

    public void onAckSync(int clientGeneration) {
        this.clientGeneration = clientGeneration;
    }

    /** An ACK of the current generation frees one window. */
    public void onAck() {
        if (clientGeneration == generation) {
            unacknowledged = Math.max(0, unacknowledged - WINDOW);
        }
    }

    public void sent() {
        unacknowledged++;
    }

    public boolean blocked() {
        return unacknowledged > 2 * WINDOW;
    }

    public int unacknowledged() {
        return unacknowledged;
    }
}
