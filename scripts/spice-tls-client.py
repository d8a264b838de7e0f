#!/usr/bin/python3
"""A real spice-gtk client (SpiceClientGLib through GObject introspection) for TLS: it links with a plain port
and/or a TLS port and a CA file, and reports what each channel did. Used by QemuTlsIT and scripts/bench-tls.

Usage:
  spice-tls-client.py [--port P] [--tls-port T] [--ca FILE] [--secure-channels all|main,display,...]
                      [--hold S] [--timeout S]
  With only --tls-port, every channel links over TLS; with both ports spice-gtk tries the plain port first and
  moves a channel to the TLS port when the server answers NEED_SECURED (or --secure-channels names it).
Prints, with milliseconds since session.connect():
  opened NAME MS             a channel opened (main, display, inputs, cursor)
  primary WxH MS             the display channel's primary surface
  sockets plain=N tls=M      this client's established TCP connections to each port, once all four channels
                             opened and the primary surface arrived
  ready                      then, with --hold S, it stays connected S seconds (the caller queries QEMU)
  event NAME NICK            an error or close event (exit 1)
Exits 0 when everything arrived (after the hold), 1 on an error event or the timeout (default 20 s)."""
import re
import subprocess
import sys
import time

import gi
gi.require_version('SpiceClientGLib', '2.0')
from gi.repository import GLib, GObject, SpiceClientGLib as Spice

ERRORS = (Spice.ChannelEvent.ERROR_AUTH, Spice.ChannelEvent.ERROR_LINK, Spice.ChannelEvent.ERROR_CONNECT,
          Spice.ChannelEvent.ERROR_IO, Spice.ChannelEvent.ERROR_TLS, Spice.ChannelEvent.CLOSED)
NAMES = {Spice.MainChannel: "main", Spice.DisplayChannel: "display", Spice.InputsChannel: "inputs",
         Spice.CursorChannel: "cursor"}
WANTED = {"main", "display", "inputs", "cursor", "primary"}


def opt(name, default=None):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


port = opt("--port")
tls_port = opt("--tls-port")
hold = float(opt("--hold", "0"))
timeout_s = float(opt("--timeout", "20"))

session = Spice.Session()
session.props.host = "127.0.0.1"
if port:
    session.props.port = port
if tls_port:
    session.props.tls_port = tls_port
if opt("--ca"):
    session.props.ca_file = opt("--ca")
if opt("--secure-channels"):
    session.props.secure_channels = opt("--secure-channels").split(",")
loop = GLib.MainLoop()
t0 = time.monotonic()
seen = set()
state = {"exit": 1, "reported": False}


def ms():
    return "%.1f" % ((time.monotonic() - t0) * 1000)


def say(*args):
    print(*args, flush=True)


def established(p):
    """This host's established TCP connections to port p (the client's side: destination port p)."""
    if not p:
        return 0
    out = subprocess.run(["ss", "-tnH", "state", "established", "( dport = :%s )" % p],
                         capture_output=True, text=True).stdout
    return len([l for l in out.splitlines() if l.strip()])


def finish():
    state["exit"] = 0
    loop.quit()
    return False


def arrived(what):
    seen.add(what)
    if WANTED <= seen and not state["reported"]:
        state["reported"] = True
        GLib.timeout_add(200, report)  # let a channel that was moved to the TLS port close its plain socket


def report():
    say("sockets plain=%d tls=%d" % (established(port), established(tls_port)))
    say("ready")
    GLib.timeout_add(int(hold * 1000), finish)
    return False


def name_of(channel):
    for kind, name in NAMES.items():
        if isinstance(channel, kind):
            return name
    return type(channel).__name__


def on_event(channel, event):
    if event == Spice.ChannelEvent.OPENED:
        say("opened", name_of(channel), ms())
        arrived(name_of(channel))
    elif event in ERRORS:
        say("event", name_of(channel), event.value_nick)
        loop.quit()


def on_primary(channel, fmt, width, height, stride, shmid, imgdata):
    say("primary %dx%d" % (width, height), ms())
    arrived("primary")


def on_new(_session, channel):
    GObject.Object.connect(channel, "channel-event", on_event)
    if isinstance(channel, Spice.DisplayChannel):
        GObject.Object.connect(channel, "display-primary-create", on_primary)
    channel.connect()


GObject.Object.connect(session, "channel-new", on_new)
session.connect()
GLib.timeout_add(int((timeout_s + hold) * 1000), loop.quit)
loop.run()
if state["exit"]:
    say("timeout; seen: " + ",".join(sorted(seen)))
session.disconnect()
sys.exit(state["exit"])
