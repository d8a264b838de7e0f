package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.spicejava.core.channel.ChannelClient;
import org.spicejava.core.channel.ChannelFuzzing;
import org.spicejava.core.channel.ChannelFuzzing.Msg;
import org.spicejava.core.channel.MessageFramer;
import org.spicejava.core.compress.GlzWindow;
import org.spicejava.core.compress.JpegEncoder;
import org.spicejava.core.compress.VideoEncoder;
import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.core.display.draw.Brush;
import org.spicejava.core.display.draw.DrawOp;
import org.spicejava.core.display.draw.Drawable;
import org.spicejava.core.display.draw.Mask;
import org.spicejava.core.display.draw.Rect;
import org.spicejava.core.protocol.ChannelType;

/**
 * Video streams as a client sees them: a run of same-place copies becomes STREAM_CREATE and STREAM_DATA, later
 * drawables clip or end it, and an ended stream leaves the true picture behind as a lossless copy.
 */
class VideoStreamTest {
    private static final int SIDE = 256;
    private static final Rect BOX = new Rect(20, 30, 120, 130); // 100x100, at least RED_STREAM_MIN_SIZE
    private static final long FRAME_NS = 40_000_000L; // 25 fps
    private final MemorySegment primary = Arena.ofAuto().allocate(4L * SIDE * SIDE, 8);
    private final DisplayChannel display = new DisplayChannel(0, 4);
    private long now = 1_000_000_000_000L;
    private final List<Long> timerRequests = new ArrayList<>();
    private ChannelFuzzing.Run run;

    private record Sent(int type, ByteBuffer body) {
    }

    /** A stand-in codec: "FJPG", the frame's size, its first pixel. */
    private static final class FakeJpeg implements JpegEncoder {
        @Override
        public long maxSize(int width, int height) {
            return 16;
        }

        @Override
        public long encode(Bitmap b, int quality, MemorySegment dest) {
            ByteBuffer out = dest.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            out.put("FJPG".getBytes()).putShort((short) b.width()).putShort((short) b.height()).putInt(b.pixel(0, 0));
            return 12;
        }

        @Override
        public void close() {
        }
    }

    private void connect(int mode, int clientCaps) {
        connect(mode, clientCaps, FakeJpeg::new);
    }

    private void connect(int mode, int clientCaps, JpegEncoder.Factory codec) {
        display.setImageCompression(ImageEncoder.OFF);
        display.useJpeg(codec);
        display.useClock(() -> now);
        display.useStreamTimer(timerRequests::add);
        display.setStreamingVideo(mode);
        display.create(new Surface(0, SIDE, SIDE, Surface.FMT_32_XRGB, 4 * SIDE, primary, true));
        run = ChannelFuzzing.run(ChannelFuzzing.seed(true, 64, Msg.of(ChannelClient.MSGC_ACK_SYNC, b -> b.putInt(1))),
                ChannelType.DISPLAY, new int[] {clientCaps}, (connection, link) -> {
                    DisplayChannelClient client = new DisplayChannelClient(connection, link, display,
                            new GlzWindow());
                    display.addClient(client);
                    return client;
                });
    }

    private void ack() {
        byte[] seed = ChannelFuzzing.seed(true, 64, Msg.empty(ChannelClient.MSGC_ACK));
        run.socket().receive(Arrays.copyOfRange(seed, 1, seed.length), 64);
    }

    private void clientSends(Msg m) {
        byte[] seed = ChannelFuzzing.seed(true, 64, m);
        run.socket().receive(Arrays.copyOfRange(seed, 1, seed.length), 64);
    }

    /** A stand-in inter-frame codec: "FV" + its codec type, a frame counter; records the rates it was given. */
    private static final class FakeVideo implements VideoEncoder {
        final int type;
        final List<Long> rates = new ArrayList<>();
        int frames;
        boolean fail;
        boolean closed;
        int frameBytes = 8;

        FakeVideo(int type, long rate) {
            this.type = type;
            rates.add(rate);
        }

        @Override
        public int codecType() {
            return type;
        }

