#!/usr/bin/python3
"""A real spice-gtk client (SpiceClientGLib through GObject introspection) that watches the display and cursor
channels. Used by the display tests and scripts/bench-display.

Usage:
  spice-display-client.py PORT --dump OUT.ppm [--settle MS] [--until-cursor X,Y] [--timeout S]
      Waits for the display MARK (and, with --until-cursor, for a cursor move to X,Y), then for MS milliseconds
      (default 300) without a display invalidate, and writes the primary surface as a binary PPM.
      --dump-at S dumps S seconds after the start even if the display never settles (a blinking text cursor).
      --prefer N asks the server for image compression N (SpiceImageCompression, e.g. 7 = LZ4).
  spice-display-client.py PORT --bench SECONDS [--warmup S]
      Stays connected for SECONDS after the primary surface appears (and S more seconds, default 0, not counted,
      before that), counting display invalidates; prints frames, invalidated pixels and the bytes received on its
      sockets meanwhile (tcp_info bytes_received, via ss).
  --tls CA_FILE: PORT is a TLS port; every channel links over TLS, trusting CA_FILE (scripts/bench-tls).
Prints one line per display/cursor event of interest (primary, mark, cursor-set/move/hide) for comparisons."""
import ctypes
import re
import subprocess
import sys
import time
import zlib

import gi
gi.require_version('SpiceClientGLib', '2.0')
from gi.repository import GLib, GObject, SpiceClientGLib as Spice

import spice_picture  # beside this script

ERRORS = (Spice.ChannelEvent.ERROR_AUTH, Spice.ChannelEvent.ERROR_LINK, Spice.ChannelEvent.ERROR_CONNECT,
          Spice.ChannelEvent.ERROR_IO, Spice.ChannelEvent.ERROR_TLS, Spice.ChannelEvent.CLOSED)


def opt(name, default=None):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


port = sys.argv[1]
dump_path = opt("--dump")
settle_ms = int(opt("--settle", "300"))
dump_at = float(opt("--dump-at", "0"))
started_at = time.monotonic()
until_cursor = opt("--until-cursor")
bench_seconds = float(opt("--bench", "0"))
warmup_s = float(opt("--warmup", "0"))
timeout_s = float(opt("--timeout", str(20 + warmup_s + bench_seconds)))

if opt("--tls"):
    session = Spice.Session()
    session.props.host = "127.0.0.1"
    session.props.tls_port = port
    session.props.ca_file = opt("--tls")
else:
    session = Spice.Session(uri="spice://127.0.0.1:%s" % port)
if int(opt("--prefer", "0")):  # SpiceImageCompression the client asks for (PREFERRED_COMPRESSION), e.g. 7 for LZ4
    session.props.preferred_compression = int(opt("--prefer"))
loop = GLib.MainLoop()
state = {"primary": None, "mark": False, "cursor_done": until_cursor is None, "invalidates": 0, "pixels": 0,
         "last_invalidate": time.monotonic(), "bench_start": None, "bytes0": 0, "exit": 1}


def received_bytes():
    """Bytes received so far on this client's TCP connections to the server (tcp_info via ss(8)): the socket
    reads of spice-gtk do not show in /proc/self/io."""
    out = subprocess.run(["ss", "-tinH", "state", "established", "( dport = :%s )" % port],
                         capture_output=True, text=True).stdout
    return sum(int(m) for m in re.findall(r"bytes_received:(\d+)", out))


def say(*args):
    print(*args, flush=True)


def write_ppm():
    fmt, w, h, stride, addr = state["primary"]
    spice_picture.write_ppm(dump_path, w, h, stride, addr)
    say("wrote", dump_path, "invalidates", state["invalidates"])


def on_primary(channel, fmt, width, height, stride, shmid, imgdata):
    state["primary"] = (fmt, width, height, stride, imgdata)
    say("primary %dx%d format %d" % (width, height, fmt))
    if bench_seconds and not state.get("bench_armed"):
        state["bench_armed"] = True
        GLib.timeout_add(int(warmup_s * 1000), start_bench)


def start_bench():
    """Counting starts here, after the warm-up: frames, pixels and bytes before it are not measured."""
    state["bench_start"] = time.monotonic()
    state["bytes0"] = received_bytes()
    state["invalidates"] = 0
    state["pixels"] = 0
    GLib.timeout_add(int(bench_seconds * 1000), finish_bench)
    return False


def on_invalidate(channel, x, y, w, h):
    state["invalidates"] += 1
    state["pixels"] += w * h
    state["last_invalidate"] = time.monotonic()


def on_mark(channel, mark):
    state["mark"] = True
    say("mark", mark)


def on_cursor_set(channel, w, h, hot_x, hot_y, rgba):
    crc = zlib.crc32(ctypes.string_at(rgba, w * h * 4)) if rgba else 0
    say("cursor-set %dx%d hot %d,%d crc %08x" % (w, h, hot_x, hot_y, crc))


def on_cursor_move(channel, x, y):
    say("cursor-move %d,%d" % (x, y))
    if until_cursor and "%d,%d" % (x, y) == until_cursor:
        state["cursor_done"] = True


def on_cursor_hide(channel):
    say("cursor-hide")


def poll_dump():
    quiet = (time.monotonic() - state["last_invalidate"]) * 1000 >= settle_ms \
        or (dump_at and time.monotonic() - started_at >= dump_at)
    if state["primary"] and state["mark"] and state["cursor_done"] and quiet:
        write_ppm()
        state["exit"] = 0
        loop.quit()
        return False
    return True


def finish_bench():
    secs = time.monotonic() - state["bench_start"]
    say("bench frames %d pixels %d seconds %.3f bytes %d" % (state["invalidates"], state["pixels"], secs,
                                                              received_bytes() - state["bytes0"]))
    state["exit"] = 0
    loop.quit()
    return False


def on_event(channel, event):
    if event in ERRORS:
        say("event", type(channel).__name__, event.value_nick)
        loop.quit()


def on_new(_session, channel):
    GObject.Object.connect(channel, "channel-event", on_event)
    if isinstance(channel, Spice.DisplayChannel):
        GObject.Object.connect(channel, "display-primary-create", on_primary)
        GObject.Object.connect(channel, "display-invalidate", on_invalidate)
        GObject.Object.connect(channel, "display-mark", on_mark)
    if isinstance(channel, Spice.CursorChannel):
        GObject.Object.connect(channel, "cursor-set", on_cursor_set)
        GObject.Object.connect(channel, "cursor-move", on_cursor_move)
        GObject.Object.connect(channel, "cursor-hide", on_cursor_hide)
    channel.connect()


GObject.Object.connect(session, "channel-new", on_new)
session.connect()
if dump_path:
    GLib.timeout_add(20, poll_dump)
GLib.timeout_add(int(timeout_s * 1000), loop.quit)
loop.run()
if state["exit"]:
    say("timeout" if state["primary"] else "no primary surface")
session.disconnect()
sys.exit(state["exit"])
