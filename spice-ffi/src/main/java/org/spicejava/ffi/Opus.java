package org.spicejava.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.audio.OpusCodec;
import org.spicejava.core.audio.SoundProtocol;

/**
 * spice-core's Opus codec bound to libopus (functions only: Debian's libopus0 ships no headers). Set up as the
 * reference's snd_codec (spice-common's common/snd_codec.c) sets it up:
 * <ul>
 * <li>the encoder is created for two channels in the general-audio application mode ({@code OPUS_APPLICATION_AUDIO})
 *     and no ctl is ever sent to it, so bitrate, VBR and complexity are libopus's defaults. The default bitrate
 *     depends on the frame size: {@code 60 * rate / frameSize + 2 * rate}, 102 kbit/s for 10 ms at 48 kHz, about
 *     128 bytes a packet;</li>
 * <li>the reference encodes {@link #FRAME_SIZE} frames at a time and gives the encoder at most
 *     {@link #MAX_PACKET_BYTES} bytes of output, which we apply to every packet;</li>
 * <li>the decoder is a plain stereo decoder at the channel's rate, no ctl either, decoding without FEC. The
 *     reference's record channel decodes into a buffer of one {@link #FRAME_SIZE}-frame frame, so a client packet
 *     longer than 10 ms at 48 kHz fails there; here the caller's {@code pcm} array sets that limit;</li>
 * <li>playback and record run at {@link #PLAYBACK_RATE} unless QEMU sets another rate. The reference offers Opus
 *     only at 48, 24, 16, 12 or 8 kHz; libopus refuses other rates, and {@link #FRAME_SIZE} frames make a legal
 *     Opus frame at all of them except 16 kHz (30 ms), where every encode fails, in the reference too.</li>
 * </ul>
 * One difference on purpose: an empty packet is refused here, where the reference hands it to opus_decode, which
 * takes it for a lost packet and conceals one frame.
 *
 * <p>Each {@link Encoder} and {@link Decoder} owns its libopus state and off-heap buffers sized once when opened,
 * and belongs to the thread that opened it (the host's main loop); neither is thread-safe.
 */
public final class Opus implements OpusCodec {
    private static final Logger LOG = LoggerFactory.getLogger(Opus.class);
    /** The soname of Debian's libopus0. */
    static final String LIBRARY = "libopus.so.0";
    /** Frames (samples per channel) the reference encodes per packet: 10 ms at 48 kHz (SND_CODEC_OPUS_FRAME_SIZE). */
    public static final int FRAME_SIZE = SoundProtocol.FRAME_SAMPLES;
    /** The output room the reference gives the encoder for one packet (SND_CODEC_MAX_COMPRESSED_BYTES). */
    public static final int MAX_PACKET_BYTES = SoundProtocol.MAX_OPUS_PACKET;
    /** The rate the reference reports as best for playback and record (SND_CODEC_OPUS_PLAYBACK_FREQ). */
    public static final int PLAYBACK_RATE = SoundProtocol.OPUS_RATE;
    /** Interleaved stereo everywhere (SND_CODEC_PLAYBACK_CHAN). */
    static final int CHANNELS = 2;
    /** OPUS_APPLICATION_AUDIO (opus_defines.h). */
    static final int APPLICATION_AUDIO = 2049;
    /** OPUS_OK. */
    static final int OK = 0;
    /** The longest audio one Opus packet holds (RFC 6716, 3.2.5), which bounds frames per call both ways. */
    static final int MAX_PACKET_MS = 120;
    /**
     * The longest packet we hand to the decoder: 120 ms in 48 frames of 2.5 ms, each at most 1,275 bytes, plus
     * the header and frame lengths (RFC 6716, 3.2) is 61,296 bytes. Longer packets are refused before libopus.
     */
    static final int MAX_DECODE_PACKET_BYTES = 60 * 1024;

    private static final Opus CODEC = new Opus(LIBRARY);

