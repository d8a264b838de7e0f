package org.spicejava.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class ChannelReportTest {
    private final List<Integer> events = new ArrayList<>();
    private final ChannelReport report = new ChannelReport((event, info) -> events.add(event),
            new ChannelEvents.Info(1, 1, 0, 0, 7, null, null));

    @Test
    void aChannelThatLivesReportsEachEventOnce() {
        report.connected();
        report.initialized();
        report.disconnected();
        report.disconnected();
        assertEquals(List.of(ChannelEvents.CONNECTED, ChannelEvents.INITIALIZED, ChannelEvents.DISCONNECTED), events);
    }

    @Test
    void aChannelClosedWhileStartingIsNeverReportedInitialized() {
        report.connected();
        report.disconnected(); // the client was killed while the channel sent its first messages
        report.initialized();
        assertEquals(List.of(ChannelEvents.CONNECTED, ChannelEvents.DISCONNECTED), events);
    }

    @Test
    void nothingIsReportedForAChannelNeverConnected() {
        report.initialized();
        report.disconnected();
        assertEquals(List.of(), events);
    }
}
