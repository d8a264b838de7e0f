package org.spicejava.ffi;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import org.spicejava.core.device.MigrationDevice;

/** SpiceMigrateInterface: migrate_connect_complete@24, migrate_end_complete@32. Main-loop thread only. */
final class NativeMigration {
    private static final MethodHandle VOID_P = Native.pointerCall(FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));

    private NativeMigration() {
    }

    static MigrationDevice of(MemorySegment sin) {
        MemorySegment connect = NativeInputs.function(sin, 24);
        MemorySegment end = NativeInputs.function(sin, 32);
        return new MigrationDevice() {
            @Override
            public void connectComplete() {
                if (!connect.equals(MemorySegment.NULL)) {
                    NativeInputs.call(() -> { VOID_P.invokeExact(connect, sin); });
                }
            }

            @Override
            public void endComplete() {
                if (!end.equals(MemorySegment.NULL)) {
                    NativeInputs.call(() -> { VOID_P.invokeExact(end, sin); });
                }
            }
        };
    }
}