    private final String library;
    /** The library's functions once bound; null before, or for good after a failure (logged once). */
    private Bindings bindings;
    private boolean bindingFailed;

    /** The functions we call. */
    private record Bindings(MethodHandle encoderCreate, MethodHandle encode, MethodHandle encoderDestroy,
                            MethodHandle decoderCreate, MethodHandle decode, MethodHandle decoderDestroy,
                            MethodHandle strerror) {
    }

    /** The codec of the library {@code library} (a soname or path); tests name a missing one. */
    Opus(String library) {
        this.library = library;
    }

    /**
     * The codec. Nothing is loaded yet: libopus is bound when an audio channel first opens an encoder or decoder.
     * If it is missing or lacks a function, that first open logs one line and returns null, and so does every
     * later one: the channels then offer raw PCM only.
     */
    public static Opus codec() {
        return CODEC;
    }

    /** Binds the library if not done yet: true when it is usable. */
    @Override
    public boolean available() {
        return bindings() != null;
    }

    /** The bound functions, or null when the library cannot be used (logged the first time). Any thread. */
    private synchronized Bindings bindings() {
        if (bindings == null && !bindingFailed) {
            try {
                SymbolLookup lib = SymbolLookup.libraryLookup(library, Arena.global());
                ValueLayout.OfInt i = ValueLayout.JAVA_INT;
                ValueLayout p = ValueLayout.ADDRESS;
                bindings = new Bindings(
                        // OpusEncoder *opus_encoder_create(opus_int32 Fs, int channels, int application, int *error)
                        Native.bind(lib, "opus_encoder_create", FunctionDescriptor.of(p, i, i, i, p)),
                        // opus_int32 opus_encode(OpusEncoder *, const opus_int16 *pcm, int frame_size,
                        //                        unsigned char *data, opus_int32 max_data_bytes)
                        Native.bind(lib, "opus_encode", FunctionDescriptor.of(i, p, p, i, p, i)),
                        Native.bind(lib, "opus_encoder_destroy", FunctionDescriptor.ofVoid(p)),
                        // OpusDecoder *opus_decoder_create(opus_int32 Fs, int channels, int *error)
                        Native.bind(lib, "opus_decoder_create", FunctionDescriptor.of(p, i, i, p)),
                        // int opus_decode(OpusDecoder *, const unsigned char *data, opus_int32 len, opus_int16 *pcm,
                        //                 int frame_size, int decode_fec)
                        Native.bind(lib, "opus_decode", FunctionDescriptor.of(i, p, p, i, p, i, i)),
                        Native.bind(lib, "opus_decoder_destroy", FunctionDescriptor.ofVoid(p)),
                        // const char *opus_strerror(int error)
                        Native.bind(lib, "opus_strerror", FunctionDescriptor.of(p, i)));
            } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
                bindingFailed = true;
                LOG.info("Opus not offered: {} could not be loaded ({})", library, e.getMessage());
            }
        }
        return bindings;
    }


    /** The library's symbols (tests bind the ctl calls from the same lookup). */
    static SymbolLookup library() {
        return SymbolLookup.libraryLookup(LIBRARY, Arena.global());
    }

    /** libopus's message for an error code. */
    private static String error(Bindings opus, int code) {
        try {
            return code + " " + Native.string((MemorySegment) opus.strerror().invokeExact(code));
        } catch (Throwable t) {
            return code + " (no error string: " + t + ")";
        }
    }

    /** Frames in the longest packet at {@code rate}: the size of the PCM buffers. */
    private static int maxFrames(int rate) {
        return rate / 1000 * MAX_PACKET_MS;
    }

    /** A stereo encoder at {@code rate} Hz as the reference sets it up, or null (logged) when libopus refuses. */
    @Override
    public Encoder encoder(int rate) {
        Bindings opus = bindings();
        if (opus == null) {
            return null;
        }
        Arena arena = Arena.ofConfined();
        MemorySegment state;
        try {
            MemorySegment errorCell = arena.allocate(ValueLayout.JAVA_INT);
            state = (MemorySegment) opus.encoderCreate().invokeExact(rate, CHANNELS, APPLICATION_AUDIO, errorCell);
            int rc = errorCell.get(ValueLayout.JAVA_INT, 0);
            if (state.equals(MemorySegment.NULL) || rc != OK) {
                LOG.warn("Opus encoder at {} Hz not created: {}", rate, error(opus, rc));
                arena.close();
                return null;
            }
        } catch (Throwable t) {
            arena.close();
            throw new IllegalStateException("opus_encoder_create failed", t);
        }
        return new Encoder(opus, state, arena, rate);
    }

    /** A stereo decoder at {@code rate} Hz, or null (logged) when libopus refuses. */
    @Override
    public Decoder decoder(int rate) {
        Bindings opus = bindings();
        if (opus == null) {
            return null;
        }
        Arena arena = Arena.ofConfined();
        MemorySegment state;
        try {
            MemorySegment errorCell = arena.allocate(ValueLayout.JAVA_INT);
            state = (MemorySegment) opus.decoderCreate().invokeExact(rate, CHANNELS, errorCell);
            int rc = errorCell.get(ValueLayout.JAVA_INT, 0);
            if (state.equals(MemorySegment.NULL) || rc != OK) {
                LOG.warn("Opus decoder at {} Hz not created: {}", rate, error(opus, rc));
                arena.close();
                return null;
            }
        } catch (Throwable t) {
            arena.close();
            throw new IllegalStateException("opus_decoder_create failed", t);
        }
        return new Decoder(opus, state, arena, rate);
    }

    /**
     * What an encoder and a decoder share: the libopus state and the buffers' confined arena, freed once by
     * {@link #destroy}, and whether a refusal was logged loudly yet.
     */
    private abstract static class Handle {
        final Bindings opus;
        final Arena arena;
        final int maxFrames;
        MemorySegment state;
        private boolean refusalLogged;

        Handle(Bindings opus, MemorySegment state, Arena arena, int rate) {
            this.opus = opus;
            this.state = state;
            this.arena = arena;
            this.maxFrames = maxFrames(rate);
        }

        /** True for the first refusal only: it is logged loudly, later ones at debug. */
        final boolean firstRefusal() {
            boolean first = !refusalLogged;
            refusalLogged = true;
            return first;
        }

        /** Frees the state with {@code destroyFunction} and the arena; idempotent. */
        final void destroy(MethodHandle destroyFunction, String name) {
            if (state == null) {
                return;
            }
            try {
                destroyFunction.invokeExact(state);
            } catch (Throwable t) {
                LOG.warn("{} failed: {}", name, t.toString());
            }
            state = null;
            arena.close();
        }
    }

    /**
     * One OpusEncoder with its input buffer (the longest packet's PCM) and output buffer ({@link #MAX_PACKET_BYTES}),
     * both in the encoder's own confined arena. Not thread-safe.
     */
    public static final class Encoder extends Handle implements OpusCodec.Encoder {
        private final MemorySegment pcmBuffer;
        private final MemorySegment packetBuffer;

        private Encoder(Bindings opus, MemorySegment state, Arena arena, int rate) {
            super(opus, state, arena, rate);
            this.pcmBuffer = arena.allocate(ValueLayout.JAVA_SHORT, (long) maxFrames * CHANNELS);
            this.packetBuffer = arena.allocate(MAX_PACKET_BYTES);
        }

        /** The libopus state (tests query it with opus_encoder_ctl). */
        MemorySegment state() {
            return state;
        }

        @Override
        public int encode(short[] pcm, int offset, int frames, byte[] out) {
            if (state == null) {
                throw new IllegalStateException("Opus encoder closed");
            }
            if (frames <= 0 || frames > maxFrames || offset < 0
                    || (long) offset + (long) frames * CHANNELS > pcm.length || out.length == 0) {
                refused("bad arguments: " + frames + " frames at " + offset + " of " + pcm.length
                        + " samples into " + out.length + " bytes");
                return -1;
            }
            MemorySegment.copy(pcm, offset, pcmBuffer, ValueLayout.JAVA_SHORT, 0, frames * CHANNELS);
            int room = Math.min(out.length, MAX_PACKET_BYTES);
            int n;
            try {
                n = (int) opus.encode().invokeExact(state, pcmBuffer, frames, packetBuffer, room);
            } catch (Throwable t) {
                refused("opus_encode threw " + t);
                return -1;
            }
            if (n < 0 || n > room) {
                refused("opus_encode of " + frames + " frames: " + error(opus, n));
                return -1;
            }
            MemorySegment.copy(packetBuffer, ValueLayout.JAVA_BYTE, 0, out, 0, n);
            return n;
        }

        /** The first refusal is logged at warn, later ones at debug (a broken setup would log every 10 ms). */
        private void refused(String why) {
            if (firstRefusal()) {
                LOG.warn("Opus encoder refused a frame ({}); later refusals are logged at debug", why);
            } else {
                LOG.debug("Opus encoder refused a frame ({})", why);
            }
        }

        @Override
        public void close() {
            destroy(opus.encoderDestroy(), "opus_encoder_destroy");
        }
    }

    /**
     * One OpusDecoder with its input buffer ({@link #MAX_DECODE_PACKET_BYTES}) and output buffer (the longest
     * packet's PCM), both in the decoder's own confined arena. Packets come from clients: anything but valid Opus
     * that fits the caller's array gives -1. Not thread-safe.
     */
    public static final class Decoder extends Handle implements OpusCodec.Decoder {
        private final MemorySegment packetBuffer;
        private final MemorySegment pcmBuffer;

        private Decoder(Bindings opus, MemorySegment state, Arena arena, int rate) {
            super(opus, state, arena, rate);
            this.packetBuffer = arena.allocate(MAX_DECODE_PACKET_BYTES);
            this.pcmBuffer = arena.allocate(ValueLayout.JAVA_SHORT, (long) maxFrames * CHANNELS);
        }

        @Override
        public int decode(byte[] packet, int offset, int length, short[] pcm) {
            if (state == null) {
                throw new IllegalStateException("Opus decoder closed");
            }
            int room = Math.min(pcm.length / CHANNELS, maxFrames);
            if (length <= 0 || length > MAX_DECODE_PACKET_BYTES || offset < 0
                    || (long) offset + length > packet.length || room == 0) {
                refused("a packet of " + length + " bytes at " + offset + " of " + packet.length + " for "
                        + pcm.length + " samples");
                return -1;
            }
            MemorySegment.copy(packet, offset, packetBuffer, ValueLayout.JAVA_BYTE, 0, length);
            int n;
            try {
                n = (int) opus.decode().invokeExact(state, packetBuffer, length, pcmBuffer, room, 0);
            } catch (Throwable t) {
                refused("opus_decode threw " + t);
                return -1;
            }
            if (n < 0 || n > room) {
                refused("a packet of " + length + " bytes: " + error(opus, n));
                return -1;
            }
            MemorySegment.copy(pcmBuffer, ValueLayout.JAVA_SHORT, 0, pcm, 0, n * CHANNELS);
            return n;
        }

        /** The first bad packet is logged at info, later ones at debug (a client may send nothing else). */
        private void refused(String why) {
            if (firstRefusal()) {
                LOG.info("Opus decoder refused {}; later refusals are logged at debug", why);
            } else {
                LOG.debug("Opus decoder refused {}", why);
            }
        }

        @Override
        public void close() {
            destroy(opus.decoderDestroy(), "opus_decoder_destroy");
        }
    }
}
