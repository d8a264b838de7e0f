package org.spicejava.core.agent;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spicejava.core.chardev.CharDeviceHost;
import org.spicejava.core.host.EventLoop;
import org.spicejava.core.migration.MigrationData;

/**
 * The guest agent's char device and its data path to the client (the reference's RedCharDeviceVDIPort with the
 * RedCharDevice flow control it uses). One per server, attached while the guest has the vdagent port open.
 *
 * <p>Agent to client: the device's bytes are split into VDIChunkHeader chunks and 2048-byte pieces
 * ({@link VdiChunkReader}), each checked by the read filter and sent as one AGENT_DATA while the client has tokens
 * (AGENT_START, AGENT_TOKEN) and fewer than {@link AgentProtocol#READ_BUFFERS} pieces are on their way; otherwise the
 * device is not read and the guest waits. Client to agent: each AGENT_DATA costs the client one of
 * {@link AgentProtocol#CLIENT_WINDOW} tokens, is checked by the write filter and queued to the device with a chunk
 * header; tokens return in batches of {@link AgentProtocol#TOKENS_TO_SEND} as the device takes the data.
 *
 * <p>Threads: everything runs on the main-loop thread except {@link #wakeup}, which the host may call on any thread
 * (QEMU: a vCPU thread holding its global lock). It reads the host's pending bytes there, into a bounded buffer of
 * {@link #RAW_CAPACITY} bytes (QEMU offers them only during that call), and posts the rest to the main loop; a wakeup
 * on the main-loop thread itself goes through {@link #wakeupOnMainLoop} and is not posted.
 */
public final class AgentDevice {
    private static final Logger LOG = LoggerFactory.getLogger(AgentDevice.class);
    /** Guest bytes read ahead of the parser: one chunk header and one full piece per read buffer. */
    public static final int RAW_CAPACITY = AgentProtocol.READ_BUFFERS
            * (AgentProtocol.CHUNK_HEADER_BYTES + AgentProtocol.MAX_DATA_SIZE);
    /** A host that never has data and takes nothing (an agent added without host callbacks). */
    public static final CharDeviceHost NO_HOST = new CharDeviceHost() {
        @Override
        public int read(ByteBuffer dst) {
            return 0;
        }

        @Override
        public int write(ByteBuffer src) {
            return 0;
        }

        @Override
        public void state(boolean connected) {
        }

        @Override
        public void event(int event) {
        }
    };

    /** The main channel of the connected client, as the agent path needs it. Main-loop thread. */
    public interface Client {
        /** One AGENT_DATA; {@code sent} runs once it is written or dropped. */
        void sendAgentData(ByteBuffer data, Runnable sent);

        void sendAgentTokens(int tokens);

        /** AGENT_CONNECTED_TOKENS (window {@link AgentProtocol#CLIENT_WINDOW}) or AGENT_CONNECTED. */
        void sendAgentConnected();

        void sendAgentDisconnected();

        /** Cuts the client off (its main channel closes, and with it the session). */
        void disconnect(String reason);
    }

    /** What the agent path asks of the server. Main-loop thread. */
    public interface Policy {
        boolean copyPaste();

        boolean fileTransfer();

        /** Whether every display takes monitors configs from the client itself (probe of client_monitors_config). */
        boolean useClientMonitorsConfig();

        /** A checked VDAgentMonitorsConfig for the displays. */
        void clientMonitorsConfig(ByteBuffer config);

        /** The agent attached or detached: client mouse mode may change. */
        void attachmentChanged();

        /** The body of VD_AGENT_GRAPHICS_DEVICE_INFO: u32 count, then each display's VDAgentDeviceDisplayInfo. */
        byte[] graphicsDeviceInfo();
    }

    private enum Origin { CLIENT, SERVER, SERVER_NO_TOKEN }

    private static final class WriteBuffer {
        final ByteBuffer data;
        Origin origin;
        /** The client's tokens it returns once written: 1, or what a migrated source's buffer carried. */
        final int clientTokens;