        @Override
        public MemorySegment encode(Bitmap frame, int mmTime, java.lang.foreign.SegmentAllocator alloc) {
            if (fail) {
                return null;
            }
            MemorySegment out = alloc.allocate(frameBytes);
            out.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN).put((byte) 'F').put((byte) 'V').putShort((short) type)
                    .putInt(frames++);
            return out;
        }

        @Override
        public void bitRate(long bitsPerSecond) {
            rates.add(bitsPerSecond);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** Opens {@link FakeVideo}s of one codec and keeps them. */
    private static final class FakeVideoFactory implements VideoEncoder.Factory {
        final int type;
        final List<FakeVideo> opened = new ArrayList<>();
        int frameBytes = 8;

        FakeVideoFactory(int type) {
            this.type = type;
        }

        @Override
        public int codecType() {
            return type;
        }

        @Override
        public VideoEncoder open(long bitsPerSecond) {
            FakeVideo v = new FakeVideo(type, bitsPerSecond);
            v.frameBytes = frameBytes;
            opened.add(v);
            return v;
        }
    }

    private static int caps(int... bits) {
        int c = 0;
        for (int b : bits) {
            c |= 1 << b;
        }
        return c;
    }

    private static final int VP8_CLIENT = caps(StreamCodecs.CAP_MULTI_CODEC, StreamCodecs.CAP_CODEC_MJPEG,
            StreamCodecs.CAP_CODEC_VP8, DisplayMessages.CAP_STREAM_REPORT);

    /** A photo-like (HIGH graduality) picture, shifted by {@code frame}. */
    private static Bitmap gradient(int width, int height, int frame) {
        int[] px = new int[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int v = (x + y + frame) & 0xFF;
                px[y * width + x] = v << 16 | v << 8 | v;
            }
        }
        return Bitmap.of(width, height, px, false);
    }

    /** A text-like (LOW graduality) picture: a one-pixel black and white checkerboard. */
    private static Bitmap checkers(int width, int height) {
        int[] px = new int[width * height];
        for (int i = 0; i < px.length; i++) {
            px[i] = ((i % width + i / width) & 1) == 0 ? 0xFFFFFF : 0;
        }
        return Bitmap.of(width, height, px, false);
    }

    private void copy(Bitmap image, Rect box) {
        display.draw(new Drawable(0, 0, box, null, new DrawOp.Copy(image, Rect.ofSize(image.width(),
                image.height()), DrawOp.ROPD_OP_PUT, 1, Mask.NONE, false), 0), display.pixels().lease());
        ack();
    }

    /** {@code n} frames at the stream box, 40 ms apart. */
    private void frames(int first, int n) {
        for (int i = first; i < first + n; i++) {
            now += FRAME_NS;
            copy(gradient(BOX.width(), BOX.height(), i), BOX);
        }
    }

    /** Every message after the screen a client gets on connecting (up to its MARK). */
    private List<Sent> sent() {
        List<Sent> out = new ArrayList<>();
        new MessageFramer(true, Integer.MAX_VALUE).decode(ByteBuffer.wrap(run.socket().written()),
                (type, body) -> {
                    ByteBuffer copy = ByteBuffer.allocate(body.remaining()).order(ByteOrder.LITTLE_ENDIAN);
                    copy.put(body).flip();
                    out.add(new Sent(type, copy));
                });
        int mark = 0;
        while (out.get(mark).type() != DisplayMessages.MSG_MARK) {
            mark++;
        }
        return out.subList(mark + 1, out.size());
    }

    private static List<Integer> types(List<Sent> s) {
        return s.stream().map(Sent::type).toList();
    }

    private static List<Integer> repeat(int type, int n) {
        return java.util.Collections.nCopies(n, type);
    }

