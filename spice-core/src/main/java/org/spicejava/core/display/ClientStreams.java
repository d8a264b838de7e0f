package org.spicejava.core.display;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.channel.NetworkEstimate;
import org.spicejava.core.compress.VideoEncoder;
import org.spicejava.core.display.draw.Bitmap;
import org.spicejava.core.display.draw.DrawOp;
import org.spicejava.core.link.LinkMessage;

/**
 * The video streams one display client plays (the reference's stream agents of a DisplayChannelClient): which it
 * was told of, each one's encoder and rate, its codec preference and its stream reports. Display worker thread.
 */
final class ClientStreams {
    private static final Logger LOG = LoggerFactory.getLogger(ClientStreams.class);
    /** SPICE_MSG_DISPLAY_STREAM_ACTIVATE_REPORT. */
    static final int MSG_STREAM_ACTIVATE_REPORT = 319;

    private final DisplayChannel display;
    private final LinkMessage link;
    private final NetworkEstimate network;
    /** Streams this client was told of (STREAM_CREATE sent, no STREAM_DESTROY yet), by id. */
    private final Map<Integer, StreamAgent> streams = new HashMap<>();
    /** The client's PREFERRED_VIDEO_CODEC_TYPE ranks, or null before (or without) one. */
    private int[] codecRanks;
    private final Random reportIds = new Random();
    /** Rate-limits lines about bad client messages. */
    private long badMessages;

    ClientStreams(DisplayChannel display, LinkMessage link, NetworkEstimate network) {
        this.display = display;
        this.link = link;
        this.network = network;
    }

    /** True while the client plays a stream. */
    boolean any() {
        return !streams.isEmpty();
    }

    /** Ends every stream's encoder (the client goes, or is told STREAM_DESTROY_ALL). */
    void close() {
        streams.values().forEach(StreamAgent::close);
        streams.clear();
    }

    /**
     * A stream starts for this client (dcc_create_stream): an encoder of the codec it gets, STREAM_CREATE naming
     * that codec, and STREAM_ACTIVATE_REPORT when it reports, through {@code send}. Without an encoder it can
     * decode, it is not told of the stream and gets the frames as draws.
     */
    void start(ByteBuffer create, BiConsumer<Integer, ByteBuffer> send) {
        int id = create.getInt(4);
        long pixels = (long) create.getInt(18) * create.getInt(22);
        NetworkEstimate.Result test = network.result();
        long rate = StreamRate.startBitRate(test == null ? null : test.bitsPerSecond(), network.lowBandwidth(), pixels,
                display.liveStreamPixels());
        VideoEncoder encoder;
        try {
            encoder = StreamCodecs.open(StreamCodecs.order(display.videoCodecs(), codecRanks),
                    display.videoEncoders(), link, rate);
        } catch (RuntimeException e) {
            LOG.error("display {}: no video encoder could be opened for stream {}", display.id(), id, e);
            encoder = null;
        }
        if (encoder == null) {
            return;
        }
        StreamAgent agent = new StreamAgent(id, reportIds.nextInt(), encoder, new StreamRate(rate, display.now()),
                network::needMoreLatency);
        StreamAgent old = streams.put(id, agent);
        if (old != null) {
            old.close();
        }
        ByteBuffer own = ByteBuffer.allocate(create.remaining()).order(create.order());
        own.put(create.duplicate()).flip();
        own.put(9, (byte) agent.codecType());
        send.accept(DisplayMessages.MSG_STREAM_CREATE, own);
        if (link.hasChannelCap(DisplayMessages.CAP_STREAM_REPORT)) {
            send.accept(MSG_STREAM_ACTIVATE_REPORT, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(id).putInt(agent.reportId).putInt(StreamAgent.REPORT_WINDOW)
                    .putInt(StreamAgent.REPORT_TIMEOUT_MS).flip());
        }
        LOG.info("display {}: stream {} to this client as codec {} at {} kbit/s", display.id(), id,
                agent.codecType(), rate / 1000);
    }

    /**
     * Tracks the streams this client knows; false for a clip or destroy of a stream it was never told of (it
     * joined, or resynchronised, after the stream started), which is then not sent.
     */
    boolean known(DisplayMessages.Message m) {
        switch (m.type()) {
            case DisplayMessages.MSG_STREAM_CLIP -> {
                return streams.containsKey(m.head().getInt(0));
            }
            case DisplayMessages.MSG_STREAM_DESTROY -> {
                StreamAgent agent = streams.remove(m.head().getInt(0));
                if (agent != null) {
                    agent.close();
                    LOG.info("display {}: stream {} ended: {} frames sent, {} skipped, last rate {} kbit/s",
                            display.id(), agent.streamId, agent.frames(), agent.skipped(), agent.bitRate() / 1000);
                }
                return agent != null;
            }
            default -> { }
        }
        return true;
    }

