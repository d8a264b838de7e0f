package org.spicejava.ffi.it;

import java.io.IOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import org.spicejava.core.audio.SoundProtocol;
import org.spicejava.ffi.Opus;

/**
 * A SPICE sound client over plain sockets (links through {@link RawSpiceClient}): main, then playback and record.
 * Each playback message is kept with its receipt time ({@link System#nanoTime}, CLOCK_MONOTONIC on Linux, the clock
 * the C audio harness prints); DATA is decoded (raw PCM, or Opus with our libopus binding) into one stereo track.
 * On RECORD_START it sends MODE (Opus when asked and offered, else raw), START_MARK and then a stereo tone in
 * 480-sample frames on an absolute 10 ms schedule (the tone's phase follows the frame count), until RECORD_STOP.
 * {@link #stallPlayback} stops reading the playback socket for a while, as a client whose process hangs. One thread
 * per socket; the test thread reads results once they settle ({@link #playbackEvents} is a snapshot).
 */
final class RawSoundClient implements AutoCloseable {
    static final int MSG_PING = 4;
    static final int MSGC_PONG = 3;
    static final int MAIN_CHANNEL = 1;
    static final int PLAYBACK_CHANNEL = 5;
    static final int RECORD_CHANNEL = 6;
    static final int RATE = SoundProtocol.OPUS_RATE;
    static final int FRAME = SoundProtocol.FRAME_SAMPLES;
    static final long TICK_NS = 10_000_000L;

    /**
     * {@code opusCaps}: announce the playback and record Opus caps; {@code recordOpus}: record in Opus when the
     * server offers it; {@code volumeCap}: announce the volume caps; {@code receiveBuffer}: the playback socket's
     * SO_RCVBUF (-1 keeps the default); the record tone in Hz, left and right.
     */
    record Options(boolean opusCaps, boolean recordOpus, boolean volumeCap, int receiveBuffer, double recordLeftHz,
                   double recordRightHz) {
    }

    /** One playback or record message as received: type, receipt time, wire bytes, and a readable summary. */
    record Event(int type, long ns, int wireBytes, int mmTime, String text) {
    }

    private final Options options;
    private final RawSpiceClient main;
    private final RawSpiceClient playback;
    private final RawSpiceClient record;
    private final List<Event> playbackEvents = new ArrayList<>();
    private final List<Event> recordEvents = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Object lock = new Object();
    private short[] left = new short[RATE * 4];
    private short[] right = new short[RATE * 4];
    private int samples;
    private volatile long stallUntil;
    private volatile boolean closing;
    private volatile Thread sender;
    private volatile int recordFramesSent;
    private volatile int recordMode;
    private volatile Throwable failure;
    final int playbackCaps;
    final int recordCaps;

    RawSoundClient(int port, Options options) throws Exception {
        this.options = options;
        main = new RawSpiceClient(port);
        int session = main.linkMainAndAttach();
        int pbCaps = (options.volumeCap ? 1 << SoundProtocol.PLAYBACK_CAP_VOLUME : 0)
                | (options.opusCaps ? 1 << SoundProtocol.PLAYBACK_CAP_OPUS : 0);
        int recCaps = (options.volumeCap ? 1 << SoundProtocol.RECORD_CAP_VOLUME : 0)
                | (options.opusCaps ? 1 << SoundProtocol.RECORD_CAP_OPUS : 0);
        playback = new RawSpiceClient(options.receiveBuffer, port);
        check(playback.link(session, PLAYBACK_CHANNEL, 0, pbCaps, ""), "playback");
        playbackCaps = playback.serverChannelCaps;
        record = new RawSpiceClient(port);
        check(record.link(session, RECORD_CHANNEL, 0, recCaps, ""), "record");
        recordCaps = record.serverChannelCaps;
        for (RawSpiceClient c : List.of(main, playback, record)) {
            c.socket.setSoTimeout(0); // reader threads block until close
        }
        start("main", this::readMain);
        start("playback", this::readPlayback);
        start("record", this::readRecord);
    }

    private static void check(int result, String channel) throws IOException {
        if (result != 0) {
            throw new IOException(channel + " channel link refused: " + result);
        }
    }

