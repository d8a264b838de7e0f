package org.spicejava.core.link;

/** SpiceLinkErr: the result of a link, also used in DISCONNECTING and AGENT_DISCONNECTED. */
public enum LinkError {
    OK, ERROR, INVALID_MAGIC, INVALID_DATA, VERSION_MISMATCH, NEED_SECURED, NEED_UNSECURED, PERMISSION_DENIED,
    BAD_CONNECTION_ID, CHANNEL_NOT_AVAILABLE;

    /** The wire value. */
    public int code() {
        return ordinal();
    }
}
