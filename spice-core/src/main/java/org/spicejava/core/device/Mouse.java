package org.spicejava.core.device;

/** The host's relative mouse (SpiceMouseInterface). Called on the main-loop thread. */
public interface Mouse {
    void motion(int dx, int dy, int dz, int buttonsState);

    void buttons(int buttonsState);
}
