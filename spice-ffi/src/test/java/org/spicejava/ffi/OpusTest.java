package org.spicejava.ffi;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.spicejava.core.audio.OpusCodec;

/**
 * The libopus binding: a tone survives the round trip at the reference's frame size, the encoder is set up as the
 * reference's (application, default bitrate, packet sizes), hostile packets give -1, closing is idempotent, and a
 * missing library gives null.
 */
class OpusTest {
    private static final int RATE = Opus.PLAYBACK_RATE;
    private static final int TONE_HZ = 1000;
    // int opus_encoder_ctl(OpusEncoder *st, int request, ...): the getters take one opus_int32 *
    private static final MethodHandle ENCODER_CTL = Native.LINKER.downcallHandle(
            Opus.library().find("opus_encoder_ctl").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
            Linker.Option.firstVariadicArg(2));
    /** OPUS_GET_APPLICATION_REQUEST, OPUS_GET_BITRATE_REQUEST, OPUS_GET_LOOKAHEAD_REQUEST (opus_defines.h). */
    private static final int GET_APPLICATION = 4001;
    private static final int GET_BITRATE = 4003;
    private static final int GET_LOOKAHEAD = 4027;

    /** An encoder getter's value. */
    private static int ctl(Opus.Encoder encoder, int request) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            int rc = (int) ENCODER_CTL.invokeExact(encoder.state(), request, value);
            assertEquals(Opus.OK, rc, "opus_encoder_ctl " + request);
            return value.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /** {@code frames} of a stereo 1 kHz tone: left at amplitude 12000, right at 6000 a quarter period later. */
    private static short[] tone(int frames) {
        short[] pcm = new short[frames * 2];
        for (int i = 0; i < frames; i++) {
            double phase = 2 * Math.PI * TONE_HZ * i / RATE;
            pcm[2 * i] = (short) Math.round(12000 * Math.sin(phase));
            pcm[2 * i + 1] = (short) Math.round(6000 * Math.sin(phase + Math.PI / 2));
        }
        return pcm;
    }

    /** Channel {@code channel} of interleaved {@code pcm}, frames [from, from + count). */
    private static double[] channel(short[] pcm, int channel, int from, int count) {
        double[] x = new double[count];
        for (int i = 0; i < count; i++) {
            x[i] = pcm[2 * (from + i) + channel];
        }
        return x;
    }

    private static double rms(double[] x) {
        double sum = 0;
        for (double v : x) {
            sum += v * v;
        }
        return Math.sqrt(sum / x.length);
    }

    /** The power of {@code x} at {@code hz} (Goertzel over a Hann window). */
    private static double power(double[] x, double hz) {
        double coeff = 2 * Math.cos(2 * Math.PI * hz / RATE);
        double s1 = 0;
        double s2 = 0;
        for (int i = 0; i < x.length; i++) {
            double window = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / (x.length - 1));
            double s0 = x[i] * window + coeff * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        return s1 * s1 + s2 * s2 - coeff * s1 * s2;
    }

    /** The frequency, 50 Hz to 20 kHz in 5 Hz steps, where {@code x} has the most power. */
    private static int dominantHz(double[] x) {
        int best = 0;
        double bestPower = -1;
        for (int hz = 50; hz <= 20_000; hz += 5) {
            double p = power(x, hz);
            if (p > bestPower) {
                bestPower = p;
                best = hz;
            }
        }
        return best;
    }

    @Test
    void aToneSurvivesTheRoundTripFrameByFrame() throws Throwable {
        int frames = RATE; // one second, 100 packets
        short[] in = tone(frames);
        short[] out = new short[frames * 2];
        byte[] packet = new byte[Opus.MAX_PACKET_BYTES];
        short[] pcm = new short[Opus.FRAME_SIZE * 2]; // the reference's record buffer: one frame
        int lookahead;
        try (Opus.Encoder encoder = (Opus.Encoder) Opus.codec().encoder(RATE);
             OpusCodec.Decoder decoder = Opus.codec().decoder(RATE)) {
            assertNotNull(encoder, "libopus0 is installed here (scripts/setup)");
            assertNotNull(decoder);
            lookahead = ctl(encoder, GET_LOOKAHEAD);
            for (int f = 0; f < frames; f += Opus.FRAME_SIZE) {
                int size = encoder.encode(in, 2 * f, Opus.FRAME_SIZE, packet);
                assertTrue(size > 0, "packet at frame " + f + ": " + size);
                Arrays.fill(pcm, (short) 0x5A5A);
                assertEquals(Opus.FRAME_SIZE, decoder.decode(packet, 0, size, pcm), "frames of packet at " + f);
                System.arraycopy(pcm, 0, out, 2 * f, pcm.length);
            }
        }
        // Compare half a second after the codec's delay and one more frame to settle.
        int start = lookahead + Opus.FRAME_SIZE;
        int count = RATE / 2;
        for (int c = 0; c < 2; c++) {
            double[] sent = channel(in, c, start - lookahead, count);
            double[] got = channel(out, c, start, count);
            int hz = dominantHz(got);
            double ratio = rms(got) / rms(sent);
            double dot = 0;
            for (int i = 0; i < count; i++) {
                dot += sent[i] * got[i];
            }
            double correlation = dot / (count * rms(sent) * rms(got));
            System.out.printf(Locale.ROOT, "OpusTest: channel %d: lookahead %d, dominant %d Hz, RMS ratio %.3f, "
                    + "correlation at the lookahead %.4f%n", c, lookahead, hz, ratio, correlation);
            assertTrue(Math.abs(hz - TONE_HZ) <= TONE_HZ * 0.02, "channel " + c + " dominant frequency " + hz);
            assertTrue(Math.abs(ratio - 1) <= 0.2, "channel " + c + " RMS ratio " + ratio);
            assertTrue(correlation > 0.9, "channel " + c + " is the input delayed by the lookahead: " + correlation);
        }
    }