    private static List<Integer> concat(List<Integer> a, List<Integer> b) {
        List<Integer> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    @Test
    void twentyOneCopiesAtTheSamePlaceBecomeAStreamOfMjpegFrames() {
        connect(VideoStreams.ALL, 0);
        frames(0, 25);
        List<Sent> s = sent();
        assertEquals(concat(concat(repeat(DisplayMessages.MSG_DRAW_COPY, 20), List.of(DisplayMessages.MSG_STREAM_CREATE)),
                repeat(DisplayMessages.MSG_STREAM_DATA, 5)), types(s));
        ByteBuffer create = s.get(20).body();
        assertEquals(0, create.getInt(0), "surface");
        assertEquals(0, create.getInt(4), "stream id");
        assertEquals(DisplayMessages.STREAM_TOP_DOWN, create.get(8));
        assertEquals(DisplayMessages.CODEC_MJPEG, create.get(9));
        assertEquals(List.of(100, 100, 100, 100), List.of(create.getInt(18), create.getInt(22), create.getInt(26),
                create.getInt(30)), "stream and source size");
        assertEquals(List.of(20, 30, 120, 130), List.of(create.getInt(34), create.getInt(38), create.getInt(42),
                create.getInt(46)), "dest");
        assertEquals(1, create.get(50), "clip of rects");
        assertEquals(1, create.getInt(51));
        ByteBuffer data = s.get(25).body();
        assertEquals(0, data.getInt(0));
        assertEquals((int) (now / 1_000_000L), data.getInt(4), "multimedia time of the frame");
        assertEquals(12, data.getInt(8));
        byte[] magic = new byte[4];
        data.get(12, magic);
        assertArrayEquals("FJPG".getBytes(), magic);
        assertEquals(100, data.getShort(16));
        assertEquals(gradient(100, 100, 24).pixel(0, 0), data.getInt(20), "the last frame's picture");
        assertEquals(List.of(1000L), timerRequests, "the worker is asked to check for the end of the stream");
    }

    @Test
    void streamingOffSendsPlainCopies() {
        connect(VideoStreams.OFF, 0);
        frames(0, 30);
        assertEquals(repeat(DisplayMessages.MSG_DRAW_COPY, 30), types(sent()));
    }

    @Test
    void filterKeepsTextLikeCopiesAsImagesButStreamsPhotoLikeOnes() {
        connect(VideoStreams.FILTER, 0);
        for (int i = 0; i < 30; i++) {
            now += FRAME_NS;
            copy(checkers(BOX.width(), BOX.height()), BOX);
        }
        assertEquals(repeat(DisplayMessages.MSG_DRAW_COPY, 30), types(sent()));
        now += 1_000_000_000L;
        frames(0, 21);
        assertTrue(types(sent()).contains(DisplayMessages.MSG_STREAM_CREATE));
    }

    @Test
    void filterNeedsASourceOfAtLeast96By96() {
        connect(VideoStreams.FILTER, 0);
        Rect small = new Rect(0, 0, 90, 90);
        for (int i = 0; i < 30; i++) {
            now += FRAME_NS;
            copy(gradient(90, 90, i), small);
        }
        assertEquals(repeat(DisplayMessages.MSG_DRAW_COPY, 30), types(sent()));
    }

    @Test
    void copiesTooFarApartInTimeDoNotStream() {
        connect(VideoStreams.ALL, 0);
        for (int i = 0; i < 30; i++) {
            now += 250_000_000L; // 4 fps: beyond the 200 ms detection window
            copy(gradient(BOX.width(), BOX.height(), i), BOX);
        }
        assertEquals(repeat(DisplayMessages.MSG_DRAW_COPY, 30), types(sent()));
    }

    @Test
    void aDrawableOverPartOfTheStreamClipsItAndTheNextFrameRestoresIt() {
        connect(VideoStreams.ALL, 0);
        frames(0, 21);
        int before = sent().size();
        copy(checkers(20, 20), new Rect(20, 30, 40, 50)); // the stream's top-left corner
        frames(21, 1);
        List<Sent> s = sent().subList(before, sent().size());
        assertEquals(List.of(DisplayMessages.MSG_STREAM_CLIP, DisplayMessages.MSG_DRAW_COPY,
                DisplayMessages.MSG_STREAM_CLIP, DisplayMessages.MSG_STREAM_DATA), types(s));
        ByteBuffer clip = s.get(0).body();
        assertEquals(0, clip.getInt(0));
        assertEquals(1, clip.get(4));
        List<Rect> rects = new ArrayList<>();
        for (int i = 0; i < clip.getInt(5); i++) {
            int at = 9 + 16 * i;
            rects.add(new Rect(clip.getInt(at), clip.getInt(at + 4), clip.getInt(at + 8), clip.getInt(at + 12)));
        }
        assertEquals(List.of(new Rect(40, 30, 120, 130), new Rect(20, 50, 40, 130)), rects);
        assertEquals(1, s.get(2).body().getInt(5), "the frame is shown whole again");
    }

    @Test
    void whenTheMotionStopsTheStreamEndsWithALosslessPictureOfItsArea() {
        connect(VideoStreams.ALL, 0);
        frames(0, 22);
        int before = sent().size();
        now += 500_000_000L;
        assertEquals(501, display.streamTimeout(), "not yet: the next check is due when a second has passed");
        now += 600_000_000L;
        assertEquals(-1, display.streamTimeout());
        ack();
        List<Sent> s = sent().subList(before, sent().size());
        assertEquals(List.of(DisplayMessages.MSG_STREAM_CLIP, DisplayMessages.MSG_DRAW_COPY,
                DisplayMessages.MSG_STREAM_DESTROY), types(s));
        assertEquals(0, s.get(0).body().getInt(5), "an empty clip stops the client playing it first");
        ByteBuffer upgrade = s.get(1).body();
        assertEquals(List.of(20, 30, 120, 130), List.of(upgrade.getInt(4), upgrade.getInt(8), upgrade.getInt(12),
                upgrade.getInt(16)), "the upgrade covers the stream's box");
        assertUpgradeIsTheLastFrame(upgrade, gradient(100, 100, 21));
        assertEquals(0, display.liveStreams());
        frames(30, 1);
        assertEquals(DisplayMessages.MSG_DRAW_COPY, sent().getLast().type(), "a new copy is an image again");
    }

    @Test
    void aClientThatConnectsDuringAStreamIsToldOfItAndGetsItsFrames() {
        display.useJpeg(FakeJpeg::new);
        display.useClock(() -> now);
        display.useStreamTimer(timerRequests::add);
        display.setImageCompression(ImageEncoder.OFF);
        display.setStreamingVideo(VideoStreams.ALL);
        display.create(new Surface(0, SIDE, SIDE, Surface.FMT_32_XRGB, 4 * SIDE, primary, true));
        for (int i = 0; i < 22; i++) { // no client yet: the stream starts all the same
            now += FRAME_NS;
            display.draw(new Drawable(0, 0, BOX, null, new DrawOp.Copy(gradient(100, 100, i), Rect.ofSize(100, 100),
                    DrawOp.ROPD_OP_PUT, 1, Mask.NONE, false), 0), display.pixels().lease());
        }
        assertEquals(1, display.liveStreams());
        run = ChannelFuzzing.run(ChannelFuzzing.seed(true, 64, Msg.of(ChannelClient.MSGC_ACK_SYNC, b -> b.putInt(1))),
                ChannelType.DISPLAY, new int[] {0}, (connection, link) -> {
                    DisplayChannelClient client = new DisplayChannelClient(connection, link, display,
                            new GlzWindow());
                    display.addClient(client);
                    return client;
                });
        frames(22, 2);
        List<Sent> all = new ArrayList<>();
        new MessageFramer(true, Integer.MAX_VALUE).decode(ByteBuffer.wrap(run.socket().written()),
                (type, body) -> all.add(new Sent(type, body)));
        List<Integer> t = types(all);
        assertTrue(t.indexOf(DisplayMessages.MSG_STREAM_CREATE) < t.indexOf(DisplayMessages.MSG_MARK),
                "the stream comes with the screen: " + t);
        assertEquals(List.of(DisplayMessages.MSG_STREAM_DATA, DisplayMessages.MSG_STREAM_DATA),
                t.subList(t.size() - 2, t.size()));
    }

    @Test
    void theUpgradeIsLosslessEvenWhereJpegIsInForce() {
        connect(VideoStreams.ALL, 0);
        display.setImageCompression(ImageEncoder.AUTO_LZ);
        display.setWanCompression(WanCompression.ALWAYS, WanCompression.NEVER);
        frames(0, 22);
        now += 1_100_000_000L;
        display.streamTimeout();
        ack();
        List<Sent> s = sent();
        assertEquals(ImageEncoder.IMAGE_JPEG, imageType(s.getFirst().body()), "photo-like copies go JPEG here");
        Sent upgrade = s.get(s.size() - 2);
        assertEquals(DisplayMessages.MSG_DRAW_COPY, upgrade.type());
        assertEquals(ImageEncoder.IMAGE_QUIC, imageType(upgrade.body()), "the upgrade is not");
    }

    private static int imageType(ByteBuffer copy) {
        return copy.get(copy.getInt(21) + 8);
    }

    /** The upgrade's image is a raw top-down 32-bit bitmap with the last frame's pixels. */
    private static void assertUpgradeIsTheLastFrame(ByteBuffer copy, Bitmap last) {
        int at = copy.getInt(21);
        assertEquals(DisplayMessages.IMAGE_BITMAP, copy.get(at + 8), "lossless");
        int pixels = at + 18 + 18; // descriptor, then format, flags, x, y, stride, palette offset, data
        for (int y = 0; y < 100; y += 33) {
            for (int x = 0; x < 100; x += 33) {
                assertEquals(last.pixel(x, y) & 0xFFFFFF, copy.getInt(pixels + 4 * (y * 100 + x)) & 0xFFFFFF);
            }
        }
    }

    @Test
    void aDrawableThatReadsTheStreamAreaEndsItFirst() {
        connect(VideoStreams.ALL, 0);
        frames(0, 21);
        int before = sent().size();
        display.draw(new Drawable(0, 0, new Rect(0, 0, 50, 50), null, new DrawOp.Fill(new Brush.Solid(0x123456),
                0x20 /* xor */, Mask.NONE), 0), display.pixels().lease());
        ack();
        List<Sent> s = sent().subList(before, sent().size());
        assertEquals(List.of(DisplayMessages.MSG_STREAM_CLIP, DisplayMessages.MSG_DRAW_COPY,
                DisplayMessages.MSG_STREAM_DESTROY, DisplayMessages.MSG_DRAW_FILL), types(s));
        assertUpgradeIsTheLastFrame(s.get(1).body(), gradient(100, 100, 20));
    }

    @Test
    void aLargerFrameAroundTheStreamIsSizedForClientsThatTakeIt() {
        connect(VideoStreams.ALL, 1 << DisplayMessages.CAP_SIZED_STREAM);
        frames(0, 21);
        now += FRAME_NS;
        Rect bigger = new Rect(20, 30, 120, 180); // 150x100: contains the stream's box, less than twice its area
        copy(gradient(150, 100, 0), bigger);
        Sent last = sent().getLast();
        assertEquals(DisplayMessages.MSG_STREAM_DATA_SIZED, last.type());
        assertEquals(List.of(0, 150, 100, 20, 30, 120, 180, 12), List.of(last.body().getInt(0),
                last.body().getInt(8), last.body().getInt(12), last.body().getInt(16), last.body().getInt(20),
                last.body().getInt(24), last.body().getInt(28), last.body().getInt(32)));
    }

    @Test
    void aLargerFrameGoesAsAnImageToAClientWithoutSizedStreams() {
        connect(VideoStreams.ALL, 0);
        frames(0, 21);
        now += FRAME_NS;
        copy(gradient(150, 100, 0), new Rect(20, 30, 120, 180));
        assertEquals(DisplayMessages.MSG_DRAW_COPY, sent().getLast().type());
    }

    @Test
    void theStreamEndsWithThePrimarySurface() {
        connect(VideoStreams.ALL, 0);
        frames(0, 21);
        display.destroy(0);
        ack();
        List<Integer> t = types(sent());
        assertEquals(List.of(DisplayMessages.MSG_STREAM_CLIP, DisplayMessages.MSG_STREAM_DESTROY,
                DisplayMessages.MSG_SURFACE_DESTROY), t.subList(t.size() - 3, t.size()));
    }

    @Test
    void withoutAJpegCodecNothingStreams() {
        connect(VideoStreams.ALL, 0, null);
        frames(0, 30);
        assertEquals(repeat(DisplayMessages.MSG_DRAW_COPY, 30), types(sent()));
    }

    private FakeVideoFactory vp8Display(List<Integer> order) {
        FakeVideoFactory vp8 = new FakeVideoFactory(VideoEncoder.VP8);
        display.useVideoEncoders(List.of(vp8));
        display.setVideoCodecs(order);
        return vp8;
    }

    private static Sent first(List<Sent> s, int type) {
        return s.stream().filter(m -> m.type() == type).findFirst().orElseThrow(() -> new AssertionError(
                "no message " + type + " in " + types(s)));
    }

    @Test
    void aMultiCodecClientGetsTheFirstServerCodecItDecodesWithReportsActivated() {
        FakeVideoFactory vp8 = vp8Display(List.of(VideoEncoder.VP8, VideoEncoder.MJPEG));
        connect(VideoStreams.ALL, VP8_CLIENT);
        frames(0, 25);
        List<Sent> s = sent();
        assertEquals(concat(concat(repeat(DisplayMessages.MSG_DRAW_COPY, 20), List.of(DisplayMessages.MSG_STREAM_CREATE,
                ClientStreams.MSG_STREAM_ACTIVATE_REPORT)), repeat(DisplayMessages.MSG_STREAM_DATA, 5)), types(s));
        assertEquals(VideoEncoder.VP8, s.get(20).body().get(9), "STREAM_CREATE names this client's codec");
        ByteBuffer report = s.get(21).body();
        assertEquals(0, report.getInt(0), "stream id");
        assertEquals(List.of(StreamAgent.REPORT_WINDOW, StreamAgent.REPORT_TIMEOUT_MS),
                List.of(report.getInt(8), report.getInt(12)));
        ByteBuffer data = s.get(26).body();
        assertEquals(8, data.getInt(8));
        assertEquals('F', data.get(12));
        assertEquals(4, data.getInt(16), "the fifth frame of the encoder");
        assertEquals(1, vp8.opened.size());
        assertEquals((long) (StreamRate.CHANNEL_CAPACITY * StreamRate.DEFAULT_START), vp8.opened.get(0).rates.get(0),
                "no network test: the reference's default start rate, its share for streams");
    }

    @Test
    void aClientWithoutMultiCodecGetsMjpegWhateverTheServerOrder() {
        FakeVideoFactory vp8 = vp8Display(List.of(VideoEncoder.VP8, VideoEncoder.MJPEG));
        connect(VideoStreams.ALL, caps(StreamCodecs.CAP_CODEC_VP8));
        frames(0, 22);
        Sent create = first(sent(), DisplayMessages.MSG_STREAM_CREATE);
        assertEquals(VideoEncoder.MJPEG, create.body().get(9));
        assertTrue(vp8.opened.isEmpty());
    }

    @Test
    void theClientsPreferredCodecGoesFirstAndLiveStreamsStartAgain() {
        FakeVideoFactory vp8 = vp8Display(List.of(VideoEncoder.MJPEG, VideoEncoder.VP8));
        connect(VideoStreams.ALL, VP8_CLIENT);
        frames(0, 22);
        assertEquals(VideoEncoder.MJPEG, first(sent(), DisplayMessages.MSG_STREAM_CREATE).body().get(9));
        clientSends(Msg.of(DisplayChannelClient.MSGC_PREFERRED_VIDEO_CODEC_TYPE,
                b -> b.put((byte) 2).put((byte) VideoEncoder.VP8).put((byte) 9)));
        assertEquals(0, display.liveStreams(), "the MJPEG stream ended");
        frames(22, 22);
        List<Sent> s = sent();
        assertEquals(2, s.stream().filter(m -> m.type() == DisplayMessages.MSG_STREAM_CREATE).count());
        assertEquals(VideoEncoder.VP8, s.stream().filter(m -> m.type() == DisplayMessages.MSG_STREAM_CREATE)
                .toList().get(1).body().get(9));
        assertEquals(1, vp8.opened.size());
    }

    /** A report whose window ends with the frame sent last. */
    private Msg report(int stream, int reportId, int frames, int drops, int delay) {
        int last = (int) (now / 1_000_000L);
        return Msg.of(DisplayChannelClient.MSGC_STREAM_REPORT, b -> b.putInt(stream).putInt(reportId)
                .putInt(last - 200).putInt(last).putInt(frames).putInt(drops).putInt(delay).putInt(-1));
    }

    @Test
    void reportsOfDroppedOrLateFramesLowerTheRateAndBadOnesAreIgnored() {
        FakeVideoFactory vp8 = vp8Display(List.of(VideoEncoder.VP8));
        vp8.frameBytes = 20_000; // 4 Mbit/s at 25 fps
        connect(VideoStreams.ALL, VP8_CLIENT);
        frames(0, 100); // past the stream's warm-up
        int reportId = first(sent(), ClientStreams.MSG_STREAM_ACTIVATE_REPORT).body().getInt(4);
        FakeVideo encoder = vp8.opened.get(0);
        clientSends(report(0, reportId + 1, 5, 2, 100)); // an older stream's report id
        clientSends(Msg.of(DisplayChannelClient.MSGC_STREAM_REPORT, b -> b.putInt(0))); // short
        clientSends(report(7, reportId, 5, 2, 100)); // a stream it does not play
        clientSends(report(0, reportId, 5, 1 << 30, 100)); // absurd
        assertEquals(1, encoder.rates.size(), "no change from any of these");
        clientSends(report(0, reportId, 5, 2, 100));
        assertEquals(2, encoder.rates.size());
        assertTrue(encoder.rates.get(1) < encoder.rates.get(0), "drops lower the rate");
        frames(100, 5);
        clientSends(report(0, reportId, 5, 0, -40));
        assertTrue(encoder.rates.get(2) < encoder.rates.get(1), "late frames lower it too");
        frames(105, 3);
        assertFalse(run.client().closed());
        assertEquals(DisplayMessages.MSG_STREAM_DATA, sent().getLast().type(), "the stream goes on");
    }

    @Test
    void aClientThatCannotDecodeOrAFailedEncoderGetsTheFramesAsDraws() {
        FakeVideoFactory vp8 = vp8Display(List.of(VideoEncoder.VP8));
        connect(VideoStreams.ALL, VP8_CLIENT);
        frames(0, 22);
        vp8.opened.get(0).fail = true;
        frames(22, 2);
        List<Sent> s = sent();
        assertEquals(List.of(DisplayMessages.MSG_STREAM_DATA, DisplayMessages.MSG_DRAW_COPY, DisplayMessages.MSG_DRAW_COPY),
                types(s.subList(s.size() - 3, s.size())));
        assertTrue(vp8.opened.get(0).closed, "the failed encoder is freed");
    }

    @Test
    void framesBeyondTheRateAreSkippedNotQueued() {
        FakeVideoFactory vp8 = new FakeVideoFactory(VideoEncoder.VP8);
        vp8.frameBytes = 200_000; // 1.6 Mbit a frame: 40 Mbit/s at 25 fps, five times the 8 Mbit/s it may use
        display.useVideoEncoders(List.of(vp8));
        display.setVideoCodecs(List.of(VideoEncoder.VP8));
        connect(VideoStreams.ALL, VP8_CLIENT);
        frames(0, 21 + 100);
        long data = sent().stream().filter(m -> m.type() == DisplayMessages.MSG_STREAM_DATA).count();
        assertTrue(data >= 15 && data <= 30, "about a fifth of 100 frames fit the rate: " + data);
    }
}
