#!/usr/bin/python3
"""A real spice-gtk client (SpiceClientGLib through GObject introspection) that stays connected and obeys commands
on stdin, one per line, so a test can hold several clients at once and act through each in turn.

Usage: spice-multi-client.py PORT [--no-display] [--timeout S]
  Prints "ready" once the inputs channel is open and (unless --no-display) the display has its primary surface and
  MARK; prints "event CHANNEL EVENT" for every channel that closes or fails (a replaced client sees its main channel
  closed), and "channels N" each time the set of channels it opened changes. Exits when the main channel goes, on
  "quit", at end of input, or after S seconds (default 120).
Commands:
  dump PATH     writes the primary surface as a binary PPM, then prints "wrote PATH"
  key SCANCODE  presses and releases a set-1 scancode (0x100|code for extended keys), then prints "sent SCANCODE"
  list          prints "open" and the channels open now, sorted (e.g. "open CursorChannel:0 DisplayChannel:0 ...")
  quit          disconnects and exits"""
import os
import sys

import gi
gi.require_version('SpiceClientGLib', '2.0')
from gi.repository import GLib, GObject, SpiceClientGLib as Spice

import spice_picture  # beside this script

ERRORS = (Spice.ChannelEvent.ERROR_AUTH, Spice.ChannelEvent.ERROR_LINK, Spice.ChannelEvent.ERROR_CONNECT,
          Spice.ChannelEvent.ERROR_IO, Spice.ChannelEvent.ERROR_TLS, Spice.ChannelEvent.CLOSED)


def opt(name, default=None):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


port = sys.argv[1]
want_display = "--no-display" not in sys.argv
session = Spice.Session(uri="spice://127.0.0.1:%s" % port)
loop = GLib.MainLoop()
state = {"primary": None, "mark": False, "inputs": None, "ready": False, "open": set()}


def say(*args):
    print(*args, flush=True)


def check_ready():
    if state["ready"] or state["inputs"] is None:
        return
    if want_display and not (state["primary"] and state["mark"]):
        return
    state["ready"] = True
    say("ready")


def write_ppm(path):
    fmt, w, h, stride, addr = state["primary"]
    spice_picture.write_ppm(path, w, h, stride, addr)
    say("wrote", path)


def command(line):
    words = line.split()
    if not words:
        return
    if words[0] == "dump" and len(words) == 2:
        if state["primary"] is None:
            say("error no primary surface")
        else:
            write_ppm(words[1])
    elif words[0] == "key" and len(words) == 2:
        if state["inputs"] is None:
            say("error no inputs channel")
        else:
            code = int(words[1], 0)
            state["inputs"].key_press(code)
            state["inputs"].key_release(code)
            say("sent", words[1])
    elif words[0] == "list":
        say("open", *sorted(state["open"]))
    elif words[0] == "quit":
        loop.quit()
    else:
        say("error unknown command", line.strip())


def on_stdin(fd, condition):
    data = os.read(fd, 4096)
    if not data:
        loop.quit()
        return False
    state["input"] = state.get("input", b"") + data
    while b"\n" in state["input"]:
        line, state["input"] = state["input"].split(b"\n", 1)
        command(line.decode())
    return True


def on_primary(channel, fmt, width, height, stride, shmid, imgdata):
    state["primary"] = (fmt, width, height, stride, imgdata)
    check_ready()


def on_primary_destroy(channel):
    state["primary"] = None


def on_mark(channel, mark):
    state["mark"] = bool(mark)
    check_ready()


def on_event(channel, event):
    name = type(channel).__name__
    if event == Spice.ChannelEvent.OPENED:
        state["open"].add(name + ":" + str(channel.props.channel_id))
        say("channels", len(state["open"]))
        if isinstance(channel, Spice.InputsChannel):
            state["inputs"] = channel
            check_ready()
    elif event in ERRORS:
        state["open"].discard(name + ":" + str(channel.props.channel_id))
        say("event", name, event.value_nick)
        if isinstance(channel, Spice.MainChannel):
            loop.quit()


def on_new(_session, channel):
    GObject.Object.connect(channel, "channel-event", on_event)
    if isinstance(channel, Spice.DisplayChannel):
        GObject.Object.connect(channel, "display-primary-create", on_primary)
        GObject.Object.connect(channel, "display-primary-destroy", on_primary_destroy)
        GObject.Object.connect(channel, "display-mark", on_mark)
    channel.connect()


GObject.Object.connect(session, "channel-new", on_new)
GLib.io_add_watch(sys.stdin.fileno(), GLib.PRIORITY_DEFAULT, GLib.IO_IN | GLib.IO_HUP, on_stdin)
session.connect()
GLib.timeout_add(int(float(opt("--timeout", "120")) * 1000), loop.quit)
loop.run()
session.disconnect()
say("bye")
os._exit(0)
