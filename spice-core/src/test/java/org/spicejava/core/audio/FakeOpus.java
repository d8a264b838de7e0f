package org.spicejava.core.audio;

/**
 * An Opus stand-in for the channel tests: "packets" are {@link #PACKET} bytes starting with the frame's first
 * sample's low byte; decoding gives back one frame whose samples all equal the packet's first byte. Either side
 * can be made to fail.
 */
final class FakeOpus implements OpusCodec {
    static final int PACKET = 10;
    boolean failing;

    @Override
    public boolean available() {
        return true;
    }

    @Override
    public Encoder encoder(int rate) {
        return new Encoder() {
            @Override
            public int encode(short[] pcm, int offset, int frames, byte[] out) {
                if (failing) {
                    return -1;
                }
                out[0] = (byte) pcm[offset];
                return PACKET;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public Decoder decoder(int rate) {
        return new Decoder() {
            @Override
            public int decode(byte[] packet, int offset, int length, short[] pcm) {
                if (failing || length != PACKET) {
                    return -1;
                }
                java.util.Arrays.fill(pcm, 0, SoundProtocol.FRAME_SAMPLES * 2, packet[offset]);
                return SoundProtocol.FRAME_SAMPLES;
            }

            @Override
            public void close() {
            }
        };
    }
}
