package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;

import org.junit.jupiter.api.Test;

/** The warm-up runs every codec the auto modes pick, so each is compiled before a client's first picture. */
class EncoderWarmUpTest {
    @Test
    void itRunsGlzQuicAndLz() {
        assertEquals(Set.of(ImageEncoder.IMAGE_QUIC, ImageEncoder.IMAGE_LZ_RGB, ImageEncoder.IMAGE_GLZ_RGB),
                EncoderWarmUp.run());
    }
}