    @Test
    void theEncoderIsSetUpAsTheReferencesAndItsPacketsFitItsBitrate() throws Throwable {
        int frames = RATE;
        short[] in = tone(frames);
        // The tone plus noise: more like music than a pure tone, which VBR would send in fewer bytes.
        Random random = new Random(7);
        for (int i = 0; i < in.length; i++) {
            in[i] = (short) Math.clamp(in[i] + Math.round(random.nextGaussian() * 3000), Short.MIN_VALUE,
                    Short.MAX_VALUE);
        }
        byte[] packet = new byte[4000]; // more room than the reference gives: the encoder still stops at its limit
        int total = 0;
        int largest = 0;
        try (Opus.Encoder encoder = (Opus.Encoder) Opus.codec().encoder(RATE)) {
            assertEquals(Opus.APPLICATION_AUDIO, ctl(encoder, GET_APPLICATION));
            for (int f = 0; f < frames; f += Opus.FRAME_SIZE) {
                int size = encoder.encode(in, 2 * f, Opus.FRAME_SIZE, packet);
                assertTrue(size > 0 && size <= Opus.MAX_PACKET_BYTES, "packet of " + size + " bytes");
                total += size;
                largest = Math.max(largest, size);
            }
            // libopus's default for 10 ms stereo packets at 48 kHz: 60 * 48000 / 480 + 2 * 48000
            assertEquals(102_000, ctl(encoder, GET_BITRATE), "no bitrate set: libopus's default");
        }
        double mean = total / (double) (frames / Opus.FRAME_SIZE);
        double expected = 102_000 / 8.0 / 100; // 127.5 bytes a packet
        System.out.printf(Locale.ROOT, "OpusTest: mean packet %.1f bytes (%.0f expected at 102 kbit/s), largest %d%n",
                mean, expected, largest);
        assertTrue(mean > expected * 0.7 && mean < expected * 1.3, "mean packet of " + mean + " bytes");
    }

    @Test
    void theReferencesFrameSizeIsALegalOpusFrameAtItsRatesBut16kHz() {
        for (int rate : new int[] {48_000, 24_000, 16_000, 12_000, 8_000}) {
            try (OpusCodec.Encoder encoder = Opus.codec().encoder(rate)) {
                assertNotNull(encoder, rate + " Hz");
                int size = encoder.encode(new short[Opus.FRAME_SIZE * 2], 0, Opus.FRAME_SIZE, new byte[512]);
                if (rate == 16_000) {
                    assertEquals(-1, size, "480 frames are 30 ms at 16 kHz");
                } else {
                    assertTrue(size > 0, rate + " Hz: " + size);
                }
            }
        }
        assertNull(Opus.codec().encoder(44_100), "libopus has no 44.1 kHz");
        assertNull(Opus.codec().decoder(44_100));
    }

    @Test
    void encodeBoundsItsArguments() {
        short[] pcm = tone(Opus.FRAME_SIZE);
        byte[] out = new byte[Opus.MAX_PACKET_BYTES];
        try (OpusCodec.Encoder encoder = Opus.codec().encoder(RATE)) {
            assertEquals(-1, encoder.encode(pcm, 2, Opus.FRAME_SIZE, out), "one frame short");
            assertEquals(-1, encoder.encode(pcm, -2, Opus.FRAME_SIZE, out), "negative offset");
            assertEquals(-1, encoder.encode(pcm, 0, 0, out), "no frames");
            assertEquals(-1, encoder.encode(pcm, 0, 100, out), "100 frames are no Opus frame duration");
            assertEquals(-1, encoder.encode(new short[RATE], 0, RATE / 2, out), "500 ms, beyond an Opus packet");
            assertEquals(-1, encoder.encode(pcm, 0, Opus.FRAME_SIZE, new byte[0]), "no room");
            assertTrue(encoder.encode(pcm, 0, Opus.FRAME_SIZE, out) > 0, "and it still works");
        }
    }

