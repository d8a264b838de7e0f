package org.spicejava.core.chardev;

import java.nio.ByteBuffer;

/**
 * The host side of one char device (SpiceCharDeviceInterface): the guest's byte stream and its open state.
 * {@link #write}, {@link #state} and {@link #event} are called on the main-loop thread. {@link #read} is called
 * there too, and also on the thread that calls spice_server_char_device_wakeup: QEMU hands its buffered guest bytes
 * to the server only for the duration of that call (its chardev sets a pointer, wakes the server, and counts what
 * was read when the call returns), as the reference reads them there.
 */
public interface CharDeviceHost {
    /** Reads up to {@code dst.remaining()} bytes into {@code dst}; returns how many (0: nothing now). */
    int read(ByteBuffer dst);

    /** Writes from {@code src}; returns how many bytes the device took (0: full, try again later). */
    int write(ByteBuffer src);

    /** Tells the device whether the server side is connected (sif->state). */
    void state(boolean connected);

    /** A port event for named ports (sif->event, interface minor 2 and later). */
    void event(int event);
}
