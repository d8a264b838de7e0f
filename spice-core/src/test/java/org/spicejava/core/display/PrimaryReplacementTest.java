package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.spicejava.core.display.DisplayMigrationTest.draw;
import static org.spicejava.core.display.DisplayMigrationTest.messages;
import static org.spicejava.core.display.DisplayMigrationTest.types;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.spicejava.core.compress.GlzWindow;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.net.FakeSocket;

/**
 * A mode switch replaces the primary surface through separate calls (destroy, create, then draws): clients get the
 * three together once the new primary has been drawn on in a turn of the worker, or when the hold runs out, so they
 * never show an empty screen in between.
 */
class PrimaryReplacementTest {
    private final Arena arena = Arena.ofShared();
    private final DisplayChannel display = new DisplayChannel(0, 4);
    private final List<Long> timerRequests = new ArrayList<>();
    private final FakeSocket socket = new FakeSocket();

    PrimaryReplacementTest() {
        display.useReplacementTimer(timerRequests::add);
        createPrimary(160, 100);
        DisplayChannelClient client = new DisplayChannelClient(socket.connection(),
                new LinkMessage(7, 2, 0, new int[] {0b1011}, new int[0]), display, new GlzWindow());
        display.addClient(client);
        client.start();
        socket.writable();
    }

    @AfterEach
    void close() {
        arena.close();
    }

    private void createPrimary(int width, int height) {
        display.create(new Surface(0, width, height, Surface.FMT_32_XRGB, 4 * width,
                arena.allocate(4L * width * height), true));
    }

    @Test
    void theNewPrimaryGoesOutWithItsFirstDraws() {
        int at = socket.written().length;
        display.destroy(0);
        createPrimary(200, 100);
        draw(display, 0);
        draw(display, 16);
        assertEquals(List.of(), types(messages(socket, at)), "nothing before the worker's turn ends");
        assertEquals(List.of(DisplayChannel.REPLACEMENT_HOLD_MS), timerRequests);

        display.commandsTaken();
        List<Integer> sent = types(messages(socket, at));
        assertEquals(List.of(DisplayMessages.MSG_SURFACE_DESTROY, DisplayMessages.MSG_SURFACE_CREATE),
                sent.subList(0, 2));
        assertTrue(sent.indexOf(DisplayMessages.MSG_MARK) > 1, "MARK after the create: " + sent);
        assertEquals(2, sent.stream().filter(t -> t == DisplayMessages.MSG_DRAW_COPY).count(), "both draws: " + sent);

        at = socket.written().length;
        draw(display, 32);
        assertEquals(List.of(DisplayMessages.MSG_DRAW_COPY), types(messages(socket, at)), "then draws go at once");
    }

    @Test
    void aTurnWithoutADrawOnTheNewPrimaryKeepsHolding() {
        int at = socket.written().length;
        display.destroy(0);
        display.commandsTaken(); // QEMU's destroy and create are separate calls, with turns between them
        createPrimary(200, 100);
        display.commandsTaken();
        assertEquals(List.of(), types(messages(socket, at)));
        draw(display, 0);
        display.commandsTaken();
        assertEquals(DisplayMessages.MSG_DRAW_COPY, types(messages(socket, at)).getLast());
    }

    @Test
    void aGuestThatDrawsNothingOnItsNewScreenIsShownItWhenTheHoldRunsOut() {
        int at = socket.written().length;
        display.destroy(0);
        createPrimary(200, 100);
        display.commandsTaken();
        display.replacementTimeout();
        List<Integer> sent = types(messages(socket, at));
        assertEquals(List.of(DisplayMessages.MSG_SURFACE_DESTROY, DisplayMessages.MSG_SURFACE_CREATE),
                sent.subList(0, 2));
        assertEquals(DisplayMessages.MSG_MARK, sent.getLast());
    }

    @Test
    void aPrimaryDestroyedForGoodIsToldWhenTheHoldRunsOut() {
        int at = socket.written().length;
        display.destroy(0);
        assertEquals(List.of(), types(messages(socket, at)));
        display.replacementTimeout();
        assertEquals(List.of(DisplayMessages.MSG_SURFACE_DESTROY), types(messages(socket, at)));
        display.replacementTimeout(); // a second timeout, or one after the hold ended, does nothing
        assertEquals(1, messages(socket, at).size());
    }

    @Test
    void aClientLinkingBeforeTheStartedVmsFirstDrawGetsTheScreenItBrings() {
        display.vmStarted(); // a migration's destination: QEMU's first refresh replaces the screen it had
        FakeSocket late = new FakeSocket();
        DisplayChannelClient arriving = new DisplayChannelClient(late.connection(),
                new LinkMessage(7, 2, 0, new int[] {0b1011}, new int[0]), display, new GlzWindow());
        display.addClient(arriving);
        arriving.start();
        late.writable();
        int at = socket.written().length;
        assertTrue(!types(messages(late, 0)).contains(DisplayMessages.MSG_SURFACE_CREATE),
                "not the screen from before the VM's state came");
        display.destroy(0);
        createPrimary(200, 100);
        draw(display, 0);
        display.commandsTaken();
        List<Integer> sent = types(messages(late, 0));
        assertTrue(sent.lastIndexOf(DisplayMessages.MSG_SURFACE_CREATE) < sent.lastIndexOf(
                DisplayMessages.MSG_DRAW_COPY), "the new screen with its draw, in one go: " + sent);
        assertEquals(DisplayMessages.MSG_DRAW_COPY, types(messages(socket, at)).getLast(), "the linked one too");
        assertEquals(List.of(DisplayChannel.REPLACEMENT_HOLD_MS), timerRequests, "one hold");
    }

    @Test
    void aStartedVmThatDrawsNothingReleasesClientsWhenTheHoldRunsOut() {
        int at = socket.written().length;
        display.vmStarted();
        draw(display, 0); // drawn before this turn ends: released with it
        assertEquals(List.of(), types(messages(socket, at)));
        display.commandsTaken();
        assertEquals(List.of(DisplayMessages.MSG_DRAW_COPY), types(messages(socket, at)));
        display.vmStarted();
        display.replacementTimeout();
        draw(display, 16);
        assertEquals(DisplayMessages.MSG_DRAW_COPY, types(messages(socket, at)).getLast(), "not held after it");
    }
}
