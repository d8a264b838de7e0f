package org.spicejava.core.audio;

/**
 * Opus for the audio channels. spice-core has no Opus of its own: the host side supplies one (spice-ffi binds
 * Debian's libopus), and without one the channels offer raw PCM only. Encoders and decoders are stereo, 16-bit
 * interleaved, and belong to the thread that opened them (the host's main loop).
 */
public interface OpusCodec {
    /** True when the codec can be used (its library is there): only then is Opus offered to clients. */
    boolean available();

    /** A stereo encoder at {@code rate} Hz set up as the reference's, or null when the codec is unavailable. */
    Encoder encoder(int rate);

    /** A stereo decoder at {@code rate} Hz, or null when the codec is unavailable. */
    Decoder decoder(int rate);

    interface Encoder extends AutoCloseable {
        /**
         * Encodes {@code frames} stereo frames of {@code pcm} from {@code offset} (in shorts) into {@code out}.
         * Returns the packet's length, or -1 when the library refused (a log line says why).
         */
        int encode(short[] pcm, int offset, int frames, byte[] out);

        @Override
        void close();
    }

    interface Decoder extends AutoCloseable {
        /**
         * Decodes the packet {@code packet[offset, offset + length)} into {@code pcm} (interleaved stereo, room for
         * {@code pcm.length / 2} frames). Returns the frames decoded, or -1 when the packet is not valid Opus.
         */
        int decode(byte[] packet, int offset, int length, short[] pcm);

        @Override
        void close();
    }
}
