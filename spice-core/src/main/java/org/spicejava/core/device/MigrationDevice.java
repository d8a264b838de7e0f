package org.spicejava.core.device;

/** The host's migration notifications (SpiceMigrateInterface). Called on the main-loop thread. */
public interface MigrationDevice {
    void connectComplete();

    void endComplete();
}