    private void start(String name, ThrowingRunnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                // the server closing a channel between messages is the end of a run, not a failure
                boolean endOfRun = e instanceof IOException && String.valueOf(e.getMessage())
                        .startsWith("connection closed after 0 of");
                if (!closing && !endOfRun) {
                    failure = e;
                }
            }
        }, "raw-sound-" + name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Stops reading the playback socket for {@code nanos} from now (the reader finishes the message it is in). */
    void stallPlayback(long nanos) {
        stallUntil = System.nanoTime() + nanos;
    }

    private void readMain() throws IOException {
        while (!closing) {
            Object[] m = main.message();
            if ((int) m[0] == MSG_PING) { // the network test
                pong(main, (ByteBuffer) m[1]);
            }
        }
    }

    /** Answers PING {id, timestamp, ...} with PONG {id, timestamp}, as clients do on every channel. */
    private static void pong(RawSpiceClient channel, ByteBuffer ping) throws IOException {
        ByteBuffer pong = RawSpiceClient.le(12).putInt(ping.getInt(0)).putLong(ping.getLong(4)).flip();
        synchronized (channel) { // the record channel is written by its reader and its sender
            channel.send(MSGC_PONG, pong);
        }
    }

    private void readPlayback() throws IOException {
        Opus.Decoder decoder = null;
        int mode = SoundProtocol.MODE_INVALID;
        short[] pcm = new short[FRAME * 2 * 12]; // up to 120 ms per packet
        try {
            while (!closing) {
                while (System.nanoTime() < stallUntil) {
                    LockSupport.parkNanos(1_000_000);
                }
                Object[] m = playback.message();
                long ns = System.nanoTime();
                int type = (int) m[0];
                ByteBuffer body = (ByteBuffer) m[1];
                int wire = 6 + body.remaining();
                int mmTime = body.remaining() >= 4 ? body.getInt(0) : 0;
                if (type == MSG_PING) {
                    pong(playback, body);
                }
                String text = switch (type) {
                    case MSG_PING -> "PING";
                    case SoundProtocol.MSG_PLAYBACK_DATA -> null;
                    case SoundProtocol.MSG_PLAYBACK_MODE -> {
                        mode = Short.toUnsignedInt(body.getShort(4));
                        if (mode == SoundProtocol.MODE_OPUS && decoder == null) {
                            decoder = Opus.codec().decoder(RATE);
                        }
                        yield "MODE " + modeName(mode);
                    }
                    case SoundProtocol.MSG_PLAYBACK_START -> "START channels=" + body.getInt(0) + " format="
                            + body.getShort(4) + " rate=" + body.getInt(6);
                    case SoundProtocol.MSG_PLAYBACK_STOP -> "STOP";
                    case SoundProtocol.MSG_PLAYBACK_VOLUME -> volumeText(body);
                    case SoundProtocol.MSG_PLAYBACK_MUTE -> "MUTE " + body.get(0);
                    case SoundProtocol.MSG_PLAYBACK_LATENCY -> "LATENCY " + body.getInt(0);
                    default -> "type " + type;
                };
                if (type == SoundProtocol.MSG_PLAYBACK_DATA) {
                    int n = decode(mode, decoder, body, pcm);
                    synchronized (lock) {
                        append(pcm, n);
                    }
                }
                synchronized (lock) {
                    playbackEvents.add(new Event(type, ns, wire, mmTime, text));
                }
            }
        } finally {
            if (decoder != null) {
                decoder.close();
            }
        }
    }

    /** Stereo samples of one DATA message into {@code pcm}; -1 when it does not decode. */
    private static int decode(int mode, Opus.Decoder decoder, ByteBuffer body, short[] pcm) {
        int bytes = body.remaining() - 4;
        if (mode == SoundProtocol.MODE_OPUS) {
            byte[] packet = new byte[bytes];
            body.get(4, packet);
            return decoder == null ? -1 : decoder.decode(packet, 0, bytes, pcm);
        }
        int n = Math.min(bytes / 4, pcm.length / 2);
        body.position(4).asShortBuffer().get(pcm, 0, n * 2);
        return n;
    }

    private void append(short[] pcm, int n) {
        if (n <= 0) {
            return;
        }
        if (samples + n > left.length) {
            left = java.util.Arrays.copyOf(left, Math.max(left.length * 2, samples + n));
            right = java.util.Arrays.copyOf(right, left.length);
        }
        for (int i = 0; i < n; i++) {
            left[samples + i] = pcm[2 * i];
            right[samples + i] = pcm[2 * i + 1];
        }
        samples += n;
    }

    private static String volumeText(ByteBuffer body) {
        int n = Byte.toUnsignedInt(body.get(0));
        StringBuilder s = new StringBuilder("VOLUME");
        for (int i = 0; i < n; i++) {
            s.append(' ').append(Integer.toHexString(Short.toUnsignedInt(body.getShort(1 + 2 * i))));
        }
        return s.toString();
    }

    static String modeName(int mode) {
        return switch (mode) {
            case SoundProtocol.MODE_RAW -> "raw";
            case SoundProtocol.MODE_OPUS -> "opus";
            default -> "mode" + mode;
        };
    }

    private void readRecord() throws IOException {
        while (!closing) {
            Object[] m = record.message();
            long ns = System.nanoTime();
            int type = (int) m[0];
            ByteBuffer body = (ByteBuffer) m[1];
            if (type == MSG_PING) {
                pong(record, body);
            }
            String text = switch (type) {
                case MSG_PING -> "PING";
                case SoundProtocol.MSG_RECORD_START -> "START channels=" + body.getInt(0) + " format="
                        + body.getShort(4) + " rate=" + body.getInt(6);
                case SoundProtocol.MSG_RECORD_STOP -> "STOP";
                case SoundProtocol.MSG_RECORD_VOLUME -> volumeText(body);
                case SoundProtocol.MSG_RECORD_MUTE -> "MUTE " + body.get(0);
                default -> "type " + type;
            };
            synchronized (lock) {
                recordEvents.add(new Event(type, ns, 6 + body.remaining(), 0, text));
            }
            if (type == SoundProtocol.MSG_RECORD_START && (sender == null || !sender.isAlive())) {
                Thread t = new Thread(this::sendRecord, "raw-sound-record-sender");
                t.setDaemon(true);
                sender = t;
                t.start();
            } else if (type == SoundProtocol.MSG_RECORD_STOP && sender != null) {
                sender.interrupt();
            }
        }
    }

    /** Sends the record tone in real time: MODE, START_MARK, then a DATA frame every 10 ms. Until interrupted. */
    private void sendRecord() {
        boolean opus = options.recordOpus && (recordCaps & 1 << SoundProtocol.RECORD_CAP_OPUS) != 0;
        Opus.Encoder encoder = opus ? Opus.codec().encoder(RATE) : null;
        opus = encoder != null;
        recordMode = opus ? SoundProtocol.MODE_OPUS : SoundProtocol.MODE_RAW;
        short[] pcm = new short[FRAME * 2];
        byte[] packet = new byte[SoundProtocol.MAX_OPUS_PACKET];
        try {
            int now = (int) (System.nanoTime() / 1_000_000L);
            synchronized (record) {
                record.send(SoundProtocol.MSGC_RECORD_MODE,
                        RawSpiceClient.le(6).putInt(now).putShort((short) recordMode).flip());
                record.send(SoundProtocol.MSGC_RECORD_START_MARK, RawSpiceClient.le(4).putInt(now).flip());
            }
            long t0 = System.nanoTime();
            for (long k = 0; !Thread.currentThread().isInterrupted() && !closing; k++) {
                long wait = t0 + k * TICK_NS - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                    if (Thread.currentThread().isInterrupted()) {
                        break;
                    }
                }
                for (int i = 0; i < FRAME; i++) {
                    double t = (double) (k * FRAME + i) / RATE;
                    pcm[2 * i] = (short) Math.round(12000 * Math.sin(2 * Math.PI * options.recordLeftHz * t));
                    pcm[2 * i + 1] = (short) Math.round(8000 * Math.sin(2 * Math.PI * options.recordRightHz * t));
                }
                ByteBuffer body;
                if (opus) {
                    int n = encoder.encode(pcm, 0, FRAME, packet);
                    if (n < 0) {
                        throw new IOException("Opus encode failed");
                    }
                    body = RawSpiceClient.le(4 + n).putInt((int) (System.nanoTime() / 1_000_000L)).put(packet, 0, n);
                } else {
                    body = RawSpiceClient.le(4 + FRAME * 4).putInt((int) (System.nanoTime() / 1_000_000L));
                    for (short s : pcm) {
                        body.putShort(s);
                    }
                }
                synchronized (record) {
                    record.send(SoundProtocol.MSGC_RECORD_DATA, body.flip());
                }
                recordFramesSent++;
            }
        } catch (SocketException e) {
            // closed
        } catch (IOException e) {
            if (!closing) {
                failure = e;
            }
        } finally {
            if (encoder != null) {
                encoder.close();
            }
        }
    }

    List<Event> playbackEvents() {
        synchronized (lock) {
            return List.copyOf(playbackEvents);
        }
    }

    List<Event> recordEvents() {
        synchronized (lock) {
            return List.copyOf(recordEvents);
        }
    }

    /** The decoded playback track so far: {left, right}, each {@link #samples()} long. */
    short[][] track() {
        synchronized (lock) {
            return new short[][] {java.util.Arrays.copyOf(left, samples), java.util.Arrays.copyOf(right, samples)};
        }
    }

    int recordFramesSent() {
        return recordFramesSent;
    }

    /** The mode the client records in (raw or Opus); 0 before RECORD_START. */
    int recordMode() {
        return recordMode;
    }

    /** The first error a reader or the sender met, or null. */
    Throwable failure() {
        return failure;
    }

    @Override
    public void close() throws IOException {
        closing = true;
        Thread s = sender;
        if (s != null) {
            s.interrupt();
        }
        main.close();
        playback.close();
        record.close();
    }
}
