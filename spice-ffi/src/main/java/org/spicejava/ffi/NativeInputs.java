package org.spicejava.ffi;

import java.lang.foreign.MemorySegment;

import org.spicejava.ffi.layout.Pointers;
import org.spicejava.ffi.layout.SpiceBaseInstance;
import org.spicejava.ffi.layout.SpiceKbdInterface;
import org.spicejava.ffi.layout.SpiceMouseInterface;
import org.spicejava.ffi.layout.SpiceTabletInterface;
import org.spicejava.core.device.Keyboard;
import org.spicejava.core.device.Mouse;
import org.spicejava.core.device.Tablet;

/**
 * The host's keyboard, mouse and tablet, called through the function pointers of their interfaces.
 * Main-loop thread only.
 */
public final class NativeInputs {
    private NativeInputs() {
    }

    /** The interface's function pointer at {@code offset}, read from the instance's sif. */
    static MemorySegment function(MemorySegment instance, long offset) {
        MemorySegment sif = Native.sized(SpiceBaseInstance.sif(instance.reinterpret(SpiceBaseInstance.sizeof())), offset + 8);
        return Pointers.get(sif, offset);
    }

    public static Keyboard keyboard(MemorySegment sin) {
        MemorySegment push = function(sin, SpiceKbdInterface.push_scan_freg$OFFSET);
        MemorySegment leds = function(sin, SpiceKbdInterface.get_leds$OFFSET);
        return new Keyboard() {
            @Override
            public void pushScanCode(int code) {
                call(() -> Native.callHost(push, sin.address(), code & 0xff, 0, 0, 0));
            }

            @Override
            public int leds() {
                try {
                    return leds.equals(MemorySegment.NULL) ? 0 : (int) Native.callHost(leds, sin.address(), 0, 0, 0, 0);
                } catch (Throwable t) {
                    throw new IllegalStateException("get_leds failed", t);
                }
            }
        };
    }

    static Mouse mouse(MemorySegment sin) {
        MemorySegment motion = function(sin, SpiceMouseInterface.motion$OFFSET);
        MemorySegment buttons = function(sin, SpiceMouseInterface.buttons$OFFSET);
        return new Mouse() {
            @Override
            public void motion(int dx, int dy, int dz, int buttonsState) {
                call(() -> Native.callHost(motion, sin.address(), dx, dy, dz, buttonsState));
            }

            @Override
            public void buttons(int buttonsState) {
                call(() -> Native.callHost(buttons, sin.address(), buttonsState, 0, 0, 0));
            }
        };
    }

    static Tablet tablet(MemorySegment sin) {
        MemorySegment size = function(sin, SpiceTabletInterface.set_logical_size$OFFSET);
        MemorySegment position = function(sin, SpiceTabletInterface.position$OFFSET);
        MemorySegment wheel = function(sin, SpiceTabletInterface.wheel$OFFSET);
        MemorySegment buttons = function(sin, SpiceTabletInterface.buttons$OFFSET);
        return new Tablet() {
            @Override
            public void setLogicalSize(int width, int height) {
                call(() -> Native.callHost(size, sin.address(), width, height, 0, 0));
            }

            @Override
            public void position(int x, int y, int buttonsState) {
                call(() -> Native.callHost(position, sin.address(), x, y, buttonsState, 0));
            }

            @Override
            public void wheel(int wheelMotion, int buttonsState) {
                call(() -> Native.callHost(wheel, sin.address(), wheelMotion, buttonsState, 0, 0));
            }

            @Override
            public void buttons(int buttonsState) {
                call(() -> Native.callHost(buttons, sin.address(), buttonsState, 0, 0, 0));
            }
        };
    }

    interface Call {
        void run() throws Throwable;
    }

    static void call(Call call) {
        try {
            call.run();
        } catch (Throwable t) {
            throw new IllegalStateException("host device callback failed", t);
        }
    }
}
