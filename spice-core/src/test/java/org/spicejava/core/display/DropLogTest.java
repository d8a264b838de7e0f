package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** A guest that floods the log (bad commands, QXL_CMD_MESSAGE) gets a bounded number of lines. */
class DropLogTest {
    /** Keeps every line it is given. */
    static final class Lines extends LegacyAbstractLogger {
        final List<String> lines = new ArrayList<>();

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                                   Throwable throwable) {
            lines.add(level + " " + MessageFormatter.basicArrayFormat(pattern, arguments));
        }

        @Override
        public boolean isTraceEnabled() {
            return true;
        }

        @Override
        public boolean isDebugEnabled() {
            return true;
        }

        @Override
        public boolean isInfoEnabled() {
            return true;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }
    }

    @Test
    void floodsOfGuestMessagesAndDropsAreCountedNotLoggedEachTime() {
        Lines log = new Lines();
        DropLog drops = new DropLog(log, "display 0");
        for (int i = 0; i < 5000; i++) {
            drops.guestMessage("hello " + i);
            drops.dropped(1, "bad");
        }
        // 100 lines each, then every 1000th: 1000, 2000, ... 5000.
        assertEquals(2 * (DropLog.FULL_LINES + 5), log.lines.size());
        assertTrue(log.lines.getLast().contains("5000"), log.lines.getLast());
        assertTrue(log.lines.stream().anyMatch(l -> l.startsWith("INFO") && l.contains("guest says (5000 messages")),
                String.join("\n", log.lines.subList(log.lines.size() - 4, log.lines.size())));
    }
}
