package org.spicejava.core.display;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.compress.JpegEncoder;
import org.spicejava.core.compress.MjpegVideo;
import org.spicejava.core.compress.VideoEncoder;
import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.core.display.draw.DrawOp;
import org.spicejava.core.display.draw.Drawable;
import org.spicejava.core.display.draw.Rect;

/**
 * The surfaces of one QXL instance and the display channel clients that watch them (the reference's
 * DisplayChannel): surface lifetime, local rendering of every drawable, and the messages that tell clients about
 * both. Display worker thread.
 */
public final class DisplayChannel {
    private static final Logger LOG = LoggerFactory.getLogger(DisplayChannel.class);
    /** Surfaces per device we accept, whatever the device reports. */
    static final int MAX_SURFACES = 4096;

    private final int id;
    private final Surface[] surfaces;
    private final Renderer renderer;
    private final PixelPool pixels = new PixelPool();
    private final DeferredCopies deferred;
    private final List<DisplayChannelClient> clients = new ArrayList<>();
    /** The guest driver's last accepted monitors config; kept across primary surfaces until the driver unloads. */
    private MonitorsConfig guestMonitors;
    /**
     * The guest driver sends monitors configs (the reference's driver_cap_monitors_config): a new primary surface
     * then waits for the driver's own config instead of announcing one head over the whole surface.
     */
    private boolean driverMonitors;
    /** max_allowed of the single head announced without a guest config: the last guest config's, 1 before any. */
    private int lastMaxAllowed = 1;
    /** The MONITORS_CONFIG last sent to every client, or null. */
    private MonitorsConfig announced;
    private int imageCompression = ImageEncoder.AUTO_GLZ;
    private int jpegWan = WanCompression.AUTO;
    private int zlibGlzWan = WanCompression.AUTO;
    /** Where this worker's JPEG encoder comes from; null when the host has no JPEG codec. */
    private JpegEncoder.Factory jpegCodec;
    /** This worker's JPEG encoder, shared by its clients (all encode on this thread), once opened. */
    private JpegEncoder jpeg;
    private boolean jpegOpened;
    private final VideoStreams streams = new VideoStreams();
    /** The codecs streams may use, by SPICE_VIDEO_CODEC_TYPE: MJPEG over the JPEG encoder, and the host's. */
    private final Map<Integer, VideoEncoder.Factory> videoEncoders = new HashMap<>();
    /** The server's codec order (spice_server_set_video_codecs), as codec types. */
    private List<Integer> videoCodecs = List.of(VideoEncoder.MJPEG);
    /** Monotonic nanoseconds; tests drive it. */
    private java.util.function.LongSupplier clock = System::nanoTime;
    /** Asks the worker for a {@link #streamTimeout} call after this many milliseconds. */
    private java.util.function.LongConsumer streamTimer = ms -> { };
    /** Asks the worker for a {@link #replacementTimeout} call after this many milliseconds; null: no hold. */
    private java.util.function.LongConsumer replacementTimer;
    /** Longest a replaced primary's messages wait for the new primary's first draws. */
    static final long REPLACEMENT_HOLD_MS = 100;
    /** The primary went away while clients watched: their output waits for the new one's first draws. */
    private boolean replacingPrimary;
    private boolean newPrimaryDrawn;

    public DisplayChannel(int id, int surfaceCount) {
        this.id = id;
        this.surfaces = new Surface[Math.clamp(surfaceCount, 1, MAX_SURFACES)];
        this.renderer = new Renderer(this::surface);
        this.deferred = new DeferredCopies(renderer);
    }

    public int id() {
        return id;
    }

    /** The server's image compression setting (spice_server_set_image_compression). */
    public int imageCompression() {
        return imageCompression;
    }

    public void setImageCompression(int value) {
        imageCompression = value;
    }

    /** spice_server_set_jpeg_compression (spice_wan_compression_t: 1 auto, 2 always, 3 never). */
    public int jpegWan() {
        return jpegWan;
    }

    /** spice_server_set_zlib_glz_compression, as {@link #jpegWan}. */
    public int zlibGlzWan() {
        return zlibGlzWan;
    }

    public void setWanCompression(int jpeg, int zlibGlz) {
        jpegWan = jpeg;
        zlibGlzWan = zlibGlz;
    }

