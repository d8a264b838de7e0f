package org.spicejava.core.display;

import org.slf4j.Logger;

/**
 * One log line per dropped guest command (or guest message), until a hostile guest makes that a flood: after {@link #FULL_LINES}
 * lines only every {@link #EVERY}th drop is logged, with the count. Display worker thread.
 */
final class DropLog {
    static final int FULL_LINES = 100;
    static final int EVERY = 1000;

    private final Logger log;
    private final String who;
    private long count;

    DropLog(Logger log, String who) {
        this.log = log;
        this.who = who;
    }

    private long messages;

    /** Whether the {@code n}th line of a kind is written: all of the first ones, then every {@link #EVERY}th. */
    static boolean due(long n) {
        return n <= FULL_LINES || n % EVERY == 0;
    }

    void dropped(int commandType, String reason) {
        if (due(++count)) {
            log.warn("{}: command type {} dropped ({} so far): {}", who, commandType, count, reason);
        }
    }

    /** A command that failed for a reason of ours (even an Error such as OutOfMemoryError): dropped, with its trace. */
    void failed(int commandType, Throwable t) {
        if (due(++count)) {
            log.error("{}: command type {} failed and was dropped ({} so far)", who, commandType, count, t);
        }
    }

    private long monitorsConfigs;

    /**
     * A guest monitors config that was refused or changed: one line each, as for dropped commands; a warning when
     * it was {@code bad}, else (disabled or overlapping heads, which guests send legitimately) an info line.
     */
    void monitorsConfig(String text, boolean bad) {
        if (due(++monitorsConfigs)) {
            if (bad) {
                log.warn("{}: guest monitors config ({} so far): {}", who, monitorsConfigs, text);
            } else {
                log.info("{}: guest monitors config ({} so far): {}", who, monitorsConfigs, text);
            }
        }
    }

    /** QXL_CMD_MESSAGE text: worth a line, but the guest decides how many it sends. */
    void guestMessage(String text) {
        if (due(++messages)) {
            log.info("{}: guest says ({} messages so far): {}", who, messages, text);
        }
    }
}
