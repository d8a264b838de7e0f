package org.spicejava.ffi;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

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
    private static final AddressLayout PTR = ValueLayout.ADDRESS;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final MethodHandle VOID_P_B = Native.pointerCall(FunctionDescriptor.ofVoid(PTR, ValueLayout.JAVA_BYTE));
    private static final MethodHandle INT_P = Native.pointerCall(FunctionDescriptor.of(INT, PTR));
    private static final MethodHandle VOID_P_I = Native.pointerCall(FunctionDescriptor.ofVoid(PTR, INT));
    private static final MethodHandle VOID_P_II = Native.pointerCall(FunctionDescriptor.ofVoid(PTR, INT, INT));
    private static final MethodHandle VOID_P_III = Native.pointerCall(FunctionDescriptor.ofVoid(PTR, INT, INT, INT));
    private static final MethodHandle VOID_P_IIII = Native.pointerCall(FunctionDescriptor.ofVoid(PTR, INT, INT, INT, INT));

    private NativeInputs() {
    }

    /** The interface's function pointer at {@code offset}, read from the instance's sif. */
    static MemorySegment function(MemorySegment instance, long offset) {
        MemorySegment sif = Native.sized(SpiceBaseInstance.sif(instance.reinterpret(SpiceBaseInstance.sizeof())), offset + 8);
        return sif.get(PTR, offset);
    }

    public static Keyboard keyboard(MemorySegment sin) {
        MemorySegment push = function(sin, SpiceKbdInterface.push_scan_freg$OFFSET);
        MemorySegment leds = function(sin, SpiceKbdInterface.get_leds$OFFSET);
        return new Keyboard() {
            @Override
            public void pushScanCode(int code) {
                call(() -> { VOID_P_B.invokeExact(push, sin, (byte) code); });
            }

            @Override
            public int leds() {
                try {
                    return leds.equals(MemorySegment.NULL) ? 0 : (int) INT_P.invokeExact(leds, sin);
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
                call(() -> { VOID_P_IIII.invokeExact(motion, sin, dx, dy, dz, buttonsState); });
            }

            @Override
            public void buttons(int buttonsState) {
                call(() -> { VOID_P_I.invokeExact(buttons, sin, buttonsState); });
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
                call(() -> { VOID_P_II.invokeExact(size, sin, width, height); });
            }

            @Override
            public void position(int x, int y, int buttonsState) {
                call(() -> { VOID_P_III.invokeExact(position, sin, x, y, buttonsState); });
            }

            @Override
            public void wheel(int wheelMotion, int buttonsState) {
                call(() -> { VOID_P_II.invokeExact(wheel, sin, wheelMotion, buttonsState); });
            }

            @Override
            public void buttons(int buttonsState) {
                call(() -> { VOID_P_I.invokeExact(buttons, sin, buttonsState); });
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
