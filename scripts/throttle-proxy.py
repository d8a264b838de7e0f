#!/usr/bin/python3
"""A bandwidth-limited link on loopback: a TCP proxy that forwards every connection made to LISTEN_PORT to
SERVER_PORT on 127.0.0.1, at most RATE_MBIT megabits per second in each direction, shared by all connections (one
token bucket per direction, as one link). Small socket buffers keep the queue short, so the sender feels the link.
Usage: throttle-proxy.py LISTEN_PORT SERVER_PORT RATE_MBIT [BUFFER_KB, default 64]
Prints "listening" once it accepts; on SIGTERM prints the bytes carried each way."""
import signal
import socket
import sys
import threading
import time

CHUNK = 8192


class TokenBucket:
    """Bytes may pass at `rate` per second, with at most `burst` bytes at once after a quiet spell."""

    def __init__(self, rate, burst):
        self.rate = rate
        self.burst = burst
        self.clock = time.monotonic()  # when the bytes granted so far will have passed
        self.lock = threading.Lock()
        self.carried = 0

    def take(self, n):
        with self.lock:
            now = time.monotonic()
            self.clock = max(self.clock, now - self.burst / self.rate) + n / self.rate
            self.carried += n
            wait = self.clock - now
        if wait > 0:
            time.sleep(wait)


def small_buffers(sock, size):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def pump(src, dst, bucket):
    """Copies src to dst through the bucket until either side closes."""
    try:
        while True:
            data = src.recv(CHUNK)
            if not data:
                break
            bucket.take(len(data))
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(listen_port, server_port, up, down, buffer_bytes):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    small_buffers(listener, buffer_bytes)  # inherited by accepted sockets, before the window is agreed
    listener.bind(("127.0.0.1", listen_port))
    listener.listen(16)
    print("listening", flush=True)
    while True:
        client, _ = listener.accept()
        server = socket.socket()
        small_buffers(server, buffer_bytes)
        try:
            server.connect(("127.0.0.1", server_port))
        except OSError:
            client.close()
            continue
        threading.Thread(target=pump, args=(client, server, up), daemon=True).start()
        threading.Thread(target=pump, args=(server, client, down), daemon=True).start()


def main():
    listen_port, server_port = int(sys.argv[1]), int(sys.argv[2])
    rate = float(sys.argv[3]) * 1e6 / 8  # bytes per second
    buffer_bytes = int(sys.argv[4]) * 1024 if len(sys.argv) > 4 else 64 * 1024
    up, down = TokenBucket(rate, 16384), TokenBucket(rate, 16384)

    def report(*_):
        print("carried up=%d down=%d" % (up.carried, down.carried), flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, report)
    threading.Thread(target=serve, args=(listen_port, server_port, up, down, buffer_bytes), daemon=True).start()
    while True:
        time.sleep(3600)


main()
