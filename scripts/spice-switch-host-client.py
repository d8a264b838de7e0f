#!/usr/bin/python3
"""A raw main channel without the migration capabilities (an old client): it waits for MIGRATE_SWITCH_HOST,
prints "switch-host PORT SPORT HOST SUBJECT" (the body's fields; SUBJECT "-" when there is none), then links a
new session at that host and port and prints "init" when the new server's INIT arrives.
Usage: spice-switch-host-client.py PORT [SECONDS]
Prints "ready" once linked, "timeout" if nothing came within SECONDS (default 30)."""
import socket
import struct
import sys
import time

from spice_raw_main import RawMain

MSG_MIGRATE_SWITCH_HOST = 111

port = sys.argv[1]
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 30
client = RawMain(port)
print("ready", flush=True)
client.sock.settimeout(1)
end = time.monotonic() + seconds
while time.monotonic() < end:
    try:
        kind, body = client.message()
    except socket.timeout:
        continue
    if kind != MSG_MIGRATE_SWITCH_HOST:
        continue
    dport, sport, host_size, host_at, subject_size, subject_at = struct.unpack_from("<HHIIII", body)
    host = body[host_at:host_at + host_size].rstrip(b"\0").decode()
    subject = body[subject_at:subject_at + subject_size].rstrip(b"\0").decode() if subject_size else "-"
    print("switch-host %d %d %s %s" % (dport, sport, host or "-", subject), flush=True)
    client.close()
    RawMain(dport, host=host)  # a new session there: returns once its INIT came
    print("init", flush=True)
    sys.exit(0)
print("timeout", flush=True)
