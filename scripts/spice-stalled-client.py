#!/usr/bin/python3
"""A client that links a SPICE session's main and display channels over plain sockets, reads until the display
channel's first message, then never reads again (a viewer whose network stalled): the server's output to it piles up
in its socket buffers and then in the server. Used by scripts/bench-multiclient.

Usage: spice-stalled-client.py PORT SECONDS [--rcvbuf BYTES]
  Prints "stalled" once the display channel is linked and has sent its DISPLAY_INIT, then holds both sockets open,
  unread, for SECONDS (or until killed), then prints "closing" and exits. --rcvbuf sets SO_RCVBUF (a small
  one makes the stall take effect sooner)."""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from spice_raw_main import MAGIC, PUBLIC_KEY_BYTES, RawMain  # noqa: E402

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402
from cryptography.hazmat.primitives.serialization import load_der_public_key  # noqa: E402

DISPLAY = 2
MSGC_DISPLAY_INIT = 101


def read(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def link(port, connection_id, channel_type, channel_id, rcvbuf=0):
    """Links one channel of session connection_id with an empty password; returns the socket."""
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect(("127.0.0.1", int(port)))
    sock.settimeout(10)
    common_caps = 0b1011  # auth selection, SPICE auth, mini header
    body = struct.pack("<IBBIII", connection_id, channel_type, channel_id, 1, 0, 18) + struct.pack("<I", common_caps)
    sock.sendall(struct.pack("<IIII", MAGIC, 2, 2, len(body)) + body)
    _, _, _, size = struct.unpack("<IIII", read(sock, 16))
    reply = read(sock, size)
    if struct.unpack_from("<I", reply)[0] != 0:
        raise IOError("link refused: %d" % struct.unpack_from("<I", reply)[0])
    key = load_der_public_key(reply[4:4 + PUBLIC_KEY_BYTES])
    ticket = key.encrypt(b"\0", padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None))
    sock.sendall(struct.pack("<I", 1) + ticket)
    result = struct.unpack("<I", read(sock, 4))[0]
    if result != 0:
        raise IOError("ticket refused: %d" % result)
    return sock


def main():
    port, seconds = sys.argv[1], float(sys.argv[2])
    rcvbuf = int(sys.argv[sys.argv.index("--rcvbuf") + 1]) if "--rcvbuf" in sys.argv else 0
    session = RawMain(port)
    connection_id = session.init[0]
    session.send(104)  # ATTACH_CHANNELS, as a client does before it links the others
    display = link(port, connection_id, DISPLAY, 0, rcvbuf)
    # DISPLAY_INIT: pixmap cache id 1 of 0 pixels, GLZ dictionary id 1 with a window of 0 (no cache, no GLZ).
    display.sendall(struct.pack("<HI", MSGC_DISPLAY_INIT, 14) + struct.pack("<BqBi", 1, 0, 1, 0))
    kind, size = struct.unpack("<HI", read(display, 6))  # the first message (SET_ACK), then no more reading
    print("stalled", flush=True)
    time.sleep(seconds)
    print("closing", flush=True)
    display.close()
    session.close()


if __name__ == "__main__":
    main()
