package org.spicejava.core.display;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.channel.ChannelClient;
import org.spicejava.core.channel.NetworkEstimate;
import org.spicejava.core.compress.GlzWindow;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.migration.MigrationData;
import org.spicejava.core.net.SocketConnection;

/**
 * One client's display channel (the reference's DisplayChannelClient), on the display worker's loop. Messages wait
 * in a queue while the ack window or the socket is full; when the queue would pass {@link #PENDING_LIMIT} it is
 * dropped and the client gets the current surfaces from the local renderer instead, so a slow client costs a
 * bounded amount of memory and still ends up with the true picture.
 */
public final class DisplayChannelClient extends ChannelClient {
    private static final Logger LOG = LoggerFactory.getLogger(DisplayChannelClient.class);
    /** SPICE_MSGC_DISPLAY_*. */
    static final int MSGC_INIT = 101;
    static final int MSGC_STREAM_REPORT = 102;
    static final int MSGC_PREFERRED_COMPRESSION = 103;
    static final int MSGC_GL_DRAW_DONE = 104;
    static final int MSGC_PREFERRED_VIDEO_CODEC_TYPE = 105;
    /** Largest message a display client sends (a codec preference list at most). */
    public static final int MAX_CLIENT_MESSAGE = 4096;
    /** Bytes we let the socket hold before we keep messages back in our own queue. */
    static final long SOCKET_HIGH_WATER = 4L << 20;
    /** Queued bytes after which the queue is replaced by a resend of the current surfaces (the heap is 64 MiB). */
    static final long PENDING_LIMIT = 16L << 20;

    /** What the client knows of a surface: enough to tell when it must be recreated. */
    record SurfaceKey(int width, int height, int format, int flags) {
    }

    private final DisplayChannel display;
    private final ImageEncoder images;
    private final GlzWindow glz;
    private final NetworkEstimate network;
    /** DISPLAY_INIT's pixmap cache and GLZ dictionary ids and the cache's size, kept for a seamless migration. */
    private int pixmapCacheId;
    private long pixmapCacheSize;
    private int glzDictionaryId;
    /** A seamless migration asked for MIGRATE: it goes out once the queue before it has. */
    private boolean migrateWhenDrained;
    private final ArrayDeque<DisplayMessages.Message> pending = new ArrayDeque<>();
    private final Map<Integer, SurfaceKey> clientSurfaces = new HashMap<>();
    private long pendingBytes;
    private boolean resync = true;
    /** A seamlessly arriving client: more happened before its migration data came in than could be held. */
    private boolean arrivalOverflow;
    /** A seamlessly arriving client waits for the VM to start here (QEMU loads the VM's display state first). */
    private boolean vmStartAwaited;
    /** The surfaces the arriving client has, from its migration data; null before it comes. */
    private List<Integer> arrivedSurfaceIds;
    /** This client's pixmap cache, from its DISPLAY_INIT; null before it or when this channel does not cache. */
    private PixmapCache pixmaps;
    /** The guest reset its image ids: the client drops its pixmaps before the next message. */
    private boolean pixmapsReset;
    /** The video streams this client plays. */
    private final ClientStreams streams;
    /** What a stream frame would wait behind on this connection (asked per frame; one object for all). */
    private final LongSupplier backlog = () -> connection().backlogBytes();
    /** Output waits while the display replaces its primary ({@link DisplayChannel#destroy}). */
    private boolean held;

    /** {@code glz}: the GLZ dictionary of the client session this channel belongs to. */
    public DisplayChannelClient(SocketConnection connection, LinkMessage link, DisplayChannel display,
                                GlzWindow glz) {
        this(connection, link, display, glz, new NetworkEstimate());
    }

    /** As above; {@code network}: the session's network test result, which the WAN settings follow. */
    public DisplayChannelClient(SocketConnection connection, LinkMessage link, DisplayChannel display,
                                GlzWindow glz, NetworkEstimate network) {
        super(connection, link, MAX_CLIENT_MESSAGE, true);
        this.display = display;
        this.glz = glz;
        this.network = network;
        this.images = new ImageEncoder(glz, link.hasChannelCap(ImageEncoder.CAP_LZ4), network, display::jpeg);
        this.streams = new ClientStreams(display, link, network);
    }

    @Override
    protected void onStart() {
        vmStartAwaited = awaitingMigrationData();
        sendSetAck();
        sendCounted(DisplayMessages.MSG_INVAL_ALL_PALETTES, ByteBuffer.allocate(0));
        connection.onWritten(this::pump);
        pump();
    }

