package org.spicejava.core.display;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.spicejava.core.compress.VideoEncoder;
import org.spicejava.core.link.LinkMessage;

/**
 * Which video codec a client's stream gets, as the reference's dcc_create_video_encoder picks it: the server's codec
 * list (spice_server_set_video_codecs) in the client's preferred order (PREFERRED_VIDEO_CODEC_TYPE; codecs it did
 * not name keep their place after those it did), skipping codecs the client cannot decode (a client without
 * MULTI_CODEC only knows MJPEG) and codecs this host cannot encode; MJPEG last of all when the client takes it.
 */
final class StreamCodecs {
    /** SPICE_DISPLAY_CAP_* of codecs. */
    static final int CAP_MULTI_CODEC = 8;
    static final int CAP_CODEC_MJPEG = 9;
    static final int CAP_CODEC_VP8 = 10;
    static final int CAP_CODEC_H264 = 11;
    static final int CAP_CODEC_VP9 = 13;
    /** SPICE_VIDEO_CODEC_TYPE_ENUM_END: codec types are 1 .. 5. */
    static final int CODEC_TYPES_END = 6;

    private StreamCodecs() {
    }

    /** The display capability that says a client decodes {@code codecType}, or -1 for a codec we never send. */
    static int capOf(int codecType) {
        return switch (codecType) {
            case VideoEncoder.MJPEG -> CAP_CODEC_MJPEG;
            case VideoEncoder.VP8 -> CAP_CODEC_VP8;
            case VideoEncoder.H264 -> CAP_CODEC_H264;
            case VideoEncoder.VP9 -> CAP_CODEC_VP9;
            default -> -1;
        };
    }

    /**
     * The client's PREFERRED_VIDEO_CODEC_TYPE list as a rank per codec type (lower first; unnamed codecs rank
     * after all named ones); unknown types and repeats are skipped, as the reference does.
     */
    static int[] ranks(List<Integer> preferred) {
        int[] rank = new int[CODEC_TYPES_END];
        java.util.Arrays.fill(rank, Integer.MAX_VALUE);
        int next = 0;
        for (int type : preferred) {
            if (type >= 1 && type < CODEC_TYPES_END && rank[type] == Integer.MAX_VALUE) {
                rank[type] = next++;
            }
        }
        return rank;
    }

    /** {@code serverOrder} sorted by the client's {@code ranks} (stable), or as it is when ranks is null. */
    static List<Integer> order(List<Integer> serverOrder, int[] ranks) {
        List<Integer> out = new ArrayList<>(serverOrder);
        if (ranks != null) {
            out.sort(Comparator.comparingInt(t -> ranks[t]));
        }
        return out;
    }

    /**
     * Opens the first encoder the client can decode, in {@code order}, at {@code bitRate}; null when none (the
     * stream's frames then go to this client as plain draws).
     */
    static VideoEncoder open(List<Integer> order, Map<Integer, VideoEncoder.Factory> factories, LinkMessage client,
                             long bitRate) {
        boolean multiCodec = client.hasChannelCap(CAP_MULTI_CODEC);
        Map<Integer, VideoEncoder.Factory> tried = new LinkedHashMap<>();
        for (int type : order) {
            int cap = capOf(type);
            if (cap < 0 || (multiCodec ? !client.hasChannelCap(cap) : type != VideoEncoder.MJPEG)) {
                continue;
            }
            VideoEncoder.Factory f = factories.get(type);
            if (f != null && tried.put(type, f) == null) {
                VideoEncoder e = f.open(bitRate);
                if (e != null) {
                    return e;
                }
            }
        }
        VideoEncoder.Factory mjpeg = factories.get(VideoEncoder.MJPEG);
        if (mjpeg != null && !tried.containsKey(VideoEncoder.MJPEG)
                && (!multiCodec || client.hasChannelCap(CAP_CODEC_MJPEG))) {
            return mjpeg.open(bitRate);
        }
        return null;
    }
}
