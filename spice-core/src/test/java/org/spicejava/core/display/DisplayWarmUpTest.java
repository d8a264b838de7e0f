package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * The warm-up runs every codec the auto modes pick, and made-up display clients through their first picture, so
 * that path is compiled before a real client's.
 */
class DisplayWarmUpTest {
    @Test
    void itRunsGlzQuicAndLzAndTheClientPath() {
        DisplayWarmUp.Result r = DisplayWarmUp.run();
        assertEquals(Set.of(ImageEncoder.IMAGE_QUIC, ImageEncoder.IMAGE_LZ_RGB, ImageEncoder.IMAGE_GLZ_RGB),
                r.imageTypes());
        // each client gets at least its SET_ACK, the surface, the screen's picture, MARK and four draws
        assertTrue(r.clientBytes() > DisplayWarmUp.CLIENT_ROUNDS * 200L, "bytes sent: " + r.clientBytes());
    }
}