    /** Queues a message for this client (all clients of a display get the same body). */
    void push(DisplayMessages.Message message) {
        if (arriving() && !closed()) {
            holdWhileArriving(message);
            return;
        }
        if (resync || closed()) {
            return; // the resend of the current state will include it (the caller keeps its reference)
        }
        // Queued draws that this one paints over entirely are not sent at all (the reference drops them too).
        while (!pending.isEmpty() && message.covers(pending.peekLast().drawable())) {
            DisplayMessages.Message dropped = pending.pollLast();
            pendingBytes -= dropped.size();
            streams.dropped(dropped);
            dropped.release();
        }
        pending.add(message.retain());
        pendingBytes += message.size();
        if (pendingBytes > PENDING_LIMIT) {
            LOG.info("display {}: client is {} MiB behind; will resend the current screen instead", display.id(),
                    pendingBytes >> 20);
            releasePending();
            resync = true;
        }
        pump();
    }

    /**
     * A client arriving seamlessly shows the source's picture; what the display draws before the client's migration
     * data comes in and the VM starts here is held for it in order, as the reference holds its pipe. A surface
     * created or destroyed meanwhile is the destination loading the VM's display (QEMU's qxl and VGA state recreate
     * the primary, before or after the client's data): what was held was drawn on what went away and is dropped,
     * and, as the reference, the client is not told of that churn; it keeps its picture until the VM draws. Too much
     * to hold means its surfaces are sent again instead (see {@link #finishArrival}).
     */
    private void holdWhileArriving(DisplayMessages.Message message) {
        if (arrivalOverflow) {
            return;
        }
        if (message.type() == DisplayMessages.MSG_SURFACE_CREATE
                || message.type() == DisplayMessages.MSG_SURFACE_DESTROY) {
            releasePending();
            return;
        }
        if (pendingBytes + message.size() > PENDING_LIMIT) {
            arrivalOverflow = true;
            releasePending();
            return;
        }
        pending.add(message.retain());
        pendingBytes += message.size();
    }

    /** Keeps queued messages back, or sends them (false). */
    void hold(boolean on) {
        held = on;
        if (!on) {
            pump();
        }
    }

    /** Drops every queued message (overflow, or the connection closed). */
    void releasePending() {
        pending.forEach(DisplayMessages.Message::release);
        pending.clear();
        pendingBytes = 0;
    }

    /** The connection closed: queued messages and stream encoders are freed. */
    void detach() {
        releasePending();
        streams.close();
    }

    /**
     * True while a client arriving seamlessly waits for its migration data or for the VM to start: it shows the
     * source's picture, and what happens here meanwhile is held (draws) or kept from it (the surfaces' churn).
     */
    private boolean arriving() {
        return awaitingMigrationData() || vmStartAwaited;
    }

    private void pump() {
        if (arriving() || held) {
            return; // it shows its picture until its migration state, or the replaced primary's first draws, are in
        }
        connection.cork(); // what this turn sends leaves together: no empty surface shown while its picture encodes
        try {
            sendQueued();
        } finally {
            connection.uncork();
        }
    }

    private void sendQueued() {
        while (!closed() && !ackBlocked() && connection.queuedBytes() < SOCKET_HIGH_WATER) {
            if (pending.isEmpty() && resync) {
                resync = false;
                if (streams.any()) { // what it still plays of streams whose end was dropped with the queue
                    streams.close();
                    sendCounted(DisplayMessages.MSG_STREAM_DESTROY_ALL, ByteBuffer.allocate(0));
                }
                pending.addAll(display.stateMessages(clientSurfaces));
            }
            DisplayMessages.Message m = pending.poll();
            if (m == null) {
                if (migrateWhenDrained) {
                    migrateWhenDrained = false;
                    super.migrate();
                }
                return;
            }
            pendingBytes = Math.max(0, pendingBytes - m.size());
            if (m.type() == DisplayMessages.MSG_MONITORS_CONFIG
                    && !link.hasChannelCap(DisplayMessages.CAP_MONITORS_CONFIG)) {
                m.release();
                continue; // a client without the capability would not understand it
            }
            if (m.type() == DisplayMessages.MSG_STREAM_CREATE) {
                streams.start(m.head(), this::sendCounted);
                m.release();
                continue;
            }
            if (!streams.known(m)) {
                m.release();
                continue;
            }
            StreamAgent.Encoded frame = streams.frame(m, backlog);
            if (frame != null) {
                if (frame.outcome() == StreamAgent.Outcome.SKIPPED) {
                    m.release();
                    continue;
                }
                if (frame.outcome() == StreamAgent.Outcome.SENT) {
                    sendCounted(m.frame().sized() ? DisplayMessages.MSG_STREAM_DATA_SIZED
                            : DisplayMessages.MSG_STREAM_DATA, DisplayMessages.streamData(m.frame(), frame.data()),
                            m::release);
                    continue;
                }
            }
            if (pixmapsReset) {
                pixmapsReset = false;
                pixmaps.clear();
                sendCounted(DisplayMessages.MSG_INVAL_ALL_PIXMAPS, DisplayMessages.invalAllPixmaps());
            }
            track(m);
            ByteBuffer[] own = encodedFor(m);
            List<Long> dropped = pixmaps == null ? List.of() : pixmaps.endMessage(own != null);
            if (!dropped.isEmpty()) { // the client must drop these before the message that made room for its own
                sendCounted(DisplayMessages.MSG_INVAL_LIST, DisplayMessages.invalList(dropped));
            }
            sendCounted(m.type(), own != null ? own : m.parts(), m::release);
        }
    }

