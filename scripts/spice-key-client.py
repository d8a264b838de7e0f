#!/usr/bin/python3
"""A real spice-gtk client that connects, presses and releases one key (a set-1 scancode, extended keys as
0x100|code) through the inputs channel, prints "sent", then stays connected for HOLD seconds.
Usage: spice-key-client.py PORT SCANCODE HOLD [PASSWORD]"""
import sys

import gi
gi.require_version('SpiceClientGLib', '2.0')
from gi.repository import GLib, GObject, SpiceClientGLib as Spice

port, scancode, hold = sys.argv[1], int(sys.argv[2], 0), float(sys.argv[3])
session = Spice.Session(uri="spice://127.0.0.1:%s" % port)
if len(sys.argv) > 4:
    session.set_property("password", sys.argv[4])
loop = GLib.MainLoop()


def press(inputs):
    inputs.key_press(scancode)
    inputs.key_release(scancode)
    print("sent", flush=True)
    GLib.timeout_add(int(hold * 1000), loop.quit)
    return False


def on_event(channel, event):
    print("client", type(channel).__name__, event.value_nick, flush=True)
    if isinstance(channel, Spice.InputsChannel) and event == Spice.ChannelEvent.OPENED:
        GLib.timeout_add(100, press, channel)
    elif event.value_nick.startswith("error"):
        loop.quit()


def on_new(_session, channel):
    GObject.Object.connect(channel, "channel-event", on_event)
    channel.connect()


GObject.Object.connect(session, "channel-new", on_new)
session.connect()
GLib.timeout_add(int(hold * 1000) + 15000, loop.quit)
loop.run()
session.disconnect()
