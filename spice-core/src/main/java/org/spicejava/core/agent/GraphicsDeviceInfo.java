package org.spicejava.core.agent;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The body of VD_AGENT_GRAPHICS_DEVICE_INFO, as the reference marshals it: u32 count, then for each display of each
 * device that has an address a VDAgentDeviceDisplayInfo (u32 channel id, u32 monitor id, u32 device display id,
 * u32 address length with its NUL, the address and its NUL). The guest's agent maps client monitors to its outputs
 * with it.
 */
public final class GraphicsDeviceInfo {
    private GraphicsDeviceInfo() {
    }

    /** One QXL device: its display channel id, address (empty: not known yet) and display ids. */
    public record Device(int channelId, String address, int firstDisplayId, int displayCount) {
    }

    public static byte[] encode(List<Device> devices) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer word = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        out.writeBytes(new byte[4]); // the count, set at the end
        int count = 0;
        for (Device d : devices) {
            byte[] address = (d.address() + "\0").getBytes(StandardCharsets.UTF_8);
            if (address.length == 1) {
                continue;
            }
            for (int monitor = 0; monitor < d.displayCount(); monitor++) {
                for (int v : new int[] {d.channelId(), monitor, d.firstDisplayId() + monitor, address.length}) {
                    out.writeBytes(word.putInt(0, v).array());
                }
                out.writeBytes(address);
                count++;
            }
        }
        byte[] info = out.toByteArray();
        ByteBuffer.wrap(info).order(ByteOrder.LITTLE_ENDIAN).putInt(0, count);
        return info;
    }
}