    /**
     * The JPEG encoder of this worker, or null when the host has no JPEG codec. It is opened on the first call
     * (binding the codec takes tens of milliseconds, which neither server start nor a client that never gets JPEG
     * should pay); a codec that fails to open is not tried again.
     */
    public JpegEncoder jpeg() {
        if (!jpegOpened && jpegCodec != null) {
            jpegOpened = true;
            try {
                jpeg = jpegCodec.open();
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("display {}: JPEG encoder could not be opened; images stay lossless: {}", id, e.toString());
            }
        }
        return jpeg;
    }

    void useJpeg(JpegEncoder.Factory codec) {
        jpegCodec = codec;
        if (codec != null) {
            videoEncoders.put(VideoEncoder.MJPEG, MjpegVideo.over(this::jpeg));
        }
    }

    /** Video encoders beyond MJPEG that this host has (each may still turn out unavailable when opened). */
    void useVideoEncoders(List<VideoEncoder.Factory> factories) {
        factories.forEach(f -> videoEncoders.put(f.codecType(), f));
    }

    Map<Integer, VideoEncoder.Factory> videoEncoders() {
        return videoEncoders;
    }

    /** spice_server_set_video_codecs, as codec types in the server's order. */
    public void setVideoCodecs(List<Integer> order) {
        videoCodecs = List.copyOf(order);
    }

    List<Integer> videoCodecs() {
        return videoCodecs;
    }

    /** The display's clock (monotonic nanoseconds). */
    long now() {
        return clock.getAsLong();
    }

    /** Source pixels of all live streams, which share a client's link. */
    long liveStreamPixels() {
        return streams.all().stream().mapToLong(s -> (long) s.width * s.height).sum();
    }

    /** A client's codec preference changed: live streams end, and start again in the codec it now gets. */
    void restartStreams() {
        stopStreams(true);
    }

    void closeJpeg() {
        if (jpeg != null) {
            jpeg.close();
            jpeg = null;
        }
    }

    /** spice_server_set_streaming_video (1 off, 2 all, 3 filter); turning it off ends live streams. */
    public void setStreamingVideo(int mode) {
        streams.mode(mode);
        if (mode == VideoStreams.OFF) {
            stopStreams(true);
        }
    }

    void useClock(java.util.function.LongSupplier nanos) {
        clock = nanos;
    }

    void useStreamTimer(java.util.function.LongConsumer millis) {
        streamTimer = millis;
    }

    void useReplacementTimer(java.util.function.LongConsumer millis) {
        replacementTimer = millis;
    }

    /**
     * The worker took what its rings held: a primary replaced meanwhile, and drawn on, goes to clients now, its
     * destroy, create and first draws together. Worker thread.
     */
    public void commandsTaken() {
        if (replacingPrimary && newPrimaryDrawn) {
            endReplacement();
        }
    }

    /** The replaced primary's hold ran out (a guest that draws nothing on its new screen). Worker thread. */
    public void replacementTimeout() {
        if (replacingPrimary) {
            endReplacement();
        }
    }

    private void endReplacement() {
        replacingPrimary = false;
        for (DisplayChannelClient c : clients()) {
            c.hold(false);
        }
    }

    /** The multimedia time of a frame sent now (the same clock as the main channel's MULTI_MEDIA_TIME). */
    private int mmTime() {
        return (int) (clock.getAsLong() / 1_000_000L);
    }

    /**
     * Ends streams that got no frame for a second (video_stream_timeout), each with a lossless picture of its area.
     * Returns milliseconds until the next check is due, or -1 when no stream is live.
     */
    public long streamTimeout() {
        long now = clock.getAsLong();
        for (VideoStreams.Stream s : streams.timedOut(now)) {
            stopStream(s, true);
        }
        long left = streams.untilNextTimeout(now);
        return left < 0 ? -1 : Math.max(1, left / 1_000_000L + 1);
    }

    /** Live stream count (tests). */
    int liveStreams() {
        return streams.all().size();
    }

    /**
     * Ends a stream as the reference detaches one gracefully: an empty clip stops the client playing it, the
     * current picture of its area goes as a lossless copy (when {@code upgrade}), then STREAM_DESTROY.
     */
    private void stopStream(VideoStreams.Stream s, boolean upgrade) {
        streams.remove(s);
        broadcast(DisplayMessages.streamClip(s.id, List.of()));
        Surface primary = primary();
        if (upgrade && primary != null && primary.renderable() && !clients.isEmpty()) {
            drawDeferred();
            Rect area = s.dest.intersect(primary.bounds());
            if (!area.isEmpty()) {
                PixelPool.Lease lease = pixels.lease();
                MemorySegment copy = lease.allocate(4L * area.width() * area.height(), 8);
                primary.copyTo(area, copy);
                broadcast(DisplayMessages.copy(0, area, new Bitmap(area.width(), area.height(), copy,
                        primary.hasAlpha()), lease).lossless(true)); // as dcc_add_surface_area_image, no JPEG
            }
        }
        broadcast(DisplayMessages.streamDestroy(s.id));
    }

