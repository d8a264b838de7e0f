package org.spicejava.core.agent;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks agent data chunk by chunk and decides what happens to it (the reference's agent-msg-filter): a chunk is
 * at most {@link AgentProtocol#MAX_DATA_SIZE}; one that starts a message carries the whole 20-byte header with
 * protocol 1; the chunks of one message never exceed the size its header announced. Clipboard and file-transfer
 * messages are dropped when the server disallows them; monitors configs go to the server when the displays take
 * them. One filter per direction; owned by the agent device's thread.
 */
public final class AgentMessageFilter {
    private static final Logger LOG = LoggerFactory.getLogger(AgentMessageFilter.class);

    /** What to do with a chunk. */
    public enum Result { OK, DISCARD, PROTO_ERROR, MONITORS_CONFIG }

    private boolean copyPaste;
    private boolean fileTransfer;
    private boolean clientMonitorsConfig;
    private boolean discardAll;
    /** Bytes of the current message still to come (unsigned 32-bit in the protocol). */
    private long toRead;
    private Result result = Result.OK;
    private boolean lastStartedMessage;

    public AgentMessageFilter(boolean copyPaste, boolean fileTransfer, boolean clientMonitorsConfig,
                              boolean discardAll) {
        init(copyPaste, fileTransfer, clientMonitorsConfig, discardAll);
    }

    /** agent_msg_filter_init: a clean state. */
    public void init(boolean copyPaste, boolean fileTransfer, boolean clientMonitorsConfig, boolean discardAll) {
        config(copyPaste, fileTransfer, clientMonitorsConfig);
        this.discardAll = discardAll;
        this.toRead = 0;
        this.result = Result.OK;
    }

    /** agent_msg_filter_config: the policy, keeping the position in the stream. */
    public void config(boolean copyPaste, boolean fileTransfer, boolean clientMonitorsConfig) {
        this.copyPaste = copyPaste;
        this.fileTransfer = fileTransfer;
        this.clientMonitorsConfig = clientMonitorsConfig;
    }

    public void setCopyPaste(boolean value) {
        copyPaste = value;
    }

    public void setFileTransfer(boolean value) {
        fileTransfer = value;
    }

    /** Drops everything from now on, including the rest of the current message. */
    public void discardAll(boolean value) {
        discardAll = value;
        if (value) {
            result = Result.DISCARD;
        }
    }

    public boolean discardingAll() {
        return discardAll;
    }

    /** Whether the last chunk processed began a message (its first bytes are a VDAgentMessage header). */
    public boolean lastStartedMessage() {
        return lastStartedMessage;
    }

    /** Bytes of the current message not seen yet. */
    public long pending() {
        return toRead;
    }

    /** The current message's result as the reference numbers AgentMsgFilterResult (a migration carries it). */
    public int resultCode() {
        return result.ordinal();
    }

    /**
     * A seamless migration's destination: the position the source's filter had, {@code toRead} bytes left of a
     * message whose chunks get {@code resultCode} (AgentMsgFilterResult, checked by the caller).
     */
    public void restore(long toRead, int resultCode) {
        this.toRead = toRead;
        this.result = Result.values()[resultCode];
    }

    /** Decides about one chunk: {@code chunk}'s remaining bytes, left unread. */
    public Result process(ByteBuffer chunk) {
        int len = chunk.remaining();
        lastStartedMessage = false;
        if (len > AgentProtocol.MAX_DATA_SIZE) {
            LOG.warn("invalid agent message: chunk of {} bytes, more than {}", len, AgentProtocol.MAX_DATA_SIZE);
            return Result.PROTO_ERROR;
        }
        if (toRead > 0) {
            return continuation(len);
        }
        if (len < AgentProtocol.MESSAGE_HEADER_BYTES) {
            LOG.warn("invalid agent message: incomplete header ({} bytes)", len);
            return Result.PROTO_ERROR;
        }
        ByteBuffer le = chunk.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int p = le.position();
        int protocol = le.getInt(p);
        int type = le.getInt(p + 4);
        long size = Integer.toUnsignedLong(le.getInt(p + 16));
        if (protocol != AgentProtocol.PROTOCOL) {
            LOG.warn("invalid agent protocol {}", Integer.toUnsignedString(protocol));
            return Result.PROTO_ERROR;
        }
        lastStartedMessage = true;
        result = discardAll ? Result.DISCARD : decide(type);
        toRead = size;
        return toRead > 0 ? continuation(len - AgentProtocol.MESSAGE_HEADER_BYTES) : result;
    }

    private Result continuation(int len) {
        if (len > toRead) {
            LOG.warn("invalid agent message: {} bytes of data beyond the size in its header", len - toRead);
            return Result.PROTO_ERROR;
        }
        toRead -= len;
        return result;
    }

    private Result decide(int type) {
        return switch (type) {
            case AgentProtocol.CLIPBOARD, AgentProtocol.CLIPBOARD_GRAB, AgentProtocol.CLIPBOARD_REQUEST,
                 AgentProtocol.CLIPBOARD_RELEASE -> copyPaste ? Result.OK : Result.DISCARD;
            case AgentProtocol.FILE_XFER_START, AgentProtocol.FILE_XFER_STATUS, AgentProtocol.FILE_XFER_DATA ->
                    fileTransfer ? Result.OK : Result.DISCARD;
            case AgentProtocol.MONITORS_CONFIG -> clientMonitorsConfig ? Result.MONITORS_CONFIG : Result.OK;
            default -> Result.OK;
        };
    }
}
