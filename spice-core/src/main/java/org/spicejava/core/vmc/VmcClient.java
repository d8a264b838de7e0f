package org.spicejava.core.vmc;

/** A linked spicevmc or smartcard channel, as the session layer ends it. Main-loop thread. */
public interface VmcClient {
    /** The channel's connection closed: the device lets go of the client. */
    void closed(String reason);
}