    private void stopStreams(boolean upgrade) {
        for (VideoStreams.Stream s : streams.all()) {
            stopStream(s, upgrade);
        }
    }

    /**
     * Stream bookkeeping for a drawable about to be drawn (before it is): returns the frame it is of a stream, or
     * null. Other drawables over a stream clip it when they only paint (streams_update_visible_region), and end it
     * with an upgrade when they read what is below (video_stream_detach_behind).
     */
    private DisplayMessages.StreamFrame streamFrame(Drawable d) {
        if (streams.mode() == VideoStreams.OFF || d.surfaceId() != 0) {
            return null;
        }
        long now = clock.getAsLong();
        VideoStreams.Frame f = streams.frame(d, now);
        if (f != null && f.created() && videoEncoders.isEmpty()) { // no codec on this host: nothing streams
            streams.remove(f.stream());
            f = null;
        }
        for (VideoStreams.Stream s : streams.touching(d.bbox())) {
            if (f != null && f.stream() == s) {
                continue;
            }
            if (DisplayMessages.isOpaqueCover(d)) {
                s.clip = Rect.subtract(s.clip, d.bbox());
                broadcast(DisplayMessages.streamClip(s.id, s.clip));
            } else {
                stopStream(s, true);
            }
        }
        if (f == null) {
            return null;
        }
        VideoStreams.Stream s = f.stream();
        if (f.created()) {
            broadcast(DisplayMessages.streamCreate(s.id, s.width, s.height, s.dest, s.clip));
            streamTimer.accept(VideoStreams.TIMEOUT / 1_000_000L);
        } else {
            List<Rect> clip = new ArrayList<>(Rect.subtract(s.clip, d.bbox()));
            clip.add(d.bbox());
            if (!(clip.containsAll(s.clip) && s.clip.containsAll(clip))) { // the same set of rectangles
                s.clip = List.copyOf(clip);
                broadcast(DisplayMessages.streamClip(s.id, s.clip));
            }
        }
        Rect src = ((DrawOp.Copy) d.op()).srcArea();
        boolean sized = src.width() != s.width || src.height() != s.height || !d.bbox().equals(s.dest);
        return new DisplayMessages.StreamFrame(s.id, src.width(), src.height(), d.bbox(), sized, mmTime());
    }

    /** The surface with this id, or null. */
    public Surface surface(int surfaceId) {
        return surfaceId >= 0 && surfaceId < surfaces.length ? surfaces[surfaceId] : null;
    }

    public Surface primary() {
        return surfaces[0];
    }

    /** Where the worker decodes images; shared with the surface snapshots sent to new clients. */
    public PixelPool pixels() {
        return pixels;
    }

    public List<DisplayChannelClient> clients() {
        return List.copyOf(clients);
    }

    /** A client linked; during a primary replacement it waits with the others. */
    public void addClient(DisplayChannelClient client) {
        clients.add(client);
        if (replacingPrimary) {
            client.hold(true);
        }
    }

    /**
     * The VM started: seamlessly arriving clients stop waiting for it, and what follows is held as for a primary
     * replacement: QEMU's first refresh on a migration's destination replaces the screen it had before the VM's
     * state came (destroy, create, then the draws), and a client that linked meanwhile (a semi-seamless arrival)
     * would be shown that old, black screen until then. Worker thread.
     */
    public void vmStarted() {
        List.copyOf(clients).forEach(DisplayChannelClient::vmStarted);
        startHold();
    }

    public void removeClient(DisplayChannelClient client) {
        clients.remove(client);
    }

    /** Creates a surface over memory already translated and sized; refuses an id in use or out of range. */
    public void create(Surface surface) {
        if (surface.id() < 0 || surface.id() >= surfaces.length) {
            throw new QxlException("surface id " + surface.id() + " out of range (" + surfaces.length + ")");
        }
        if (surfaces[surface.id()] != null) {
            throw new QxlException("surface " + surface.id() + " already exists");
        }
        surfaces[surface.id()] = surface;
        broadcast(DisplayMessages.surfaceCreate(surface.id(), surface.width(), surface.height(), surface.format(),
                surface.primary() ? DisplayMessages.SURFACE_PRIMARY : 0));
        if (surface.primary()) {
            // A driver that describes its heads sends its config for the new surface itself (the reference sends
            // none then); ours is only sent when it now fits the surface differently from what clients have.
            if (!driverMonitors || !monitors().equals(announced)) {
                announceMonitors();
            }
            broadcast(DisplayMessages.empty(DisplayMessages.MSG_MARK)); // connected clients may show it now
        }
    }

