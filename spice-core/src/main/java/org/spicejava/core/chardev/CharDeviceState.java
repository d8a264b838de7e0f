package org.spicejava.core.chardev;

import java.util.List;
import java.util.function.IntConsumer;

/**
 * One char device the host added (the reference's RedCharDevice): its subtype and port name, whether the guest
 * side is open, and whether the device has data waiting that the server has not read yet (a wakeup with no client
 * to read for is remembered, not lost). Touched on the main-loop thread and by vCPU threads, hence volatile.
 */
public final class CharDeviceState {
    /** What spice_server_char_device_recognized_subtypes lists, in the Debian build's order. */
    public static final List<String> RECOGNIZED_SUBTYPES = List.of("vdagent", "smartcard", "usbredir");
    /** What add_interface attaches: the recognized subtypes plus named ports (spiceport). */
    public static final List<String> ATTACHABLE_SUBTYPES = List.of("vdagent", "smartcard", "usbredir", "port");
    /** SPICE_PORT_EVENT_*. */
    public static final int PORT_EVENT_OPENED = 0;
    public static final int PORT_EVENT_CLOSED = 1;
    public static final int PORT_EVENT_BREAK = 2;

    private final String subtype;
    private final String portName;
    private volatile boolean running;
    private volatile boolean portOpen;
    private volatile boolean dataPending;
    private volatile int breaks;
    private volatile Runnable onWakeup = () -> { };
    private volatile IntConsumer onPortEvent = e -> { };
    private volatile Runnable onRunning = () -> { };

    public CharDeviceState(String subtype, String portName) {
        this.subtype = subtype;
        this.portName = portName;
    }

    public String subtype() {
        return subtype;
    }

    public String portName() {
        return portName;
    }

    public void setRunning(boolean value) {
        running = value;
        onRunning.run();
    }

    /** What runs after the VM started or stopped (the device's data path catches up). */
    public void onRunning(Runnable handler) {
        onRunning = handler;
    }

    /** What spice_server_port_event runs besides tracking the state: the port's channel hears every event. */
    public void onPortEvent(IntConsumer handler) {
        onPortEvent = handler;
    }

    public boolean running() {
        return running;
    }

    /** spice_server_char_device_wakeup, on any thread: the device's handler (the agent's) reads there. */
    public void wakeup() {
        dataPending = true;
        onWakeup.run();
    }

    /** What a wakeup runs besides remembering it (the device that owns the data path). */
    public void onWakeup(Runnable handler) {
        onWakeup = handler;
    }

    public boolean dataPending() {
        return dataPending;
    }

    /** Returns false for an event number the protocol does not define (it is passed on all the same). */
    public boolean portEvent(int event) {
        onPortEvent.accept(event);
        switch (event) {
            case PORT_EVENT_OPENED -> portOpen = true;
            case PORT_EVENT_CLOSED -> portOpen = false;
            case PORT_EVENT_BREAK -> breaks++;
            default -> {
                return false;
            }
        }
        return true;
    }

    public boolean portOpen() {
        return portOpen;
    }

    public int breaks() {
        return breaks;
    }
}
