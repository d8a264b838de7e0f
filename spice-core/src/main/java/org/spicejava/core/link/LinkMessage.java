package org.spicejava.core.link;

/**
 * SpiceLinkMess as a client sent it: which channel it wants and its capabilities.
 * Capability n is bit (n % 32) of word (n / 32).
 */
public record LinkMessage(int connectionId, int channelType, int channelId, int[] commonCaps, int[] channelCaps) {
    public LinkMessage {
        commonCaps = commonCaps.clone();
        channelCaps = channelCaps.clone();
    }

    public boolean hasCommonCap(int cap) {
        return has(commonCaps, cap);
    }

    public boolean hasChannelCap(int cap) {
        return has(channelCaps, cap);
    }

    private static boolean has(int[] words, int cap) {
        int word = cap / 32;
        return word < words.length && (words[word] & (1 << (cap % 32))) != 0;
    }
}