    /**
     * spice_qxl_reset_image_cache: the guest's driver starts over and may reuse image ids for other pictures, so the
     * client forgets every pixmap before anything newer is sent (the reference keeps them, and a reused id would show
     * the old picture).
     */
    void resetPixmaps() {
        if (pixmaps != null) {
            pixmapsReset = true;
        }
    }

    /**
     * Seamless migration source: MIGRATE goes out after what is queued (the reference's pipe order), so the client
     * has the whole picture the destination will continue from.
     */
    @Override
    public void migrate() {
        if (migrating() || migrateWhenDrained) {
            return;
        }
        migrateWhenDrained = true;
        pump();
    }

    /** The reference's display migration data: what the client holds, for the destination to go on from. */
    @Override
    protected ByteBuffer migrationData() {
        boolean lowBandwidth = network.lowBandwidth();
        boolean lossy = images.jpegInForce(lowBandwidth);
        List<MigrationData.Surface> surfaces = clientSurfaces.entrySet().stream()
                .map(e -> new MigrationData.Surface(e.getKey(), lossy
                        ? new int[] {0, 0, e.getValue().width(), e.getValue().height()} : null))
                .toList();
        return MigrationData.display(new MigrationData.Display(messagesSent(), lowBandwidth, pixmapCacheId,
                pixmapCacheSize, pixmaps != null, new long[0], glzDictionaryId, images.glzWindow(),
                MigrationData.GLZ_MAX_ENCODERS, glz.nextImageId(), surfaces), lossy);
    }

    /**
     * Seamless migration destination: the client keeps its surfaces and caches and sends no DISPLAY_INIT, so its
     * cache sizes and GLZ dictionary come from the source; its GLZ images go on from the source's ids, its pixmap
     * cache is emptied (we do not know what it holds). It already shows the picture that moved with the VM, so, as
     * the reference, only what was held since it linked follows; if too much was, or the display's surfaces are not
     * the ones it has, the contents are sent again instead (without recreating the surfaces it has).
     */
    @Override
    protected void restoreMigrationData(ByteBuffer body) throws MigrationData.BadDataException {
        MigrationData.Display d = MigrationData.parseDisplay(body, images::jpegInForce);
        continueSerial(d.messageSerial());
        pixmapCacheId = d.pixmapCacheId();
        pixmapCacheSize = d.pixmapCacheSize();
        glzDictionaryId = d.glzDictionaryId();
        images.glzWindow(Math.clamp(Integer.toUnsignedLong(d.glzWindowPixels()), 0, ImageEncoder.MAX_GLZ_WINDOW));
        if (!glz.continueFrom(d.glzNextImageId())) {
            LOG.info("display {}: GLZ ids already given out; the client's window restarts", display.id());
        }
        if (display.id() == 0 && pixmaps == null && d.pixmapCacheSize() > 0) {
            pixmaps = new PixmapCache(Math.clamp(d.pixmapCacheSize(), 0, PixmapCache.MAX_PIXELS));
            pixmapsReset = true; // INVAL_ALL_PIXMAPS before the first message
        }
        arrivedSurfaceIds = d.surfaces().stream().map(MigrationData.Surface::id).toList();
        LOG.info("display {}: continuing a seamlessly migrated client: {} surface(s), GLZ from id {}", display.id(),
                d.surfaces().size(), d.glzNextImageId());
    }

    @Override
    protected void migrationDataRestored() {
        if (!vmStartAwaited) {
            finishArrival();
        }
        pump();
    }

    /** The VM started (spice_server_vm_start): an arriving client whose data is in gets what was held. */
    void vmStarted() {
        if (!vmStartAwaited) {
            return;
        }
        vmStartAwaited = false;
        if (!awaitingMigrationData()) {
            finishArrival();
        }
        pump();
    }

