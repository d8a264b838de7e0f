#!/usr/bin/python3
"""A raw client that sends a destination bad seamless migration data (what spice-gtk never sends).
Usage: spice-migration-bad-data.py PORT CHANNEL KIND
  CHANNEL: main or inputs, the channel whose MIGRATE_DATA is bad
  KIND: short (one byte missing), newer (version 2), magic (a foreign magic), or unasked (good data on a new
        session that is not arriving from a migration)
It links main with a connection id (a client arriving with its migrated VM), asks for a seamless arrival
(MIGRATE_DST_DO_SEAMLESS, version 1) and links inputs; except for "unasked", which links a new session.
Prints "answer N" (117 ACK, 118 NACK), then "closed" when the server closed the channel that got the bad data
within 2 s, else "open"."""
import socket
import struct
import sys
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_der_public_key

import spice_raw_main
from spice_raw_main import RawMain

MAIN_DATA = bytes.fromhex("4d4e4d4401000000010000000000000000000000000000000000000000000000000000000000000000"
                          "000000000000000000000000000000000000000000000000")
INPUTS_DATA = bytes.fromhex("49434d44010000000000")
MSGC_MIGRATE_DATA = 5
MSGC_MIGRATE_DST_DO_SEAMLESS = 110
ALL_MIGRATION_CAPS = 0b1111  # semi-seamless, name and uuid, agent tokens, seamless


class RawChannel(RawMain):
    """Links a channel other than main to the session with connection_id (no caps of its own)."""

    def __init__(self, port, channel_type, connection_id):
        self.sock = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
        body = struct.pack("<IBBIII", connection_id, channel_type, 0, 1, 0, 18) + struct.pack("<I", 0b1011)
        self.sock.sendall(struct.pack("<IIII", spice_raw_main.MAGIC, 2, 2, len(body)) + body)
        _, _, _, size = struct.unpack("<IIII", self.read(16))
        reply = self.read(size)
        key = load_der_public_key(reply[4:4 + spice_raw_main.PUBLIC_KEY_BYTES])
        ticket = key.encrypt(b"\0", padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None))
        self.sock.sendall(struct.pack("<I", 1) + ticket)
        result = struct.unpack("<I", self.read(4))[0]
        if result != 0:
            raise IOError("link refused: %d" % result)


port, channel, kind = sys.argv[1], sys.argv[2], sys.argv[3]
if kind == "unasked":
    main = RawMain(port, main_caps=ALL_MIGRATION_CAPS)
    session = main.init[0]
else:
    session = 0x1234
    main = RawMain(port, main_caps=ALL_MIGRATION_CAPS, connection_id=session, wait_init=False)
    main.send(MSGC_MIGRATE_DST_DO_SEAMLESS, struct.pack("<I", 1))
    main.sock.settimeout(5)
    print("answer", main.message()[0], flush=True)
inputs = RawChannel(port, 3, session)
data = MAIN_DATA if channel == "main" else INPUTS_DATA
if kind == "short":
    data = data[:-1]
elif kind == "newer":
    data = data[:4] + struct.pack("<I", 2) + data[8:]
elif kind == "magic":
    data = b"XXXX" + data[4:]
target = main if channel == "main" else inputs
target.send(MSGC_MIGRATE_DATA, data)
print("closed" if target.closed_by_server(2) else "open", flush=True)
