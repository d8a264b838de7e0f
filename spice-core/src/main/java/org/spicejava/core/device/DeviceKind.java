package org.spicejava.core.device;

import java.util.Optional;

/**
 * The interface kinds a host can add, with the type string and version the server implements
 * (SPICE_INTERFACE_* in spice-server's headers). A host's major version must match exactly and its minor
 * version may not exceed ours, as the reference checks in spice_server_add_interface.
 */
public enum DeviceKind {
    KEYBOARD("keyboard", 1, 1),
    MOUSE("mouse", 1, 1),
    TABLET("tablet", 1, 1),
    QXL("qxl", 3, 3),
    PLAYBACK("playback", 1, 3),
    RECORD("record", 2, 3),
    CHAR_DEVICE("char_device", 1, 3),
    MIGRATION("migration", 1, 1);

    private final String type;
    private final int major;
    private final int minor;

    DeviceKind(String type, int major, int minor) {
        this.type = type;
        this.major = major;
        this.minor = minor;
    }

    public String type() {
        return type;
    }

    public int major() {
        return major;
    }

    public int minor() {
        return minor;
    }

    public boolean accepts(int hostMajor, int hostMinor) {
        return hostMajor == major && hostMinor <= minor;
    }

    public static Optional<DeviceKind> ofType(String type) {
        for (DeviceKind kind : values()) {
            if (kind.type.equals(type)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }
}
