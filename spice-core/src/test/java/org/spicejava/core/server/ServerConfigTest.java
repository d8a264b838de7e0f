package org.spicejava.core.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.spicejava.core.net.tls.TlsFiles;

/** Return codes and defaults of the spice_server_set_* options, as the reference gives them. */
class ServerConfigTest {
    private final AtomicLong now = new AtomicLong(1000);
    private final ServerConfig config = new ServerConfig(now::get);

    @Test
    void portRange() {
        assertEquals(-1, config.port());
        assertEquals(0, config.setPort(5900));
        assertEquals(-1, config.setPort(-1));
        assertEquals(-1, config.setPort(65536));
        assertEquals(5900, config.port());
        assertEquals(0, config.setPort(0));
    }

    @Test
    void imageCompressionKeepsOldValueOnInvalidButReturnsZero() {
        assertEquals(ServerConfig.IMAGE_COMPRESSION_AUTO_GLZ, config.imageCompression());
        assertEquals(0, config.setImageCompression(ServerConfig.IMAGE_COMPRESSION_OFF));
        assertEquals(0, config.setImageCompression(99));
        assertEquals(0, config.setImageCompression(0));
        assertEquals(ServerConfig.IMAGE_COMPRESSION_OFF, config.imageCompression());
    }

    @Test
    void wanCompressionRefusesInvalid() {
        assertEquals(-1, config.setJpegCompression(0));
        assertEquals(-1, config.setZlibGlzCompression(0));
        assertEquals(0, config.setJpegCompression(3));
        assertEquals(3, config.jpegCompression());
    }

    @Test
    void streamingVideo() {
        assertEquals(ServerConfig.STREAM_VIDEO_FILTER, config.streamingVideo());
        assertEquals(-1, config.setStreamingVideo(0));
        assertEquals(-1, config.setStreamingVideo(4));
        assertEquals(0, config.setStreamingVideo(ServerConfig.STREAM_VIDEO_ALL));
        assertEquals(ServerConfig.STREAM_VIDEO_ALL, config.streamingVideo());
    }

    @Test
    void ticketLengthAndExpiry() {
        assertTrue(config.ticketing());
        assertEquals(0, config.setNoAuth());
        assertFalse(config.ticketing());
        assertEquals(0, config.setTicket("secret".getBytes(StandardCharsets.UTF_8), 30));
        assertTrue(config.ticketing());
        assertEquals(1030, config.ticketExpiry());
        assertArrayEquals("secret".getBytes(StandardCharsets.UTF_8), config.password());
        assertEquals(-1, config.setTicket(new byte[61], 0));
        assertEquals(0, config.setTicket(new byte[60], 0));
        assertEquals(Integer.MAX_VALUE, config.ticketExpiry());
        assertEquals(0, config.setTicket(null, 0));
        assertEquals(0, config.ticketExpiry());
    }

    @Test
    void channelSecurityNames() {
        assertEquals(0, config.setChannelSecurity("display", ServerConfig.SECURITY_SSL));
        assertEquals(ServerConfig.SECURITY_SSL, config.channelSecurity(2));
        assertEquals(ServerConfig.SECURITY_NONE | ServerConfig.SECURITY_SSL, config.channelSecurity(1));
        assertEquals(0, config.setChannelSecurity("smartcard", 1));
        assertEquals(-1, config.setChannelSecurity("nonsense", 1));
        assertEquals(-1, config.setChannelSecurity("", 1));
        assertEquals(0, config.setChannelSecurity(null, ServerConfig.SECURITY_NONE));
        assertEquals(ServerConfig.SECURITY_NONE, config.channelSecurity(1));
    }

    @Test
    void tlsNeedsFilesAndPort() {
        var files = new TlsFiles("ca", "cert", "key", null, null, null);
        assertEquals(-1, config.setTls(0, files));
        assertEquals(-1, config.setTls(70000, files));
        assertEquals(-1, config.setTls(5901, new TlsFiles(null, "cert", "key", null, null, null)));
        assertEquals(0, config.setTls(5901, files));
        assertEquals(5901, config.tlsPort());
    }

    @Test
    void videoCodecs() {
        assertEquals(0, config.setVideoCodecs("spice:mjpeg;gstreamer:h264"));
        assertEquals("spice:mjpeg;gstreamer:h264", VideoCodecs.format(config.videoCodecs()));
        assertEquals(-1, config.setVideoCodecs("nonsense"));
        assertEquals(-1, config.setVideoCodecs("spice:foo;bar:mjpeg"));
        assertEquals(-1, config.setVideoCodecs(null));
        assertEquals("spice:mjpeg;gstreamer:h264", VideoCodecs.format(config.videoCodecs()));
        assertEquals(0, config.setVideoCodecs(";;spice:vp8;garbage;"));
        assertEquals("spice:vp8", VideoCodecs.format(config.videoCodecs()));
        assertEquals(0, config.setVideoCodecs("auto"));
        assertEquals(5, config.videoCodecs().size());
    }

    @Test
    void renderers() {
        assertEquals(-1, config.addRenderer("gl"));
        assertEquals(0, config.addRenderer("sw"));
        assertEquals(-1, config.addRenderer("sw"));
    }

    @Test
    void addressIsBounded() {
        config.setAddress("x".repeat(1000), 1);
        assertEquals(ServerConfig.MAX_ADDRESS_LENGTH, config.address().length());
        assertEquals(1, config.family());
        config.setAddress(null, 0x80);
        assertEquals("", config.address());
        assertEquals(1, config.family());
    }
}
