package org.spicejava.core.net;

import java.net.InetSocketAddress;

import org.spicejava.core.host.EventLoop;
import org.spicejava.core.host.NetworkStack;

/**
 * A stack and loop for connections that never reach the system (made-up clients of a warm-up, test fakes): one
 * socket, already connected, whose reads, writes, close and watch the subclass supplies; it does not listen or accept,
 * has no wake-ups or addresses, and its timers never fire.
 */
public abstract class DetachedSocket implements NetworkStack, EventLoop {
    @Override
    public int listen(String address, int port, int family) {
        throw new UnsupportedOperationException("a detached socket does not listen");
    }

    @Override
    public int accept(int listenFd) {
        return -1;
    }

    @Override
    public void setNonBlocking(int fd) {
    }

    @Override
    public int openWakeup() {
        throw new UnsupportedOperationException("no wake-ups on a detached socket");
    }

    @Override
    public void wake(int fd) {
    }

    @Override
    public void drainWakeup(int fd) {
    }

    @Override
    public InetSocketAddress localAddress(int fd) {
        return null;
    }

    @Override
    public InetSocketAddress peerAddress(int fd) {
        return null;
    }

    @Override
    public Timer newTimer(Runnable task) {
        return IDLE_TIMER;
    }
}
