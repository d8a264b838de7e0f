package org.spicejava.ffi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The display worker's poll loop: tasks from other threads, and a wake-up fd nobody writes to once it is closed. */
class PollLoopTest {
    private static Thread runOnThread(PollLoop loop) {
        Thread t = Thread.ofPlatform().start(loop::run);
        return t;
    }

    /** The eventfd counter of {@code fd}, from the kernel's view of this process. */
    private static long eventfdCount(int fd) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("eventfd-count:")) {
                return Long.parseLong(line.substring("eventfd-count:".length()).strip(), 16);
            }
        }
        throw new AssertionError("fd " + fd + " is not an eventfd");
    }

    @Test
    void runsTasksFromOtherThreads() throws Exception {
        PollLoop loop = new PollLoop("test");
        Thread t = runOnThread(loop);
        CountDownLatch ran = new CountDownLatch(1);
        loop.execute(ran::countDown);
        assertTrue(ran.await(5, TimeUnit.SECONDS));
        loop.stop();
        t.join(5000);
        assertTrue(!t.isAlive(), "the loop ended after stop");
    }

    @Test
    void aStoppedLoopNeverWritesToItsOldWakeupNumber() throws Exception {
        PollLoop old = new PollLoop("old");
        Thread t = runOnThread(old);
        old.stop();
        t.join(5000);
        // The kernel hands out the lowest free number: the next eventfd takes the closed one's.
        PollLoop next = new PollLoop("next");
        assertEquals(old.wakeFd(), next.wakeFd(), "precondition: the fd number was reused");
        old.execute(() -> { });
        assertEquals(0, eventfdCount(next.wakeFd()), "a late task on the stopped loop woke someone else's fd");
        Thread t2 = runOnThread(next);
        next.stop();
        t2.join(5000);
    }

    @Test
    void tasksThatKeepComingNeverStarveTheWatches() throws Exception {
        PollLoop loop = new PollLoop("busy");
        PollLoop other = new PollLoop("readable"); // never run: its wake-up fd stays readable once woken
        other.execute(() -> { });
        CountDownLatch watched = new CountDownLatch(1);
        Thread t = runOnThread(loop);
        loop.execute(() -> loop.newWatch(other.wakeFd(), PollLoop.READ, events -> watched.countDown()));
        Runnable[] again = new Runnable[1];
        again[0] = () -> loop.execute(again[0]); // as a ring that always has another command
        loop.execute(again[0]);
        boolean served = watched.await(5, TimeUnit.SECONDS);
        loop.stop();
        t.join(5000);
        assertTrue(served, "a readable fd was never served while tasks kept coming");
    }
}