    /**
     * A stream frame for this client through its encoder (red_marshall_stream_data), or null when {@code m} is no
     * frame of a stream it plays: SENT with the encoded frame, SKIPPED when the rate leaves it out, FAILED when it
     * goes as the plain draw instead (a sized frame for a client without SIZED_STREAM, no frame to read, or an
     * encoder that failed).
     */
    StreamAgent.Encoded frame(DisplayMessages.Message m, LongSupplier backlogBytes) {
        DisplayMessages.StreamFrame f = m.frame();
        StreamAgent agent = f == null ? null : streams.get(f.streamId());
        if (agent == null) {
            return null;
        }
        if (f.sized() && !link.hasChannelCap(DisplayMessages.CAP_SIZED_STREAM)) {
            return StreamAgent.Encoded.FAIL;
        }
        if (m.memory() == null || !(m.drawable().op() instanceof DrawOp.Copy c) || !(c.src() instanceof Bitmap b)) {
            return StreamAgent.Encoded.FAIL;
        }
        return agent.encode(VideoStreams.crop(b, c.srcArea(), m.memory()), f.mmTime(), m.memory(), display.now(),
                backlogBytes);
    }

    /** A queued message was replaced before it was sent: when a stream frame, the link did not keep up. */
    void dropped(DisplayMessages.Message m) {
        StreamAgent agent = m.frame() == null ? null : streams.get(m.frame().streamId());
        if (agent != null) {
            agent.dropped(display.now());
        }
    }

    /**
     * STREAM_REPORT (stream_id, unique_id, start and end mm time, frames, drops, last frame delay, audio delay):
     * the rate of that stream follows it. Reports for streams this client does not play, of an older report id, too
     * short, or with figures no client sends are ignored, with a rate-limited line.
     */
    void report(ByteBuffer body) {
        if (body.remaining() < 32) {
            bad("a STREAM_REPORT of " + body.remaining() + " bytes");
            return;
        }
        int id = body.getInt(0);
        StreamAgent agent = streams.get(id);
        if (agent == null) {
            LOG.debug("display {}: report for stream {} that this client does not play", display.id(), id);
            return;
        }
        int frames = body.getInt(16);
        long drops = Integer.toUnsignedLong(body.getInt(20));
        int delay = body.getInt(24);
        if (frames == 0 && drops == 0xffffffffL) { // the client cannot play it: frames go as draws from now on
            LOG.warn("display {}: client cannot decode stream {} (codec {}); its frames go as draws", display.id(),
                    id, agent.codecType());
            agent.disable();
            return;
        }
        if (body.getInt(4) != agent.reportId) {
            LOG.debug("display {}: report for an older stream {}", display.id(), id);
            return;
        }
        if (frames < 0 || frames > 10_000 || drops > 10_000 || Math.abs(delay) > 600_000) {
            bad("a STREAM_REPORT with " + Integer.toUnsignedString(frames) + " frames, " + drops + " drops, delay "
                    + delay + " ms");
            return;
        }
        agent.report(frames, drops, body.getInt(12), delay, display.now());
    }

    /**
     * PREFERRED_VIDEO_CODEC_TYPE (a count, then codec types): later streams pick codecs in this order; live ones
     * end and start again in the codec it now gets, as the reference does.
     */
    void prefer(ByteBuffer body) {
        int count = body.remaining() < 1 ? 0 : Byte.toUnsignedInt(body.get(0));
        if (count == 0 || body.remaining() < 1 + count) {
            bad("a PREFERRED_VIDEO_CODEC_TYPE of " + body.remaining() + " bytes for " + count + " codecs");
            return;
        }
        List<Integer> preferred = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            preferred.add(Byte.toUnsignedInt(body.get(1 + i)));
        }
        codecRanks = StreamCodecs.ranks(preferred);
        LOG.info("display {}: client prefers video codecs {}", display.id(), preferred);
        display.restartStreams();
    }

    private void bad(String what) {
        if (DropLog.due(++badMessages)) {
            LOG.warn("display {}: ignored {} ({} so far)", display.id(), what, badMessages);
        }
    }
}