        WriteBuffer(ByteBuffer data, Origin origin, int clientTokens) {
            this.data = data;
            this.origin = origin;
            this.clientTokens = clientTokens;
        }
    }

    private final Policy policy;
    private final Executor mainLoop;
    private final EventLoopSource loop;
    private final ByteBuffer raw = ByteBuffer.allocate(RAW_CAPACITY); // write mode; guarded by itself
    private final VdiChunkReader reader = new VdiChunkReader();
    private final AgentMessageFilter readFilter;
    private final AgentMessageFilter writeFilter;
    private final MonitorsConfigAssembler monitors = new MonitorsConfigAssembler();
    private final ArrayDeque<WriteBuffer> writeQueue = new ArrayDeque<>();
    private volatile CharDeviceHost host = NO_HOST;
    private volatile boolean attached;
    private volatile boolean running = true;
    private EventLoop.Timer retryTimer;
    private WriteBuffer current;
    private int selfTokens = AgentProtocol.SELF_TOKENS;
    private byte[] pendingMouse;
    /** The agent announced VD_AGENT_CAP_GRAPHICS_DEVICE_INFO; and an info message waits for the server's token. */
    private boolean agentTakesDeviceInfo;
    private boolean pendingDeviceInfo;
    private boolean pumping;
    private boolean pumpAgain;
    private boolean writing;
    /** The served client's main channel, and whether it joined the device (AGENT_START). */
    private Client client;
    /** Earlier clients still connected, oldest first: the agent goes back to the last when its client leaves. */
    private final ArrayDeque<Client> waiting = new ArrayDeque<>();
    private boolean registered;
    private boolean clientAgentStarted;
    private long clientTokens;
    private long clientTokensFree;
    private long sendTokens;
    private int inFlight;
    /** A seamlessly arrived client's agent state, waiting for the agent to attach here. */
    private MigrationData.Agent arrived;
    /**
     * A client arriving seamlessly whose state has not come yet: the device is not read meanwhile (the reference's
     * wait_for_migrate_data), since what the guest sends continues the source's stream. Any thread reads it.
     */
    private volatile Client awaitingState;

    /** Supplies the main loop for the write retry timer; it may not exist yet when the device is made. */
    public interface EventLoopSource {
        EventLoop loop();
    }

    public AgentDevice(Policy policy, Executor mainLoop, EventLoopSource loop) {
        this.policy = policy;
        this.mainLoop = mainLoop;
        this.loop = loop;
        this.readFilter = new AgentMessageFilter(policy.copyPaste(), policy.fileTransfer(), false, true);
        this.writeFilter = new AgentMessageFilter(policy.copyPaste(), policy.fileTransfer(), false, true);
    }

    public boolean attached() {
        return attached;
    }

    // ---------------------------------------------------------------- attach and detach

    /** The guest opened the agent port (add_interface of a vdagent char device). */
    public void attach(CharDeviceHost deviceHost) {
        host = deviceHost == null ? NO_HOST : deviceHost;
        attached = true;
        policy.attachmentChanged();
        host.state(true);
        if (client != null && arrived != null) {
            MigrationData.Agent s = arrived;
            arrived = null;
            continueFrom(s); // the client never lost its agent: no AGENT_CONNECTED
        } else if (client != null) {
            readFilter.config(policy.copyPaste(), policy.fileTransfer(), policy.useClientMonitorsConfig());
            readFilter.discardAll(false);
            client.sendAgentConnected();
        }
        pump();
    }

    /** The guest closed the agent port (remove_interface). */
    public void detach() {
        if (attached) {
            remove("agent port closed");
        }
    }

    /** reds_agent_remove: resets the stream and both filters, tells the host and the client. */
    private void remove(String reason) {
        LOG.info("vdagent detached: {}", reason);
        CharDeviceHost old = host;
        reset();
        attached = false;
        host = NO_HOST;
        old.state(false);
        policy.attachmentChanged();
        if (client != null) {
            client.sendAgentDisconnected();
        }
    }

