package org.spicejava.core.vmc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.spicejava.core.chardev.CharDeviceState;
import org.spicejava.core.mainchannel.MainChannelClient.ChannelId;
import org.spicejava.core.net.FakeSocket;
import org.spicejava.core.protocol.ChannelType;
import org.spicejava.core.server.SpiceServer;

/** Which channels the char devices make, with which ids, and how the server wires them. */
class VmcDevicesTest {
    private final VmcFakes.Loop loop = new VmcFakes.Loop();
    private final VmcDevices devices = new VmcDevices(loop, () -> loop);
    private final List<ChannelId> announced = new ArrayList<>();

    VmcDevicesTest() {
        devices.onNewChannel(announced::add);
    }

    private CharDeviceState add(String subtype, String port) {
        CharDeviceState s = VmcFakes.state(subtype, port);
        assertTrue(devices.add(s, new VmcFakes.Host()));
        loop.run();
        return s;
    }

    private static ChannelId id(int type, int id) {
        return new ChannelId(type, id);
    }

    @Test
    void eachDeviceOfATypeGetsTheNextFreeId() {
        CharDeviceState first = add("usbredir", null);
        add("usbredir", null);
        add("port", "org.qemu.monitor.qmp.0");
        add("port", VmcProtocol.WEBDAV_PORT);
        add("port", "com.example.other");
        add("smartcard", null);
        assertEquals(List.of(id(ChannelType.SMARTCARD, 0), id(ChannelType.USBREDIR, 0), id(ChannelType.USBREDIR, 1),
                id(ChannelType.PORT, 0), id(ChannelType.PORT, 1), id(ChannelType.WEBDAV, 0)), devices.channels());
        assertEquals(6, announced.size());

        devices.remove(first);
        loop.run();
        assertTrue(!devices.channels().contains(id(ChannelType.USBREDIR, 0)));
        add("usbredir", null);
        assertTrue(devices.channels().contains(id(ChannelType.USBREDIR, 0)), "a freed id is used again");
        assertEquals(id(ChannelType.USBREDIR, 0), announced.get(announced.size() - 1));
    }

    @Test
    void theStreamingPortMakesNoChannel() {
        add("port", VmcProtocol.STREAM_PORT);
        assertEquals(List.of(), devices.channels());
        assertEquals(List.of(), announced);
    }

    @Test
    void capabilities() {
        assertArrayEquals(new int[] {1}, VmcDevices.caps(ChannelType.USBREDIR));
        assertArrayEquals(new int[] {1}, VmcDevices.caps(ChannelType.PORT));
        assertArrayEquals(new int[] {1}, VmcDevices.caps(ChannelType.WEBDAV));
        assertArrayEquals(new int[0], VmcDevices.caps(ChannelType.SMARTCARD));
    }

    @Test
    void linkingAChannelNoDeviceMakesIsRefused() {
        add("usbredir", null);
        FakeSocket socket = new FakeSocket();
        assertTrue(devices.link(socket.connection(), VmcFakes.link(ChannelType.USBREDIR, 1, 0), true).isEmpty());
        assertTrue(devices.link(socket.connection(), VmcFakes.link(ChannelType.SMARTCARD, 0, 0), true).isEmpty());
        assertTrue(devices.link(socket.connection(), VmcFakes.link(ChannelType.USBREDIR, 0, 0), true).isPresent());
    }

    @Test
    void theServerAttachesTheSubtypesReferenceStyle() {
        SpiceServer server = new SpiceServer();
        assertTrue(server.addCharDevice("usbredir", null).isPresent());
        assertTrue(server.addCharDevice("port", "org.spice-space.webdav.0").isPresent());
        assertTrue(server.addCharDevice("smartcard", null).isPresent());
        assertTrue(server.addCharDevice("vdagent", null).isPresent());
        assertEquals(List.of(id(ChannelType.SMARTCARD, 0), id(ChannelType.USBREDIR, 0), id(ChannelType.WEBDAV, 0)),
                server.vmc().channels());
        CharDeviceState usb = server.charDevices().get(0);
        server.removeCharDevice(usb);
        assertEquals(List.of(id(ChannelType.SMARTCARD, 0), id(ChannelType.WEBDAV, 0)), server.vmc().channels());
        for (int i = 1; i < Vsc.MAX_READERS; i++) {
            assertTrue(server.addCharDevice("smartcard", null).isPresent());
        }
        assertTrue(server.addCharDevice("smartcard", null).isEmpty(), "the 11th reader is refused");
    }
}
