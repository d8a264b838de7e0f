package org.spicejava.core.device;

/** The host's absolute pointer (SpiceTabletInterface). Called on the main-loop thread. */
public interface Tablet {
    void setLogicalSize(int width, int height);

    void position(int x, int y, int buttonsState);

    void wheel(int wheelMotion, int buttonsState);

    void buttons(int buttonsState);
}