    private void reset() {
        synchronized (raw) {
            raw.clear();
            reader.reset();
        }
        readFilter.init(policy.copyPaste(), policy.fileTransfer(), policy.useClientMonitorsConfig(), true);
        writeFilter.discardAll(true);
        clientAgentStarted = false;
        if (retryTimer != null) {
            retryTimer.cancel();
        }
        pendingMouse = null;
        agentTakesDeviceInfo = false;
        pendingDeviceInfo = false;
        WriteBuffer b;
        if (current != null) {
            b = current;
            current = null;
            release(b);
        }
        while ((b = writeQueue.poll()) != null) {
            release(b);
        }
        clientTokens += clientTokensFree;
        clientTokensFree = 0;
        selfTokens = AgentProtocol.SELF_TOKENS;
    }

    /** spice_server_set_agent_copypaste / _file_xfer changed. */
    public void propertiesChanged() {
        readFilter.setCopyPaste(policy.copyPaste());
        writeFilter.setCopyPaste(policy.copyPaste());
        readFilter.setFileTransfer(policy.fileTransfer());
        writeFilter.setFileTransfer(policy.fileTransfer());
    }

    /** The VM started or stopped: a stopped device is neither read nor written. */
    public void setRunning(boolean value) {
        running = value;
        if (value) {
            mainLoop.execute(this::pump);
        }
    }

    // ---------------------------------------------------------------- client lifecycle

    /**
     * A client's main channel linked: agent data may flow to it from now on. The agent serves one client at a time:
     * the newest. A client it served before is told the agent went (AGENT_DISCONNECTED), the agent is told its client
     * went (so it drops that client's clipboard grabs and transfers), and the earlier client waits its turn.
     */
    public void clientConnected(Client c) {
        if (awaitingState == c) {
            awaitingState = null;
        }
        if (client != null && client != c) {
            Client previous = client;
            LOG.info("the agent goes to the newest client; the one it served waits");
            clientLeft();
            if (attached) {
                previous.sendAgentDisconnected();
            }
            waiting.addLast(previous);
        }
        waiting.remove(c);
        serve(c);
    }

    private void serve(Client c) {
        client = c;
        registered = false;
        inFlight = 0;
        arrived = null;
        if (attached) {
            readFilter.config(policy.copyPaste(), policy.fileTransfer(), policy.useClientMonitorsConfig());
            readFilter.discardAll(false);
        }
    }

    /**
     * The client's main channel closed: its queued data is dropped and the agent told. If the agent served it and
     * an earlier client is still connected, the latest of those gets the agent back (AGENT_CONNECTED, then its own
     * AGENT_START).
     */
    public void clientGone(Client c) {
        if (awaitingState == c) {
            awaitingState = null;
            mainLoop.execute(this::pump);
        }
        if (waiting.remove(c) || client != c) {
            return;
        }
        clientLeft();
        Client next = waiting.pollLast();
        if (next != null) {
            LOG.info("the agent goes back to an earlier client");
            serve(next);
            if (attached) {
                next.sendAgentConnected();
            }
        }
    }

    /** The served client is gone: its data is forgotten, the agent told, and both streams start afresh. */
    private void clientLeft() {
        dropClient();
        client = null;
        if (attached) {
            queue(message(AgentProtocol.CLIENT_DISCONNECTED, new byte[0]), Origin.SERVER_NO_TOKEN);
        }
        writeFilter.init(policy.copyPaste(), policy.fileTransfer(), policy.useClientMonitorsConfig(), true);
        readFilter.discardAll(true);
        monitors.reset();
        writeToDevice();
    }

    /** Removes the client from the device: its buffers not yet written are forgotten, without tokens back. */
    private void dropClient() {
        if (!registered) {
            return;
        }
        registered = false;
        for (Iterator<WriteBuffer> it = writeQueue.iterator(); it.hasNext(); ) {
            if (it.next().origin == Origin.CLIENT) {
                it.remove();
            }
        }
        if (current != null && current.origin == Origin.CLIENT) {
            current.origin = Origin.SERVER_NO_TOKEN; // finish writing it; nobody gets a token for it
        }
    }

