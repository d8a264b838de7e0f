#!/usr/bin/python3
"""A real spice-gtk client that authenticates with SASL (the session's username and password go to Cyrus SASL's
interaction) and waits for the display channel's primary surface.
Usage: spice-sasl-client.py PORT USERNAME PASSWORD [--tls-port T --ca FILE] [--timeout S] [--hold S]
PORT 0 means no plain port: with --tls-port, every channel links over TLS (checked against the CA in FILE).
Prints "client CHANNEL EVENT" per channel event, "primary WxH" when the display channel has its primary surface,
then stays HOLD seconds (default 0.5) and exits 0; exits 2 on a channel error (after printing it), 3 on timeout.
With SASL, spice-gtk chooses the mechanism itself from the server's list (the first it can do)."""
import sys

import gi
gi.require_version('SpiceClientGLib', '2.0')
from gi.repository import GLib, GObject, SpiceClientGLib as Spice


def opt(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


port, username, password = sys.argv[1], sys.argv[2], sys.argv[3]
timeout_s = float(opt("--timeout", 20))
hold_s = float(opt("--hold", 0.5))
session = Spice.Session()
session.props.host = "127.0.0.1"
if port != "0":
    session.props.port = port
if opt("--tls-port", None):
    session.props.tls_port = opt("--tls-port", None)
    session.props.ca_file = opt("--ca", None)
session.set_property("username", username)
session.set_property("password", password)
loop = GLib.MainLoop()
state = {"exit": 3}


def finish(code):
    state["exit"] = code
    loop.quit()
    return False


def on_primary(channel, fmt, width, height, stride, shmid, imgdata):
    print("primary %dx%d" % (width, height), flush=True)
    if state["exit"] == 3:
        state["exit"] = 0
        GLib.timeout_add(int(hold_s * 1000), finish, 0)


def on_event(channel, event):
    print("client", type(channel).__name__, event.value_nick, flush=True)
    if event.value_nick.startswith("error"):
        error = channel.get_error() if hasattr(channel, "get_error") else None
        if error is not None:
            print("client error:", error.message, flush=True)
        finish(2)


def on_new(_session, channel):
    GObject.Object.connect(channel, "channel-event", on_event)
    if isinstance(channel, Spice.DisplayChannel):
        GObject.Object.connect(channel, "display-primary-create", on_primary)
    channel.connect()


GObject.Object.connect(session, "channel-new", on_new)
session.connect()
GLib.timeout_add(int(timeout_s * 1000), finish, 3)
loop.run()
session.disconnect()
sys.exit(state["exit"])
