package org.spicejava.ffi;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import org.spicejava.ffi.layout.SpiceMigrateInterface;
import org.spicejava.core.device.MigrationDevice;

/** The host's SpiceMigrateInterface notifications. Main-loop thread only. */
final class NativeMigration {
    private static final MethodHandle VOID_P = Native.pointerCall(FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));

    private NativeMigration() {
    }

    static MigrationDevice of(MemorySegment sin) {
        MemorySegment connect = NativeInputs.function(sin, SpiceMigrateInterface.migrate_connect_complete$OFFSET);
        MemorySegment end = NativeInputs.function(sin, SpiceMigrateInterface.migrate_end_complete$OFFSET);
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
