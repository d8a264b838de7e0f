package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** spice_qxl_set_device_info keeps what the reference keeps and refuses what it refuses, telling the agent side. */
class QxlControlDeviceInfoTest {
    private final QxlControl control = new QxlControl(0, null);
    private final AtomicInteger told = new AtomicInteger();

    QxlControlDeviceInfoTest() {
        control.onDeviceInfoChange(told::incrementAndGet);
    }

    @Test
    void anAddressAndItsDisplaysAreKept() {
        control.setDeviceInfo("pci/0000/02.0", 3, 4);
        assertEquals("pci/0000/02.0", control.deviceAddress());
        assertEquals(3, control.displayIdStart());
        assertEquals(4, control.displayIdCount());
        assertEquals(4, control.maxMonitors());
        assertEquals(1, told.get());
    }

    @Test
    void aTooLongAddressOrTooManyDisplaysAreRefused() {
        control.setDeviceInfo("p".repeat(256), 0, 1);
        control.setDeviceInfo("pci/0000/02.0", 0, 17);
        control.setDeviceInfo("pci/0000/02.0", 0, -1);
        control.setDeviceInfo(null, 0, 1);
        assertEquals("", control.deviceAddress());
        assertEquals(MonitorsConfig.MAX_HEADS, control.maxMonitors(), "the reference starts without a limit");
        assertEquals(0, told.get());
        control.setDeviceInfo("p".repeat(255), 0, 16);
        assertEquals(1, told.get());
        control.setDeviceInfo("pci/0000/02.0", 0, 0);
        assertEquals(1, control.maxMonitors(), "QEMU's default max_outputs=0: one head, as MAX(1, 0) in the reference");
    }

    @Test
    void setMaxMonitorsIsAtLeastOneAndAtMostWhatWeAccept() {
        control.setMaxMonitors(0);
        assertEquals(1, control.maxMonitors());
        control.setMaxMonitors(3);
        assertEquals(3, control.maxMonitors());
        control.setMaxMonitors(-1); // UINT_MAX from C
        assertEquals(MonitorsConfig.MAX_HEADS, control.maxMonitors());
    }
}
