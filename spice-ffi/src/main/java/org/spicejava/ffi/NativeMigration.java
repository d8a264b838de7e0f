package org.spicejava.ffi;

import java.lang.foreign.MemorySegment;

import org.spicejava.ffi.layout.SpiceMigrateInterface;
import org.spicejava.core.device.MigrationDevice;

/** The host's SpiceMigrateInterface notifications. Main-loop thread only. */
final class NativeMigration {

    private NativeMigration() {
    }

    static MigrationDevice of(MemorySegment sin) {
        MemorySegment connect = NativeInputs.function(sin, SpiceMigrateInterface.migrate_connect_complete$OFFSET);
        MemorySegment end = NativeInputs.function(sin, SpiceMigrateInterface.migrate_end_complete$OFFSET);
        return new MigrationDevice() {
            @Override
            public void connectComplete() {
                if (!connect.equals(MemorySegment.NULL)) {
                    NativeInputs.call(() -> Native.callHost(connect, sin.address(), 0, 0, 0, 0));
                }
            }

            @Override
            public void endComplete() {
                if (!end.equals(MemorySegment.NULL)) {
                    NativeInputs.call(() -> Native.callHost(end, sin.address(), 0, 0, 0, 0));
                }
            }
        };
    }
}
