#!/usr/bin/python3
"""A real spice-gtk client that stays connected through a live migration of its VM, driven line by line on stdin.
Used by QemuMigrationIT.

Usage: spice-migration-client.py PORT [--tls CA_FILE]
  --tls CA_FILE: PORT is a TLS port; the client links every channel over TLS, trusting CA_FILE
Commands (one a line on stdin):
  dump PATH      writes the primary surface as a binary PPM, then prints "dumped PATH" (or "dump-failed")
  key CODE       presses and releases one set-1 scancode through the inputs channel, prints "key-sent"
  status         prints "status migration=STATE primary=WxH connected=N"
  quit           disconnects and exits
Prints, each line prefixed by the milliseconds since start ("T+1234 ..."):
  ready                      the first display MARK: the picture is there
  event TYPE:ID NICK         every channel event (opened, closed, error-*)
  migration-started          the main channel began connecting to the destination
  migration-state STATE      the session's migration state changed (none, connecting, migrating, switching)
  switched                   the state went from migrating back to none: the client switched to the destination
                             (MIGRATE_END) or gave the migration up (MIGRATE_CANCEL)
  primary-create WxH / primary-destroy / mark
  picture-back MS            after "switched", the first display invalidate that leaves a pixel that is not black:
                             the destination's picture, MS milliseconds after the switch
  dark MS                    2 s after "switched": how long, since the migration began, the client had no picture
                             (no primary surface, or one with no pixel that is not black), in all
SPICE_DEBUG=1 in the environment makes spice-gtk log every message it handles (to stderr)."""
import ctypes
import sys
import time

import gi
gi.require_version('SpiceClientGLib', '2.0')
from gi.repository import GLib, GObject, SpiceClientGLib as Spice

import spice_picture  # beside this script

port = sys.argv[1]
if "--tls" in sys.argv:
    session = Spice.Session()
    session.props.host = "127.0.0.1"
    session.props.tls_port = port
    session.props.ca_file = sys.argv[sys.argv.index("--tls") + 1]
else:
    session = Spice.Session(uri="spice://127.0.0.1:%s" % port)
loop = GLib.MainLoop()
start = time.monotonic()
state = {"primary": None, "display": None, "inputs": None, "switched_at": None, "ready": False, "open": set(),
         "migrating": False, "dark_since": None, "dark_s": 0.0, "dark_counting": False}


def say(*args):
    print("T+%d" % int((time.monotonic() - start) * 1000), *args, flush=True)


def write_ppm(path):
    if state["primary"] is None:
        return False
    fmt, w, h, stride, addr = state["primary"]
    spice_picture.write_ppm(path, w, h, stride, addr)
    return True


def dark_from_now():
    if state["dark_counting"] and state["dark_since"] is None:
        state["dark_since"] = time.monotonic()


def on_primary_create(_channel, fmt, w, h, stride, _shmid, addr):
    state["primary"] = (fmt, w, h, stride, addr)
    dark_from_now()  # a new surface starts black
    say("primary-create %dx%d" % (w, h))


def on_primary_destroy(_channel):
    state["primary"] = None
    dark_from_now()
    say("primary-destroy")


def report_dark():
    if state["dark_since"] is not None:
        state["dark_s"] += time.monotonic() - state["dark_since"]
    say("dark %d" % int(state["dark_s"] * 1000))
    return False


def has_ink():
    fmt, w, h, stride, addr = state["primary"]
    raw = ctypes.string_at(addr, stride * h)
    return any(raw[i::4].strip(b"\0") for i in range(3))  # B, G, R: some pixel is not black (x is not looked at)


def on_invalidate(_channel, _x, _y, _w, _h):
    waiting = state["dark_since"] is not None or state["switched_at"] is not None
    if not (waiting and state["primary"] is not None and has_ink()):  # one scan of the surface per invalidate
        return
    if state["dark_since"] is not None:
        state["dark_s"] += time.monotonic() - state["dark_since"]
        state["dark_since"] = None
    if state["switched_at"] is not None:
        say("picture-back %d" % int((time.monotonic() - state["switched_at"]) * 1000))
        state["switched_at"] = None


def on_mark(_channel, mark):
    say("mark %d" % mark)
    if mark and not state["ready"]:
        state["ready"] = True
        say("ready")


def on_event(channel, event):
    name = "%d:%d" % (channel.props.channel_type, channel.props.channel_id)
    say("event", name, event.value_nick)
    if event == Spice.ChannelEvent.OPENED:
        state["open"].add(name)
    elif event in (Spice.ChannelEvent.CLOSED, Spice.ChannelEvent.ERROR_IO, Spice.ChannelEvent.ERROR_LINK,
                   Spice.ChannelEvent.ERROR_CONNECT, Spice.ChannelEvent.ERROR_AUTH):
        state["open"].discard(name)


def on_migration_started(_main, _mig_session):
    say("migration-started")


def on_migration_state(sess, _pspec):
    nick = sess.props.migration_state.value_nick
    say("migration-state", nick)
    if nick == "migrating":
        state["migrating"] = True
        state["dark_counting"] = True
    elif nick == "none" and state["migrating"]:
        state["migrating"] = False
        state["switched_at"] = time.monotonic()
        say("switched")
        GLib.timeout_add(2000, report_dark)


def on_new(_session, channel):
    GObject.Object.connect(channel, "channel-event", on_event)
    if isinstance(channel, Spice.DisplayChannel):
        state["display"] = channel
        GObject.Object.connect(channel, "display-primary-create", on_primary_create)
        GObject.Object.connect(channel, "display-primary-destroy", on_primary_destroy)
        GObject.Object.connect(channel, "display-invalidate", on_invalidate)
        GObject.Object.connect(channel, "display-mark", on_mark)
    elif isinstance(channel, Spice.InputsChannel):
        state["inputs"] = channel
    elif isinstance(channel, Spice.MainChannel):
        GObject.Object.connect(channel, "migration-started", on_migration_started)
    channel.connect()


def on_command(source, _condition):
    line = source.readline()
    if not line:
        loop.quit()
        return False
    words = line.split()
    if not words:
        return True
    if words[0] == "dump":
        say("dumped " + words[1] if write_ppm(words[1]) else "dump-failed")
    elif words[0] == "key":
        code = int(words[1], 0)
        if state["inputs"] is None:
            say("key-failed")
        else:
            state["inputs"].key_press(code)
            state["inputs"].key_release(code)
            say("key-sent")
    elif words[0] == "status":
        p = state["primary"]
        say("status migration=%s primary=%s open=%d" % (session.props.migration_state.value_nick,
                                                      "%dx%d" % (p[1], p[2]) if p else "none", len(state["open"])))
    elif words[0] == "quit":
        loop.quit()
        return False
    return True


GObject.Object.connect(session, "channel-new", on_new)
GObject.Object.connect(session, "notify::migration-state", on_migration_state)
GLib.io_add_watch(sys.stdin, GLib.IO_IN | GLib.IO_HUP, on_command)
session.connect()
loop.run()
session.disconnect()
say("bye")
