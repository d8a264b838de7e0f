package org.spicejava.core.display;

import org.slf4j.Logger;

/**
 * One log line per dropped guest command, until a hostile guest makes that a flood: after {@link #FULL_LINES}
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

    void dropped(int commandType, String reason) {
        count++;
        if (count <= FULL_LINES || count % EVERY == 0) {
            log.warn("{}: command type {} dropped ({} so far): {}", who, commandType, count, reason);
        }
    }
}