    @Test
    void hostilePacketsDecodeToMinusOne() {
        short[] pcm = new short[Opus.FRAME_SIZE * 2];
        byte[] valid = new byte[Opus.MAX_PACKET_BYTES];
        byte[] twentyMs = new byte[Opus.MAX_PACKET_BYTES];
        int validSize;
        int twentyMsSize;
        try (OpusCodec.Encoder encoder = Opus.codec().encoder(RATE)) {
            short[] in = tone(2 * Opus.FRAME_SIZE);
            validSize = encoder.encode(in, 0, Opus.FRAME_SIZE, valid);
            twentyMsSize = encoder.encode(in, 0, 2 * Opus.FRAME_SIZE, twentyMs);
        }
        assertTrue(validSize > 0 && twentyMsSize > 0);
        // TOC 0xFC..0xFF: CELT-only fullband 20 ms stereo, frame count codes 0..3 (RFC 6716, 3.1)
        byte[][] malformed = {
                {(byte) 0xFD, 1, 2, 3}, // code 1: two equal frames in an odd number of bytes
                {(byte) 0xFE, (byte) 200, 1, 2}, // code 2: the first frame longer than the packet
                {(byte) 0xFF, 0}, // code 3: no frames
                {(byte) 0xFF, 7, 1, 2, 3, 4, 5, 6, 7}, // code 3: 7 frames of 20 ms, more than 120 ms
                new byte[1277], // code 0: one frame of more than 1275 bytes
                new byte[Opus.MAX_DECODE_PACKET_BYTES + 1], // longer than any Opus packet
        };
        try (OpusCodec.Decoder decoder = Opus.codec().decoder(RATE)) {
            for (byte[] packet : malformed) {
                assertEquals(-1, decoder.decode(packet, 0, packet.length, pcm),
                        "packet " + Arrays.toString(Arrays.copyOf(packet, Math.min(packet.length, 9))));
            }
            assertEquals(-1, decoder.decode(valid, 0, 0, pcm), "empty");
            assertEquals(-1, decoder.decode(valid, -1, validSize, pcm), "negative offset");
            assertEquals(-1, decoder.decode(valid, 1, valid.length, pcm), "beyond the array");
            assertEquals(-1, decoder.decode(valid, 0, -5, pcm), "negative length");
            assertEquals(-1, decoder.decode(valid, 0, validSize, new short[1]), "no room for a frame");
            assertEquals(-1, decoder.decode(twentyMs, 0, twentyMsSize, pcm), "20 ms into a 10 ms buffer");
            assertEquals(2 * Opus.FRAME_SIZE, decoder.decode(twentyMs, 0, twentyMsSize, new short[4 * Opus.FRAME_SIZE]),
                    "the same packet where it fits");
            // Random bytes: many are valid Opus to the decoder (any code-0 payload is), so only no exception and a
            // bounded result can be asserted.
            Random random = new Random(11);
            for (int i = 0; i < 2000; i++) {
                byte[] garbage = new byte[1 + random.nextInt(1500)];
                random.nextBytes(garbage);
                int frames = assertDoesNotThrow(() -> decoder.decode(garbage, 0, garbage.length, pcm));
                assertTrue(frames == -1 || frames >= 0 && frames <= Opus.FRAME_SIZE, "garbage gave " + frames);
            }
            assertEquals(Opus.FRAME_SIZE, decoder.decode(valid, 0, validSize, pcm), "still decodes after garbage");
        }
    }

    @Test
    void closingTwiceIsHarmlessAndUseAfterCloseIsRefused() {
        OpusCodec.Encoder encoder = Opus.codec().encoder(RATE);
        OpusCodec.Decoder decoder = Opus.codec().decoder(RATE);
        encoder.close();
        assertDoesNotThrow(encoder::close);
        decoder.close();
        assertDoesNotThrow(decoder::close);
        assertThrows(IllegalStateException.class,
                () -> encoder.encode(new short[Opus.FRAME_SIZE * 2], 0, Opus.FRAME_SIZE, new byte[480]));
        assertThrows(IllegalStateException.class, () -> decoder.decode(new byte[] {1}, 0, 1, new short[960]));
    }

    @Test
    void aMissingLibraryGivesNull() {
        Opus missing = new Opus("libopus-not-here.so.0");
        assertNull(missing.encoder(RATE), "no Opus, no exception");
        assertNull(missing.decoder(RATE), "and it is not tried again");
        assertNull(missing.encoder(RATE));
    }
}