    private void cutOff(String reason) {
        LOG.warn("agent data from the client: {}; disconnecting the client", reason);
        Client c = client;
        dropClient();
        c.disconnect(reason);
    }

    // ---------------------------------------------------------------- client messages

    /** AGENT_START: the client takes part, and may receive {@code tokens} AGENT_DATA messages. */
    public void agentStart(Client c, int tokens) {
        if (!attached || c != client) {
            return;
        }
        clientAgentStarted = true;
        if (!registered) {
            registered = true;
            clientTokens = AgentProtocol.CLIENT_WINDOW;
            clientTokensFree = 0;
        }
        sendTokens = Integer.toUnsignedLong(tokens);
        boolean displaysTakeMonitors = policy.useClientMonitorsConfig();
        LOG.info("client started agent data ({} tokens); its monitors configs go to the {}",
                Integer.toUnsignedString(tokens), displaysTakeMonitors ? "QXL devices" : "agent");
        writeFilter.config(policy.copyPaste(), policy.fileTransfer(), displaysTakeMonitors);
        writeFilter.discardAll(false);
        sendDeviceInfo();
        pump();
    }

    /**
     * Seamless destination: client {@code c} is arriving and its state will follow; the device waits for it.
     * Main-loop thread.
     */
    public void awaitMigrationData(Client c) {
        awaitingState = c;
    }

    /**
     * Seamless destination: client {@code c} goes on with the agent where the source left it (as the reference's
     * reds_agent_state_restore): the tokens it holds, ours to send it messages, whether it started; the bytes the
     * source's device had not taken go to this one first; the guest's stream and both filters continue where they
     * were. No AGENT_CONNECTED and no new AGENT_START. Applied now, or when the agent attaches here (QEMU attaches
     * it as the VM's state loads, before or after the client's data comes). Main-loop thread.
     */
    public void continueSeamlessly(Client c, MigrationData.Agent s) {
        if (c != client) {
            return;
        }
        if (attached) {
            continueFrom(s);
        } else {
            arrived = s;
        }
    }

    private void continueFrom(MigrationData.Agent s) {
        clientAgentStarted = s.clientAgentStarted();
        registered = s.clientAgentStarted();
        clientTokens = Math.min(s.clientTokens(), AgentProtocol.CLIENT_WINDOW);
        int pendingTokens = (int) Math.min(s.pendingClientTokens(), AgentProtocol.CLIENT_WINDOW - clientTokens);
        clientTokensFree = AgentProtocol.CLIENT_WINDOW - clientTokens - pendingTokens; // came back to the device there
        sendTokens = s.sendTokens();
        if (s.pendingForDevice().length > 0) {
            writeQueue.addFirst(new WriteBuffer(ByteBuffer.wrap(s.pendingForDevice()),
                    pendingTokens > 0 && registered ? Origin.CLIENT : Origin.SERVER_NO_TOKEN, pendingTokens));
        }
        readFilter.config(policy.copyPaste(), policy.fileTransfer(), policy.useClientMonitorsConfig());
        readFilter.discardAll(false);
        readFilter.restore(s.fromAgentRemaining(), s.fromAgentResult());
        writeFilter.config(policy.copyPaste(), policy.fileTransfer(), policy.useClientMonitorsConfig());
        writeFilter.discardAll(!clientAgentStarted);
        writeFilter.restore(s.toAgentRemaining(), s.toAgentResult());
        resumeGuestStream(s.chunkHeader(), s.partialMessageHeader());
        LOG.info("the agent goes on with a seamlessly migrated client (its tokens {}, ours {}; {} bytes for the "
                + "device, {} of a chunk header and {} of a message header from it)", clientTokens, sendTokens,
                s.pendingForDevice().length, s.chunkHeader().length, s.partialMessageHeader().length);
        if (registered && clientTokensFree >= AgentProtocol.TOKENS_TO_SEND) {
            int tokens = (int) clientTokensFree; // returned now: no later write might return them
            clientTokens += clientTokensFree;
            clientTokensFree = 0;
            client.sendAgentTokens(tokens);
        }
        pump();
    }

