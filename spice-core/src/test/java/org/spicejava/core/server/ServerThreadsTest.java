package org.spicejava.core.server;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.spicejava.core.host.FakeMainLoop;
import org.spicejava.core.host.QueueWorkerLoop;

/** Exports the host calls from its vCPU threads only hand work to the main loop; the server's fds die last. */
class ServerThreadsTest {
    private final FakeMainLoop host = new FakeMainLoop();
    private final SpiceServer server = new SpiceServer();
    private final List<String> ledCalls = new CopyOnWriteArrayList<>();

    ServerThreadsTest() {
        SpiceServer.ClientAcceptor noClients = new SpiceServer.ClientAcceptor() {
            @Override
            public void adopt(int fd, boolean skipAuth, boolean tls) {
            }

            @Override
            public int clientCount() {
                return 0;
            }

            @Override
            public void disconnectAll() {
            }
        };
        assertEquals(0, server.init(SpiceServer.CORE_MAJOR, host, host, name -> new QueueWorkerLoop(), noClients));
        server.onLeds(leds -> ledCalls.add(Thread.currentThread().getName() + ":" + leds));
    }

    @Test
    void keyboardLedsFromAVcpuThreadReachClientsOnTheMainLoop() throws Exception {
        Thread vcpu = new Thread(() -> server.kbdLeds(3), "vcpu-0");
        vcpu.start();
        vcpu.join();
        assertEquals(3, server.leds(), "the value is known at once");
        assertEquals(List.of(), ledCalls, "nothing ran on the vCPU thread");
        host.runWoken();
        assertEquals(List.of(Thread.currentThread().getName() + ":3"), ledCalls);
    }

    @Test
    void workOfferedAfterDestroyNeverWritesToAClosedWakeup() {
        var dispatcher = server.mainDispatcher();
        server.destroy();
        // A display worker finishing late posts to the main loop; the fd number may belong to the host by now.
        assertDoesNotThrow(() -> dispatcher.execute(() -> { }));
    }
}
