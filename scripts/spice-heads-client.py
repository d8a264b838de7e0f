#!/usr/bin/python3
"""A real spice-gtk client (SpiceClientGLib through GObject introspection) that watches every display channel of a
session and the monitors each one announces (MONITORS_CONFIG, spice-gtk's "monitors" property): what
QemuMultiHeadIT compares with QMP screendump, one QXL device with several heads or several QXL devices.

Usage: spice-heads-client.py PORT [--timeout S]
Commands on stdin, one per line:
  dump PREFIX SETTLE_MS   waits until every display channel with a primary surface has had its MARK and no
                          invalidate for SETTLE_MS, writes each primary as PREFIX-<channel id>.ppm (binary PPM) and
                          prints "dumped <channel id> <w>x<h> <file>" per channel, then "dump-done".
  quit                    disconnects and exits 0.
Events printed as they happen (one line each): "display <id>" (channel opened), "primary <id> <w>x<h>",
"primary-destroy <id>", "mark <id>", "monitors <id> max <m> [<monitor id>:<surface id>:<x>,<y>:<w>x<h> ...]",
"event <channel> <what>" for channel errors (then it exits 1). Exits 1 after --timeout seconds (default 600)."""
import sys
import time

import gi
gi.require_version('SpiceClientGLib', '2.0')
from gi.repository import GLib, GObject, SpiceClientGLib as Spice

import spice_monitors  # beside this script
import spice_picture

ERRORS = (Spice.ChannelEvent.ERROR_AUTH, Spice.ChannelEvent.ERROR_LINK, Spice.ChannelEvent.ERROR_CONNECT,
          Spice.ChannelEvent.ERROR_IO, Spice.ChannelEvent.ERROR_TLS, Spice.ChannelEvent.CLOSED)


def opt(name, default=None):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


port = sys.argv[1]
timeout_s = float(opt("--timeout", "600"))
session = Spice.Session(uri="spice://127.0.0.1:%s" % port)
loop = GLib.MainLoop()
displays = {}  # channel id -> {"primary": (w, h, stride, addr) or None, "mark": bool, "last": monotonic}
state = {"exit": 1, "dump": None}


def say(*args):
    print(*args, flush=True)


def on_monitors(channel, _pspec):
    heads = " ".join("%d:%d:%d,%d:%dx%d" % m for m in spice_monitors.monitors(channel))
    say("monitors %d max %d %s" % (channel.props.channel_id, channel.props.monitors_max, heads))


def on_primary(channel, fmt, width, height, stride, shmid, imgdata):
    d = displays[channel.props.channel_id]
    d["primary"] = (width, height, stride, imgdata)
    d["mark"] = False
    d["last"] = time.monotonic()
    say("primary %d %dx%d" % (channel.props.channel_id, width, height))


def on_primary_destroy(channel):
    displays[channel.props.channel_id]["primary"] = None
    say("primary-destroy %d" % channel.props.channel_id)


def on_invalidate(channel, x, y, w, h):
    displays[channel.props.channel_id]["last"] = time.monotonic()


def on_mark(channel, mark):
    displays[channel.props.channel_id]["mark"] = mark != 0
    say("mark %d %d" % (channel.props.channel_id, mark))


def write_ppm(path, primary):
    w, h, stride, addr = primary
    spice_picture.write_ppm(path, w, h, stride, addr)


def poll_dump():
    prefix, settle_ms = state["dump"]
    now = time.monotonic()
    shown = {i: d for i, d in displays.items() if d["primary"]}
    if not shown or any(not d["mark"] or (now - d["last"]) * 1000 < settle_ms for d in shown.values()):
        return True
    for i, d in sorted(shown.items()):
        path = "%s-%d.ppm" % (prefix, i)
        write_ppm(path, d["primary"])
        say("dumped %d %dx%d %s" % (i, d["primary"][0], d["primary"][1], path))
    say("dump-done")
    state["dump"] = None
    return False


def on_stdin(source, _condition):
    line = source.readline()
    if not line:
        return False
    words = line.split()
    if words[:1] == ["dump"] and len(words) == 3:
        state["dump"] = (words[1], int(words[2]))
        GLib.timeout_add(20, poll_dump)
    elif words[:1] == ["quit"]:
        state["exit"] = 0
        loop.quit()
        return False
    elif words:
        say("unknown command", line.strip())
    return True


def on_event(channel, event):
    if event in ERRORS:
        say("event", type(channel).__name__, event.value_nick)
        loop.quit()


def on_new(_session, channel):
    GObject.Object.connect(channel, "channel-event", on_event)
    if isinstance(channel, Spice.DisplayChannel):
        cid = channel.props.channel_id
        displays[cid] = {"primary": None, "mark": False, "last": time.monotonic()}
        say("display %d" % cid)
        GObject.Object.connect(channel, "display-primary-create", on_primary)
        GObject.Object.connect(channel, "display-primary-destroy", on_primary_destroy)
        GObject.Object.connect(channel, "display-invalidate", on_invalidate)
        GObject.Object.connect(channel, "display-mark", on_mark)
        GObject.Object.connect(channel, "notify::monitors", on_monitors)
    channel.connect()


GObject.Object.connect(session, "channel-new", on_new)
session.connect()
GLib.io_add_watch(sys.stdin, GLib.PRIORITY_DEFAULT, GLib.IO_IN | GLib.IO_HUP, on_stdin)
GLib.timeout_add(int(timeout_s * 1000), loop.quit)
loop.run()
session.disconnect()
sys.exit(state["exit"])
