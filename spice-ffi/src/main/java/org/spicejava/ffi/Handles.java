package org.spicejava.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.spicejava.core.server.SpiceServer;

/**
 * Maps the pointers the host holds to Java objects: the SpiceServer* we hand out, and every device instance the
 * host added (keyed by its SpiceBaseInstance address). Any thread may look up; entries change on the main loop.
 */
final class Handles {
    /** What a device instance pointer was registered as. */
    record Device(ServerBinding server, Object state) {
    }

    /** A server and the native memory that stands for it. */
    record ServerBinding(SpiceServer server, Arena arena, MemorySegment handle) {
    }

    private static final AddressTable<ServerBinding> SERVERS = new AddressTable<>();
    private static final AddressTable<Device> DEVICES = new AddressTable<>();

    private Handles() {
    }

    static MemorySegment newServer() {
        Arena arena = Arena.ofShared();
        MemorySegment handle = arena.allocate(16, 8); // opaque: the host only passes it back
        SERVERS.put(handle.address(), new ServerBinding(new SpiceServer(), arena, handle));
        return handle;
    }

    /** The server for a pointer the host passed; throws for a pointer we never handed out. */
    static ServerBinding server(MemorySegment handle) {
        ServerBinding binding = SERVERS.get(handle.address());
        if (binding == null) {
            throw new IllegalArgumentException("unknown SpiceServer pointer 0x" + Long.toHexString(handle.address()));
        }
        return binding;
    }

    static ServerBinding removeServer(MemorySegment handle) {
        ServerBinding binding = SERVERS.remove(handle.address());
        if (binding != null) {
            DEVICES.removeIf(d -> d.server() == binding);
        }
        return binding;
    }

    static void addDevice(MemorySegment instance, ServerBinding server, Object state) {
        DEVICES.put(instance.address(), new Device(server, state));
    }

    static Device device(MemorySegment instance) {
        return DEVICES.get(instance.address());
    }

    static Device removeDevice(MemorySegment instance) {
        return DEVICES.remove(instance.address());
    }

    /** The state registered for an instance if it has the expected type, else null. */
    static <T> T state(MemorySegment instance, Class<T> type) {
        Device device = DEVICES.get(instance.address());
        return device != null && type.isInstance(device.state()) ? type.cast(device.state()) : null;
    }
}