    /**
     * The guest driver wrote a monitors config (spice_qxl_monitors_config_async): {@code checked} is what may be
     * announced of it ({@link MonitorsConfig.Guest#check}), or null when it was refused, which keeps the last one.
     * Either way the driver has shown it describes its heads.
     */
    public void setGuestMonitors(MonitorsConfig checked) {
        driverMonitors = true;
        if (checked == null) {
            return;
        }
        guestMonitors = checked;
        lastMaxAllowed = checked.maxAllowed();
        if (primary() != null) {
            announceMonitors();
        }
    }

    private void announceMonitors() {
        announced = monitors();
        broadcast(DisplayMessages.monitorsConfig(announced));
    }

    /** The guest driver went away (spice_qxl_driver_unload): its monitors config goes with it. */
    public void driverUnloaded() {
        driverMonitors = false;
        guestMonitors = null;
    }

    /** The guest's own monitors configuration, or null. */
    MonitorsConfig guestMonitors() {
        return guestMonitors;
    }

    /** What MONITORS_CONFIG says now: the guest's fitted to the primary surface, or one head over all of it. */
    MonitorsConfig monitors() {
        return guestMonitors != null ? guestMonitors.within(primary()) : MonitorsConfig.single(primary(),
                lastMaxAllowed);
    }

    public void destroy(int surfaceId) {
        if (surface(surfaceId) == null) {
            throw new QxlException("destroy of surface " + surfaceId + " that does not exist");
        }
        if (surfaceId == 0) {
            holdForReplacement();
            stopStreams(false);
        }
        surfaces[surfaceId] = null;
        deferred.drop(surfaceId);
        broadcast(DisplayMessages.surfaceDestroy(surfaceId));
    }

    /**
     * A mode switch destroys the primary, creates the next and draws on it through separate calls; clients told
     * each at once show black in between (QEMU's VGA switch after a migration: tens of milliseconds). Unlike the reference,
     * what follows the destroy is held until the new primary has been drawn on (or for {@link
     * #REPLACEMENT_HOLD_MS}), so clients go from the old picture to the new one.
     */
    private void holdForReplacement() {
        newPrimaryDrawn = false; // what ends the hold is a draw on the next primary
        if (!clients.isEmpty()) {
            startHold();
        }
    }

    private void startHold() {
        if (replacementTimer == null || replacingPrimary) {
            return;
        }
        replacingPrimary = true;
        newPrimaryDrawn = false;
        for (DisplayChannelClient c : clients()) {
            c.hold(true);
        }
        replacementTimer.accept(REPLACEMENT_HOLD_MS);
    }

    /** Destroys every surface (spice_qxl_destroy_surfaces, a device reset). */
    public void destroyAll() {
        for (int i = surfaces.length - 1; i >= 0; i--) {
            if (surfaces[i] != null) {
                destroy(i);
            }
        }
    }

    /**
     * Draws on the local surface, then forwards the drawable to every client. Takes {@code images}, the lease of
     * the drawable's bitmaps: it is closed once neither a client nor the renderer needs them any more.
     * Plain opaque copies are drawn lazily, as the reference's canvas draws: what later copies paint over is never
     * drawn ({@link DeferredCopies}); anything that reads pixels (update_area, a new client, other drawables)
     * draws them first.
     */
    public void draw(Drawable d, PixelPool.Lease images) {
        Surface target = surface(d.surfaceId());
        if (target == null) {
            images.close();
            throw new QxlException("drawable for surface " + d.surfaceId() + " that does not exist");
        }
        if (!target.bounds().contains(d.bbox())) {
            images.close(); // as the reference, a box reaching outside its surface is refused
            throw new QxlException("bbox " + d.bbox() + " outside surface " + d.surfaceId() + " ("
                    + target.width() + "x" + target.height() + ")");
        }
        if (d.surfaceId() == 0) {
            newPrimaryDrawn = true;
        }
        DisplayMessages.StreamFrame frame;
        try {
            frame = streamFrame(d);
        } catch (RuntimeException e) {
            images.close();
            throw e;
        }
        try {
            if (DisplayMessages.isOpaqueCover(d) && target.renderable()) {
                deferred.add(target, d, images);
            } else {
                drawDeferred();
                renderer.draw(target, d);
            }
        } catch (RuntimeException e) {
            images.close();
            throw e;
        }
        if (clients.isEmpty()) {
            images.close();
            return;
        }
        DisplayMessages.Message message;
        try {
            message = DisplayMessages.draw(d, images);
            message.frame(frame);
        } catch (RuntimeException e) {
            images.close();
            throw e;
        }
        broadcast(message);
    }

