#!/usr/bin/python3
"""A real spice-gtk client (SpiceClientGLib through GObject introspection) that connects, then sends keys and
mouse events through the inputs channel and prints what it saw. Used by the session tests.
Usage: spice-input-client.py [--client-mouse] PORT [PASSWORD]"""
import sys

import gi
gi.require_version('SpiceClientGLib', '2.0')
from gi.repository import GLib, GObject, SpiceClientGLib as Spice

CLIENT_MODE = "--client-mouse" in sys.argv
sys.argv = [a for a in sys.argv if a != "--client-mouse"]
port = sys.argv[1]
session = Spice.Session(uri="spice://127.0.0.1:%s" % port)
if len(sys.argv) > 2:
    session.set_property("password", sys.argv[2])
loop = GLib.MainLoop()
# SPICE_MOUSE_BUTTON_* and SPICE_MOUSE_BUTTON_MASK_* (spice-protocol enums, not introspected)
LEFT, RIGHT, WHEEL_UP = 1, 3, 4
LEFT_MASK, RIGHT_MASK = 1, 4
ERRORS = (Spice.ChannelEvent.ERROR_AUTH, Spice.ChannelEvent.ERROR_LINK, Spice.ChannelEvent.ERROR_CONNECT,
          Spice.ChannelEvent.ERROR_IO, Spice.ChannelEvent.ERROR_TLS)


def client_mode_script(inputs):
    """With a tablet, ask for client mouse mode, then send absolute positions and buttons."""
    main = [c for c in session.get_channels() if isinstance(c, Spice.MainChannel)][0]
    main.request_mouse_mode(2)              # SPICE_MOUSE_MODE_CLIENT

    def positions():
        print("client mouse-mode", main.get_property("mouse-mode"), flush=True)
        inputs.position(100, 50, 0, 0)
        inputs.position(640, 480, 0, LEFT_MASK)
        inputs.button_press(LEFT, LEFT_MASK)
        inputs.button_release(LEFT, 0)
        inputs.button_press(WHEEL_UP, 0)
        inputs.button_release(WHEEL_UP, 0)
        inputs.key_press(0x10)
        inputs.key_release(0x10)
        GLib.timeout_add(300, loop.quit)
        return False
    GLib.timeout_add(500, positions)
    return False


def script(inputs):
    inputs.key_press(0x01)                 # ESC: the host answers by lighting Caps Lock
    inputs.key_release(0x01)
    inputs.key_press(0x148)                # extended (0xe0-prefixed) cursor up, in spice-gtk's 0x100 notation
    inputs.key_release(0x148)
    inputs.motion(5, -3, 0)                # relative motion, server mouse mode
    inputs.button_press(LEFT, LEFT_MASK)
    inputs.button_release(LEFT, 0)
    inputs.button_press(RIGHT, RIGHT_MASK)
    inputs.button_release(RIGHT, 0)
    inputs.button_press(WHEEL_UP, 0)
    inputs.button_release(WHEEL_UP, 0)

    def finish():
        print("client modifiers", inputs.get_property("key-modifiers"), flush=True)
        inputs.key_press(0x10)             # 'q' ends the host's run
        inputs.key_release(0x10)
        GLib.timeout_add(300, loop.quit)
        return False
    GLib.timeout_add(700, finish)


def on_event(channel, event):
    print("client", type(channel).__name__, event.value_nick, flush=True)
    if isinstance(channel, Spice.InputsChannel) and event == Spice.ChannelEvent.OPENED:
        GLib.timeout_add(200, lambda: (client_mode_script if CLIENT_MODE else script)(channel) and False)
    if event in ERRORS:
        loop.quit()


def on_new(_session, channel):
    GObject.Object.connect(channel, "channel-event", on_event)
    channel.connect()


GObject.Object.connect(session, "channel-new", on_new)
session.connect()
GLib.timeout_add(15000, loop.quit)
loop.run()
session.disconnect()
