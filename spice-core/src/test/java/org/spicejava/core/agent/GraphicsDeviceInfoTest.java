package org.spicejava.core.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class GraphicsDeviceInfoTest {
    @Test
    void eachDisplayOfADeviceWithAnAddressIsListed() {
        byte[] info = GraphicsDeviceInfo.encode(List.of(new GraphicsDeviceInfo.Device(0, "pci/0000/01.0", 4, 2),
                new GraphicsDeviceInfo.Device(1, "", 0, 1)));
        byte[] address = "pci/0000/01.0\0".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer want = ByteBuffer.allocate(4 + 2 * (16 + address.length)).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(2);
        want.putInt(0).putInt(0).putInt(4).putInt(address.length).put(address);
        want.putInt(0).putInt(1).putInt(5).putInt(address.length).put(address);
        assertArrayEquals(want.array(), info);
    }

    @Test
    void noAddressGivesAnEmptyList() {
        assertArrayEquals(new byte[4], GraphicsDeviceInfo.encode(List.of(new GraphicsDeviceInfo.Device(0, "", 0, 1))));
    }
}