    /** Draws every deferred copy, in order; call before anything reads surface pixels. */
    public void drawDeferred() {
        deferred.drawAll();
    }

    /** Queues a message for every client and drops the caller's reference. */
    private void broadcast(DisplayMessages.Message message) {
        for (DisplayChannelClient c : clients()) { // a client whose write fails leaves the list while we iterate
            c.push(message);
        }
        message.release();
    }

    /**
     * Messages that bring a client from what it knows ({@code known}, by surface id) to the current state:
     * destroys, creates, the content of every surface we render, then MARK.
     */
    List<DisplayMessages.Message> stateMessages(Map<Integer, DisplayChannelClient.SurfaceKey> known) {
        drawDeferred();
        List<DisplayMessages.Message> out = new ArrayList<>();
        for (int sid : List.copyOf(known.keySet())) {
            Surface s = surface(sid);
            if (s == null || !key(s).equals(known.get(sid))) {
                out.add(DisplayMessages.surfaceDestroy(sid));
            }
        }
        List<DisplayMessages.Message> contents = new ArrayList<>();
        for (Surface s : surfaces) {
            if (s == null) {
                continue;
            }
            if (!key(s).equals(known.get(s.id())) || out.stream().anyMatch(m -> isDestroyOf(m, s.id()))) {
                out.add(DisplayMessages.surfaceCreate(s.id(), s.width(), s.height(), s.format(),
                        s.primary() ? DisplayMessages.SURFACE_PRIMARY : 0));
            }
            if (s.renderable()) {
                Rect all = s.bounds();
                PixelPool.Lease lease = pixels.lease();
                MemorySegment copy = lease.allocate(4L * s.width() * s.height(), 8);
                s.copyTo(all, copy);
                contents.add(DisplayMessages.copy(s.id(), all, new Bitmap(s.width(), s.height(), copy,
                        s.hasAlpha()), lease));
            }
        }
        out.addAll(contents);
        for (VideoStreams.Stream st : streams.all()) { // dcc_create_all_streams: live streams go on for this client
            out.add(DisplayMessages.streamCreate(st.id, st.width, st.height, st.dest, st.clip));
        }
        if (primary() != null) {
            out.add(DisplayMessages.monitorsConfig(monitors()));
            out.add(DisplayMessages.empty(DisplayMessages.MSG_MARK));
        }
        return out;
    }

    private static boolean isDestroyOf(DisplayMessages.Message m, int surfaceId) {
        return m.type() == DisplayMessages.MSG_SURFACE_DESTROY && m.body().getInt(0) == surfaceId;
    }

    /**
     * What a client arriving with its migrated VM has of the surfaces it lists: the current key of each that
     * exists here (the guest's state moved with the VM), so only their contents are sent again. Worker thread.
     */
    Map<Integer, DisplayChannelClient.SurfaceKey> surfacesAtClient(List<Integer> ids) {
        Map<Integer, DisplayChannelClient.SurfaceKey> known = new HashMap<>();
        for (int id : ids) {
            Surface s = surface(id);
            if (s != null) {
                known.put(id, key(s));
            }
        }
        return known;
    }

    /** The ids of the live surfaces. */
    Set<Integer> surfaceIds() {
        Set<Integer> ids = new HashSet<>();
        for (Surface s : surfaces) {
            if (s != null) {
                ids.add(s.id());
            }
        }
        return ids;
    }

    private static DisplayChannelClient.SurfaceKey key(Surface s) {
        return new DisplayChannelClient.SurfaceKey(s.width(), s.height(), s.format(),
                s.primary() ? DisplayMessages.SURFACE_PRIMARY : 0);
    }

    /** Closes every client (the device went away). */
    public void closeClients(String reason) {
        for (DisplayChannelClient c : clients()) {
            c.close(reason);
        }
        LOG.debug("display {}: clients closed: {}", id, reason);
    }
}
