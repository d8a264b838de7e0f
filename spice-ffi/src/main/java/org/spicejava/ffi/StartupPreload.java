package org.spicejava.ffi;

import java.security.SecureRandom;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up work done beside the host's thread. While the host's thread makes the exports' upcall stub (the first
 * upcall shape, tens of milliseconds of interpreted code on a cold JVM), a second thread makes what
 * spice_server_init needs next: the host-call downcall, libc's socket calls, the security providers behind the
 * link stage's SecureRandom, and the codec and library bindings. Only class initialization and object creation the
 * host's thread would do anyway happen here, never a host callback, so the order does not matter: whichever
 * thread comes first does the work, the JVM makes the other wait for it.
 */
final class StartupPreload {
    private static final Logger LOG = LoggerFactory.getLogger(StartupPreload.class);

    private StartupPreload() {
    }

    static void start() {
        Thread.ofPlatform().name("spice-java-preload").daemon().start(StartupPreload::preload);
    }

    private static void preload() {
        try {
            Class.forName(Native.HostCall.class.getName(), true, StartupPreload.class.getClassLoader());
            Class.forName(LibcNetwork.class.getName(), true, StartupPreload.class.getClassLoader());
            new SecureRandom(); // the providers; Sessions makes its own once they are there
            TurboJpeg.codec();
            Opus.codec();
            LibVpx.vp8();
            LibX264.h264();
            LibLz4.codec();
            CyrusSasl.library();
            OpenSsl.loader();
        } catch (Throwable t) {
            LOG.debug("start-up preload stopped; the host's thread does the rest", t);
        }
    }
}
