package org.spicejava.core.protocol;

/** SPICE channel types (spice/enums.h SpiceChannelType) as they appear in link messages. */
public final class ChannelType {
    public static final int MAIN = 1;
    public static final int DISPLAY = 2;
    public static final int INPUTS = 3;
    public static final int CURSOR = 4;
    public static final int PLAYBACK = 5;
    public static final int RECORD = 6;
    public static final int SMARTCARD = 8;
    public static final int USBREDIR = 9;
    public static final int PORT = 10;
    public static final int WEBDAV = 11;

    private ChannelType() {
    }
}