    /**
     * The client's data is in and the VM runs, its display state loaded: if the surfaces are the ones the client
     * has, only what was held since follows; otherwise (or if too much was held) their contents are sent again.
     */
    private void finishArrival() {
        if (arrivedSurfaceIds == null) {
            return; // the data was refused: the channel closes
        }
        clientSurfaces.putAll(display.surfacesAtClient(arrivedSurfaceIds));
        resync = arrivalOverflow || !new HashSet<>(arrivedSurfaceIds).equals(display.surfaceIds());
        if (resync) {
            releasePending();
        }
    }

    /** Keeps our model of the client's surfaces in step with what was sent. */
    private void track(DisplayMessages.Message m) {
        ByteBuffer b = m.head();
        if (m.type() == DisplayMessages.MSG_SURFACE_CREATE) {
            clientSurfaces.put(b.getInt(0), new SurfaceKey(b.getInt(4), b.getInt(8), b.getInt(12), b.getInt(16)));
        } else if (m.type() == DisplayMessages.MSG_SURFACE_DESTROY) {
            clientSurfaces.remove(b.getInt(0));
        }
    }

    /**
     * This client's own bytes for {@code m}: a draw encoded for it, using its pixmap cache. Null when the shared
     * bytes serve: not a draw, nothing to encode or cache, or the encoder failed.
     */
    private ByteBuffer[] encodedFor(DisplayMessages.Message m) {
        int setting = display.imageCompression();
        images.wanCompression(display.jpegWan(), display.zlibGlzWan());
        if (m.drawable() == null || m.memory() == null || (!images.compresses(setting) && pixmaps == null)) {
            return null;
        }
        try {
            return DisplayMessages.draw(m.drawable(), null,
                    new DisplayMessages.Coding(images, setting, m.memory(), pixmaps, m.lossless())).parts();
        } catch (RuntimeException e) { // an encoder bug costs this image its compression, nothing else
            LOG.error("display {}: image encoding failed; sent uncompressed", display.id(), e);
            return null;
        }
    }

    public int preferredCompression() {
        return images.preferred();
    }

    @Override
    protected void onAckWindowMoved() {
        pump();
    }

    @Override
    protected boolean handle(int type, ByteBuffer body) {
        switch (type) {
            case MSGC_INIT -> {
                // u8 pixmap_cache_id, i64 pixmap_cache_size, u8 glz_dictionary_id, i32 glz window (pixels).
                if (body.remaining() < 14) {
                    close("short DISPLAY_INIT");
                    return true;
                }
                int window = body.getInt(10);
                if (window < 0 || window > ImageEncoder.MAX_GLZ_WINDOW) {
                    LOG.warn("display {}: client's GLZ window of {} pixels clamped to {}", display.id(), window,
                            ImageEncoder.MAX_GLZ_WINDOW);
                }
                images.glzWindow(Math.clamp(window, 0, ImageEncoder.MAX_GLZ_WINDOW));
                long cacheSize = body.getLong(1);
                pixmapCacheId = Byte.toUnsignedInt(body.get(0));
                pixmapCacheSize = cacheSize;
                glzDictionaryId = Byte.toUnsignedInt(body.get(9));
                if (cacheSize < 0 || cacheSize > PixmapCache.MAX_PIXELS) {
                    LOG.warn("display {}: client's pixmap cache of {} pixels clamped to {}", display.id(), cacheSize,
                            PixmapCache.MAX_PIXELS);
                }
                // Guest image ids are per QXL device and the client has one cache for all its display channels,
                // so only the first display caches.
                if (display.id() == 0 && pixmaps == null) {
                    pixmaps = new PixmapCache(Math.clamp(cacheSize, 0, PixmapCache.MAX_PIXELS));
                }
                LOG.info("display {}: client caches {} pixels, GLZ window {} pixels", display.id(), cacheSize,
                        window);
            }
            case MSGC_PREFERRED_COMPRESSION -> {
                if (body.remaining() < 1) {
                    close("short PREFERRED_COMPRESSION");
                    return true;
                }
                int preferred = Byte.toUnsignedInt(body.get(0));
                if (ImageEncoder.valid(preferred)) {
                    images.prefer(preferred);
                } else {
                    LOG.warn("display {}: client prefers unknown image compression {}; ignored", display.id(),
                            preferred);
                }
            }
            case MSGC_STREAM_REPORT -> streams.report(body);
            case MSGC_PREFERRED_VIDEO_CODEC_TYPE -> streams.prefer(body);
            case MSGC_GL_DRAW_DONE -> {
                // no GL scanout is sent, so this carries nothing we act on
            }
            default -> {
                return false;
            }
        }
        return true;
    }
}
