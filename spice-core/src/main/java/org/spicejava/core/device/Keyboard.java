package org.spicejava.core.device;

/** The host's keyboard (SpiceKbdInterface). Called on the main-loop thread. */
public interface Keyboard {
    /** One byte of a PC scancode sequence (extended keys arrive as 0xe0 then the code). */
    void pushScanCode(int code);

    /** The guest's LED state, as SPICE_KEYBOARD_MODIFIER_FLAGS_* bits. */
    int leds();
}