    /**
     * Puts the source's place in the guest's stream in front of what this guest sends: the chunk header bytes it
     * had read (with a whole header, the chunk's size is what is left of it, counting the message header begun).
     */
    private void resumeGuestStream(byte[] chunkHeader, byte[] partialMessageHeader) {
        ByteBuffer prefix = ByteBuffer.allocate(chunkHeader.length + partialMessageHeader.length)
                .order(ByteOrder.LITTLE_ENDIAN).put(chunkHeader);
        if (chunkHeader.length == AgentProtocol.CHUNK_HEADER_BYTES) {
            prefix.putInt(4, (int) (Integer.toUnsignedLong(prefix.getInt(4)) + partialMessageHeader.length));
        }
        prefix.put(partialMessageHeader).flip();
        synchronized (raw) {
            raw.flip();
            ByteBuffer held = ByteBuffer.allocate(raw.remaining()).put(raw).flip();
            raw.clear();
            reader.reset();
            if (prefix.remaining() + held.remaining() > raw.capacity()) {
                LOG.warn("no room for the source's place in the agent's stream; it starts afresh");
                readFilter.restore(0, 0);
                prefix.position(prefix.limit());
            }
            raw.put(prefix).put(held);
        }
    }

    /** Whether {@code c} is the client the agent serves and may still send AGENT_DATA (it holds tokens). */
    public boolean clientHoldsTokens(Client c) {
        return attached && c == client && clientAgentStarted && clientTokens > 0;
    }

    /** AGENT_TOKEN: the client may receive more AGENT_DATA. */
    public void agentTokens(Client c, int tokens) {
        if (!attached || c != client) {
            return;
        }
        if (!registered) {
            LOG.warn("AGENT_TOKEN from a client that never sent AGENT_START; ignored");
            return;
        }
        sendTokens = Math.min(sendTokens + Integer.toUnsignedLong(tokens), 0xffff_ffffL * 2);
        pump();
    }

    /** AGENT_DATA: one chunk of the client's agent stream. */
    public void agentData(Client c, ByteBuffer data) {
        if (c != client) {
            return;
        }
        if (!clientAgentStarted) {
            // Addressed to an agent that went away (or the client did not start): checked, then dropped.
            if (writeFilter.process(data) == AgentMessageFilter.Result.PROTO_ERROR) {
                cutOff("invalid agent message");
            }
            return;
        }
        if (!registered) {
            cutOff("AGENT_DATA from a client not attached to the agent");
            return;
        }
        if (clientTokens == 0) {
            cutOff("AGENT_DATA beyond the tokens granted (token violation)");
            return;
        }
        clientTokens--;
        switch (writeFilter.process(data)) {
            case OK -> {
                ByteBuffer buf = ByteBuffer.allocate(AgentProtocol.CHUNK_HEADER_BYTES + data.remaining())
                        .order(ByteOrder.LITTLE_ENDIAN);
                buf.putInt(AgentProtocol.PORT_CLIENT).putInt(data.remaining()).put(data.duplicate()).flip();
                writeQueue.add(new WriteBuffer(buf, Origin.CLIENT, 1));
                writeToDevice();
            }
            case DISCARD -> returnClientTokens(1);
            case MONITORS_CONFIG -> {
                returnClientTokens(1);
                switch (monitors.add(data)) {
                    case COMPLETE -> policy.clientMonitorsConfig(monitors.config());
                    case INVALID -> cutOff("invalid monitors config");
                    case NEED_MORE -> { }
                }
            }
            case PROTO_ERROR -> cutOff("invalid agent message");
        }
    }

    // ---------------------------------------------------------------- mouse

