package org.spicejava.core.display;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.ArrayList;
import java.util.List;

import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.core.display.draw.DrawOp;
import org.spicejava.core.display.draw.Drawable;
import org.spicejava.core.display.draw.Rect;

/**
 * Video stream detection for one display channel, by the reference's rules (spice-server video-stream.cpp): plain
 * copies of a bitmap onto the primary surface at the same box with the same source size, each within 200 ms of the
 * previous one, become a stream at the 21st such copy when at least a fifth of them were not LOW graduality (under
 * the FILTER setting; every frame counts under ALL). A frame of a live stream may come up to 1 s after the last one
 * and may cover a box containing the stream's (at most twice its area); a stream that gets no frame for 1 s ends.
 * Pure state, time in nanoseconds passed in; display worker thread.
 */
final class VideoStreams {
    /** RED_STREAM_DETECTION_MAX_DELTA, RED_STREAM_CONTINUOUS_MAX_DELTA, RED_STREAM_TIMEOUT (ns). */
    static final long DETECTION_MAX_DELTA = 200_000_000L;
    static final long CONTINUOUS_MAX_DELTA = 1_000_000_000L;
    static final long TIMEOUT = 1_000_000_000L;
    /** RED_STREAM_FRAMES_START_CONDITION, _GRADUAL_FRAMES_START_CONDITION, _FRAMES_RESET_CONDITION. */
    static final int FRAMES_START = 20;
    static final double GRADUAL_FRAMES_START = 0.2;
    static final int FRAMES_RESET = 100;
    /** RED_STREAM_MIN_SIZE: under FILTER, smaller sources never stream. */
    static final int MIN_SIZE = 96 * 96;
    /** NUM_STREAMS: stream ids are 0 .. 49. */
    static final int MAX_STREAMS = 50;
    /** NUM_TRACE_ITEMS: recent candidate copies remembered. */
    static final int TRACE_ITEMS = 8;

    /** SPICE_STREAM_VIDEO_* (spice_server_set_streaming_video). */
    static final int OFF = 1;
    static final int ALL = 2;
    static final int FILTER = 3;

    /** A live stream: where it plays, its source size, and the part of it not covered by later drawables. */
    static final class Stream {
        final int id;
        final int width;
        final int height;
        final Rect dest;
        long lastTime;
        List<Rect> clip;

        Stream(int id, int width, int height, Rect dest, long lastTime) {
            this.id = id;
            this.width = width;
            this.height = height;
            this.dest = dest;
            this.lastTime = lastTime;
            this.clip = List.of(dest);
        }
    }

    /** A frame candidate seen lately (the reference's ItemTrace and the frame counts a drawable carries). */
    private record Trace(int width, int height, Rect dest, long time, int frames, int gradualFrames,
                         int lastGradualFrame) {
    }

    /** What {@link #frame} found: the stream the drawable is a frame of, and whether it was created just now. */
    record Frame(Stream stream, boolean created) {
    }

    private final Stream[] streams = new Stream[MAX_STREAMS];
    private final ArrayList<Trace> traces = new ArrayList<>();
    private int mode = OFF;

    /** spice_server_set_streaming_video: OFF 1, ALL 2, FILTER 3. */
    void mode(int value) {
        mode = value;
        if (value == OFF) {
            traces.clear();
        }
    }

    int mode() {
        return mode;
    }

    /** drawable_can_stream: an opaque plain copy of a bitmap onto the primary, big enough under FILTER. */
    boolean streamable(Drawable d) {
        if (mode == OFF || d.surfaceId() != 0
                || !DisplayMessages.isOpaqueCover(d)) {
            return false;
        }
        Rect src = ((DrawOp.Copy) d.op()).srcArea();
        return mode != FILTER
                || (long) src.width() * src.height() >= MIN_SIZE;
    }

