package org.spicejava.core.server;

import java.util.ArrayList;
import java.util.List;

/**
 * The "encoder:codec;encoder:codec" list of spice_server_set_video_codecs. Encoders and codecs are the names the
 * Debian build of the reference accepts (encoders "spice" and "gstreamer"; codecs mjpeg, vp8, h264, vp9), so a host
 * configures both libraries the same way. Parsing follows the reference: empty items are skipped, malformed or
 * unknown items are counted as invalid, and a list with no valid item is refused.
 */
public final class VideoCodecs {
    public static final String DEFAULT = "spice:mjpeg;gstreamer:mjpeg;gstreamer:h264;gstreamer:vp8;gstreamer:vp9;";
    private static final List<String> ENCODERS = List.of("spice", "gstreamer");
    private static final List<String> CODECS = List.of("mjpeg", "vp8", "h264", "vp9");

    /** One accepted entry. */
    public record Codec(String encoder, String codec) {
        @Override
        public String toString() {
            return encoder + ":" + codec;
        }
    }

    /** The outcome of parsing: the valid entries and how many were invalid. */
    public record Parsed(List<Codec> codecs, int invalid) {
    }

    private VideoCodecs() {
    }

    public static Parsed parse(String spec) {
        String text = "auto".equals(spec) ? DEFAULT : spec;
        List<Codec> codecs = new ArrayList<>();
        int invalid = 0;
        for (String item : text.split(";", -1)) {
            if (item.isEmpty()) {
                continue;
            }
            int colon = item.indexOf(':');
            if (colon <= 0 || colon == item.length() - 1
                    || !isWord(item.substring(0, colon)) || !isWord(item.substring(colon + 1))) {
                invalid++;
                continue;
            }
            String encoder = item.substring(0, colon);
            String codec = item.substring(colon + 1);
            if (!ENCODERS.contains(encoder) || !CODECS.contains(codec)) {
                invalid++;
            } else {
                codecs.add(new Codec(encoder, codec));
            }
        }
        return new Parsed(List.copyOf(codecs), invalid);
    }

    /** The reference's formatting for spice_server_get_video_codecs: entries joined by ';'. */
    public static String format(List<Codec> codecs) {
        return String.join(";", codecs.stream().map(Codec::toString).toList());
    }

    private static boolean isWord(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 128) && c != '_') {
                return false;
            }
        }
        return true;
    }
}