    /** VD_AGENT_MOUSE_STATE for client mouse mode; the latest state waits while the server's token is out. */
    public void mouseState(int x, int y, int agentButtons, int displayId) {
        if (!attached) {
            return;
        }
        byte[] state = ByteBuffer.allocate(AgentProtocol.MOUSE_STATE_BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(x).putInt(y).putInt(agentButtons).put((byte) displayId).array();
        if (selfTokens == 0) {
            pendingMouse = state;
            return;
        }
        selfTokens--;
        pendingMouse = null;
        queue(message(AgentProtocol.MOUSE_STATE, state), Origin.SERVER);
        writeToDevice();
    }

    // ---------------------------------------------------------------- writing to the device

    /**
     * reds_send_device_display_info: the displays' device addresses, to an agent that announced it takes them; sent
     * when it announces that, when a client starts agent data and when a QXL device's info changes. It needs the
     * server's token, like the mouse state, and waits for it.
     */
    public void deviceInfoChanged() {
        sendDeviceInfo();
        writeToDevice();
    }

    private void sendDeviceInfo() {
        if (!attached || !agentTakesDeviceInfo) {
            return;
        }
        if (selfTokens == 0) {
            pendingDeviceInfo = true;
            return;
        }
        selfTokens--;
        pendingDeviceInfo = false;
        queue(message(AgentProtocol.GRAPHICS_DEVICE_INFO, policy.graphicsDeviceInfo()), Origin.SERVER);
    }

    /** A server-made message: chunk header, message header, body. */
    private static ByteBuffer message(int type, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(AgentProtocol.CHUNK_HEADER_BYTES + AgentProtocol.MESSAGE_HEADER_BYTES
                + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(AgentProtocol.PORT_SERVER).putInt(AgentProtocol.MESSAGE_HEADER_BYTES + body.length)
                .putInt(AgentProtocol.PROTOCOL).putInt(type).putLong(0).putInt(body.length).put(body);
        return b.flip();
    }

    private void queue(ByteBuffer data, Origin origin) {
        writeQueue.add(new WriteBuffer(data, origin, 0));
    }

    private void writeToDevice() {
        if (!running || !attached || writing) {
            return;
        }
        writing = true;
        try {
            if (retryTimer != null) {
                retryTimer.cancel();
            }
            while (attached) {
                if (current == null) {
                    current = writeQueue.poll();
                    if (current == null) {
                        break;
                    }
                }
                int n = host.write(current.data);
                if (n <= 0) {
                    break;
                }
                if (!current.data.hasRemaining()) {
                    WriteBuffer done = current;
                    current = null;
                    release(done);
                }
            }
            if (current != null && attached) {
                timer().ifPresent(t -> t.start(AgentProtocol.WRITE_RETRY_MS));
            }
        } finally {
            writing = false;
        }
    }

    private java.util.Optional<EventLoop.Timer> timer() {
        if (retryTimer == null) {
            EventLoop l = loop.loop();
            if (l != null) {
                retryTimer = l.newTimer(this::writeToDevice);
            }
        }
        return java.util.Optional.ofNullable(retryTimer);
    }

    private void release(WriteBuffer b) {
        switch (b.origin) {
            case CLIENT -> returnClientTokens(b.clientTokens);
            case SERVER -> {
                selfTokens++;
                if (pendingMouse != null && attached) {
                    byte[] state = pendingMouse;
                    pendingMouse = null;
                    selfTokens--;
                    queue(message(AgentProtocol.MOUSE_STATE, state), Origin.SERVER);
                }
                if (pendingDeviceInfo) {
                    sendDeviceInfo();
                }
            }
            case SERVER_NO_TOKEN -> { }
        }
    }

    /** Chunks of the client's were consumed ({@code n} of its tokens): tokens go back in batches. */
    private void returnClientTokens(int n) {
        if (!registered) {
            return;
        }
        clientTokensFree += n;
        if (clientTokensFree >= AgentProtocol.TOKENS_TO_SEND) {
            int tokens = (int) clientTokensFree;
            clientTokens += clientTokensFree;
            clientTokensFree = 0;
            client.sendAgentTokens(tokens);
        }
    }

    // ---------------------------------------------------------------- reading from the device

    /**
     * spice_server_char_device_wakeup: the device may have data or room. Any thread: reads what the host offers
     * now (bounded), then lets the main loop do the rest.
     */
    public void wakeup() {
        if (attached && running && awaitingState == null) {
            fillFromHost();
        }
        mainLoop.execute(this::pump);
    }

    /**
     * spice_server_char_device_wakeup on the main-loop thread (QEMU runs the virtio port's ioeventfd and unblocks its
     * chardev there): reads and sends at once, as the reference does. Posting it would cost a dispatcher round per
     * guest message (an eventfd write, a poll turn, a read) before the client gets anything.
     */
    public void wakeupOnMainLoop() {
        if (attached && running && awaitingState == null) {
            fillFromHost();
        }
        pump();
    }

    /** Reads from the host while there is room; returns the bytes read. */
    private int fillFromHost() {
        CharDeviceHost h = host;
        int total = 0;
        synchronized (raw) {
            while (raw.hasRemaining()) {
                int n = h.read(raw);
                if (n <= 0) {
                    break;
                }
                total += n;
            }
        }
        return total;
    }

    /** Writes what is queued and reads what the client may take. Main-loop thread; re-entry is folded in. */
    public void pump() {
        if (pumping) {
            pumpAgain = true;
            return;
        }
        pumping = true;
        try {
            do {
                pumpAgain = false;
                writeToDevice();
                readFromDevice();
            } while (pumpAgain);
        } finally {
            pumping = false;
        }
    }

    private void readFromDevice() {
        while (attached && running && awaitingState == null) {
            if (registered && sendTokens == 0 || inFlight >= AgentProtocol.READ_BUFFERS) {
                return;
            }
            VdiChunkReader.Piece piece;
            synchronized (raw) {
                raw.flip();
                piece = reader.next(raw);
                raw.compact();
            }
            if (piece == null) {
                // Asking the host also tells QEMU there is room again (its chardev unblocks and offers more).
                if (fillFromHost() > 0) {
                    continue;
                }
                return;
            }
            dispatch(piece);
        }
    }

    private void dispatch(VdiChunkReader.Piece piece) {
        ByteBuffer data = ByteBuffer.wrap(piece.data()).order(ByteOrder.LITTLE_ENDIAN);
        AgentMessageFilter.Result result = switch (piece.port()) {
            case AgentProtocol.PORT_CLIENT -> readFilter.process(data);
            case AgentProtocol.PORT_SERVER -> AgentMessageFilter.Result.DISCARD;
            default -> {
                LOG.warn("invalid agent port {}", Integer.toUnsignedString(piece.port()));
                yield AgentMessageFilter.Result.PROTO_ERROR;
            }
        };
        switch (result) {
            case OK -> {
                if (readFilter.lastStartedMessage()) {
                    adjustCapabilities(data);
                }
                if (registered && data.hasRemaining()) { // an empty chunk inside a message carries nothing
                    sendTokens = Math.max(sendTokens - 1, 0); // a migration's flush sends without tokens
                    inFlight++;
                    Client target = client;
                    target.sendAgentData(data, () -> pieceSent(target));
                }
            }
            case PROTO_ERROR -> remove("invalid data from the agent");
            case DISCARD, MONITORS_CONFIG -> { }
        }
    }

    private void pieceSent(Client target) {
        if (target == client && inFlight > 0) { // a previous client's pieces do not count for this one
            inFlight--;
        }
        pump();
    }

    /** reds_adjust_agent_capabilities: what the server disallows is not announced to the client. */
    private void adjustCapabilities(ByteBuffer msg) {
        if (msg.getInt(4) != AgentProtocol.ANNOUNCE_CAPABILITIES) {
            return;
        }
        int first = AgentProtocol.MESSAGE_HEADER_BYTES + 4; // after u32 request
        if (Integer.toUnsignedLong(msg.getInt(16)) < 8 || msg.limit() < first + 4) {
            return; // no capability word in this chunk
        }
        int caps = msg.getInt(first);
        if (!policy.copyPaste()) {
            caps &= ~(1 << AgentProtocol.CAP_CLIPBOARD | 1 << AgentProtocol.CAP_CLIPBOARD_BY_DEMAND
                    | 1 << AgentProtocol.CAP_CLIPBOARD_SELECTION);
        }
        if (!policy.fileTransfer()) {
            caps |= 1 << AgentProtocol.CAP_FILE_XFER_DISABLED;
        }
        msg.putInt(first, caps);
        agentTakesDeviceInfo = (caps & 1 << AgentProtocol.CAP_GRAPHICS_DEVICE_INFO) != 0;
        sendDeviceInfo();
    }

    /**
     * Seamless source, before MIGRATE goes to client {@code c} (reds_on_main_channel_migrate): what was read from
     * the guest and can go to the client goes now, whatever its tokens, since the migration data carries at most a
     * chunk header and a message header begun: every whole piece, and the bytes of a piece begun once its message
     * header is complete. The VM has stopped, so the guest sends nothing more here. Main-loop thread.
     */
    public void flushForMigration(Client c) {
        while (attached && c == client) {
            VdiChunkReader.Piece piece;
            synchronized (raw) {
                raw.flip();
                piece = reader.next(raw);
                if (piece == null && reader.inChunk() && raw.hasRemaining()
                        && (readFilter.pending() > 0 || raw.remaining() >= AgentProtocol.MESSAGE_HEADER_BYTES)) {
                    piece = reader.partial(raw);
                }
                raw.compact();
            }
            if (piece == null) {
                return;
            }
            dispatch(piece);
        }
    }

    /**
     * The agent path's state for a seamless migration of {@code c}, the client it serves, after
     * {@link #flushForMigration}: tokens, the bytes waiting for the device, where the guest's stream and both
     * filters are. Null when the reference's format cannot say it: bytes read from the guest that were not flushed,
     * or a message going on across the chunk boundary the stream is at (the reference's source aborts there). The
     * caller then hands over no agent and the client starts its agent session afresh at the destination.
     * Main-loop thread.
     */
    public MigrationData.Agent seamlessState(Client c) {
        if (!attached || c != client) {
            return null;
        }
        byte[] chunkHeader;
        byte[] partialMessageHeader;
        synchronized (raw) {
            int held = raw.position();
            if (!reader.inChunk()) {
                if (held > 0 || readFilter.pending() != 0) {
                    return null;
                }
                chunkHeader = reader.partialHeader();
                partialMessageHeader = new byte[0];
            } else {
                if (held > 0 && (readFilter.pending() != 0 || held >= AgentProtocol.MESSAGE_HEADER_BYTES)) {
                    return null;
                }
                chunkHeader = ByteBuffer.allocate(AgentProtocol.CHUNK_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(reader.port()).putInt((int) (reader.chunkLeft() - held)).array();
                partialMessageHeader = Arrays.copyOf(raw.array(), held);
            }
        }
        ByteArrayOutputStream forDevice = new ByteArrayOutputStream();
        int pendingTokens = 0;
        List<WriteBuffer> buffers = new ArrayList<>();
        if (current != null) {
            buffers.add(current);
        }
        buffers.addAll(writeQueue);
        for (WriteBuffer b : buffers) {
            forDevice.write(b.data.array(), b.data.arrayOffset() + b.data.position(), b.data.remaining());
            pendingTokens += b.origin == Origin.CLIENT ? b.clientTokens : 0;
        }
        return new MigrationData.Agent(clientTokens, sendTokens, clientAgentStarted, forDevice.toByteArray(),
                pendingTokens, chunkHeader, partialMessageHeader, readFilter.pending(), readFilter.resultCode(),
                writeFilter.pending(), writeFilter.resultCode());
    }

    // ---------------------------------------------------------------- for tests

    long clientTokens() {
        return clientTokens;
    }

    long sendTokens() {
        return sendTokens;
    }

    int inFlight() {
        return inFlight;
    }
}
