package org.spicejava.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

class VideoCodecOrderTest {
    @Test
    void theServersCodecListBecomesCodecTypesInItsOrder() {
        SpiceServer server = new SpiceServer();
        server.config().setVideoCodecs("gstreamer:h264;spice:mjpeg;gstreamer:mjpeg;spice:vp8;gstreamer:vp9");
        assertEquals(List.of(3, 1, 4), server.videoCodecOrder(),
                "repeats count once; the spice encoder makes only MJPEG, as the reference's");
    }
}
