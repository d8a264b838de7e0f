package org.spicejava.core.compress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

import org.spicejava.core.display.draw.Bitmap;

/**
 * The encoder of one video stream for one client. Inter-frame codecs keep state from frame to frame, so each client
 * gets its own encoder per stream (a client joining late starts with a key frame, and frames dropped for one client
 * never confuse another's decoder). Confined to the display worker thread that opened it.
 */
public interface VideoEncoder extends AutoCloseable {
    /** SPICE_VIDEO_CODEC_TYPE_* (the codec_type of STREAM_CREATE, the client's preference list). */
    int MJPEG = 1;
    int VP8 = 2;
    int H264 = 3;
    int VP9 = 4;

    /** The codec type of a codec name of spice_server_set_video_codecs ("mjpeg", "vp8", "h264", "vp9"), or 0. */
    static int codecType(String codec) {
        return switch (codec) {
            case "mjpeg" -> MJPEG;
            case "vp8" -> VP8;
            case "h264" -> H264;
            case "vp9" -> VP9;
            default -> 0;
        };
    }

    /** The SPICE_VIDEO_CODEC_TYPE_* this encoder produces. */
    int codecType();

    /**
     * Encodes the next frame of the stream, to be shown at multimedia time {@code mmTime} (milliseconds; frames
     * come in order, at the rate the guest draws them). A frame's size may differ from the previous one's (sized
     * streams): an encoder that cannot change size in place starts over with a key frame. Returns the frame as the
     * client's decoder takes it, in memory from {@code alloc}, or null when the frame is skipped (rate control) or
     * the codec failed (the caller then sends the picture another way).
     */
    MemorySegment encode(Bitmap frame, int mmTime, SegmentAllocator alloc);

    /**
     * A frame of the stream came at multimedia time {@code mmTime}, whether or not it is then encoded (the rate
     * control may skip it): the rate at which the guest draws, which an encoder may weigh against its bit rate.
     */
    default void offered(int mmTime) {
    }

    /** The bit rate (bits per second) the client's link allows now; the encoder aims at it from the next frame. */
    void bitRate(long bitsPerSecond);

    /** Frees native state; on the thread that opened it. */
    @Override
    void close();

    /** Opens encoders of one codec. */
    interface Factory {
        /** The SPICE_VIDEO_CODEC_TYPE_* of the encoders made. */
        int codecType();

        /**
         * A new encoder for the calling thread aiming at {@code bitsPerSecond}, or null when the codec's library is
         * unavailable (the factory logs that once).
         */
        VideoEncoder open(long bitsPerSecond);
    }
}