    /**
     * Looks at a drawable about to be drawn at {@code now}: returns the stream it is a frame of (a live one, or one
     * it starts), or null.
     */
    Frame frame(Drawable d, long now) {
        if (!streamable(d)) {
            return null;
        }
        DrawOp.Copy copy = (DrawOp.Copy) d.op();
        Rect box = d.bbox();
        for (Stream s : streams) {
            if (s != null && now - s.lastTime <= CONTINUOUS_MAX_DELTA && box.contains(s.dest)
                    && area(box) <= 2 * area(s.dest)) {
                s.lastTime = now;
                return new Frame(s, false);
            }
        }
        Trace previous = null;
        for (int i = traces.size() - 1; i >= 0 && previous == null; i--) {
            Trace t = traces.get(i);
            if (now - t.time() <= DETECTION_MAX_DELTA && t.dest().equals(box)
                    && t.width() == copy.srcArea().width() && t.height() == copy.srcArea().height()) {
                previous = t;
                traces.remove(i);
            }
        }
        int frames = 0;
        int gradual = 0;
        int lastGradual = 0;
        if (previous != null) { // video_stream_add_frame
            frames = previous.frames() + 1;
            gradual = previous.gradualFrames();
            lastGradual = previous.lastGradualFrame();
            if (mode != FILTER
                    || !(copy.src() instanceof Bitmap b) || Graduality.of(crop(b, copy.srcArea()))
                    != Graduality.Level.LOW) {
                if (frames - lastGradual > FRAMES_RESET) {
                    frames = 1;
                    gradual = 1;
                } else {
                    gradual++;
                }
                lastGradual = frames;
            }
            if (frames >= FRAMES_START && gradual >= GRADUAL_FRAMES_START * frames) {
                Stream s = create(copy.srcArea().width(), copy.srcArea().height(), box, now);
                if (s != null) {
                    return new Frame(s, true);
                }
            }
        }
        traces.add(new Trace(copy.srcArea().width(), copy.srcArea().height(), box, now, frames, gradual,
                lastGradual));
        if (traces.size() > TRACE_ITEMS) {
            traces.removeFirst();
        }
        return null;
    }

    private static Bitmap crop(Bitmap b, Rect area) {
        return crop(b, area, (size, align) -> MemorySegment.ofArray(new byte[Math.toIntExact(size)]));
    }

    /** The source area of {@code b} (clamped to it) as a bitmap of its own; {@code b} itself when it is all of it. */
    static Bitmap crop(Bitmap b, Rect area, SegmentAllocator memory) {
        Rect a = area.intersect(Rect.ofSize(b.width(), b.height()));
        if (a.left() == 0 && a.top() == 0 && a.width() == b.width() && a.height() == b.height()) {
            return b;
        }
        long row = 4L * a.width();
        MemorySegment out = memory.allocate(row * a.height(), 8);
        for (int y = 0; y < a.height(); y++) {
            MemorySegment.copy(b.pixels(), 4L * ((long) (a.top() + y) * b.width() + a.left()), out, row * y, row);
        }
        return new Bitmap(a.width(), a.height(), out, b.alpha());
    }

    private Stream create(int width, int height, Rect dest, long now) {
        for (int id = 0; id < streams.length; id++) {
            if (streams[id] == null) {
                streams[id] = new Stream(id, width, height, dest, now);
                traces.clear();
                return streams[id];
            }
        }
        return null;
    }

    /** Live streams whose visible part {@code box} touches. */
    List<Stream> touching(Rect box) {
        List<Stream> out = new ArrayList<>();
        for (Stream s : streams) {
            if (s != null && touches(s.clip, box)) {
                out.add(s);
            }
        }
        return out;
    }

    // A loop, not a stream pipeline: this runs for every drawable, mostly as C1 code.
    private static boolean touches(List<Rect> clip, Rect box) {
        for (Rect r : clip) {
            if (r.intersects(box)) {
                return true;
            }
        }
        return false;
    }

    /** Live streams that got no frame for {@link #TIMEOUT} by {@code now}. */
    List<Stream> timedOut(long now) {
        List<Stream> out = new ArrayList<>();
        for (Stream s : streams) {
            if (s != null && now - s.lastTime >= TIMEOUT) {
                out.add(s);
            }
        }
        return out;
    }

    List<Stream> all() {
        List<Stream> out = new ArrayList<>();
        for (Stream s : streams) {
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    /** Nanoseconds from {@code now} until the next stream times out, or -1 when none is live. */
    long untilNextTimeout(long now) {
        long best = -1;
        for (Stream s : streams) {
            if (s != null) {
                long left = Math.max(0, s.lastTime + TIMEOUT - now);
                best = best < 0 ? left : Math.min(best, left);
            }
        }
        return best;
    }

    void remove(Stream s) {
        streams[s.id] = null;
    }

    private static long area(Rect r) {
        return (long) r.width() * r.height();
    }
}
