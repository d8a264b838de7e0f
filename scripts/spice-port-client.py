#!/usr/bin/python3
"""A real spice-gtk client (SpiceClientGLib's PortChannel through GObject introspection) that talks line-based
text, such as QMP, over a SPICE port (QEMU's -chardev spiceport).

Usage:
  spice-port-client.py SPICE_PORT PORT_NAME [--timeout S] [LINE...]

Finds the port channel named PORT_NAME, prints "init NAME opened=0|1" (from PORT_INIT), waits for the first line the guest side sends ("greeting ..."), then sends each LINE and prints the line that answers
it ("reply N BYTES TEXT", TEXT cut to 300 characters). QMP events between the answers are skipped. Exit status 0 when every line was answered."""
import ctypes
import sys

import gi
gi.require_version('SpiceClientGLib', '2.0')
from gi.repository import GLib, GObject, SpiceClientGLib as Spice

args = sys.argv[1:]
timeout_s = 60.0
if "--timeout" in args:
    i = args.index("--timeout")
    timeout_s = float(args[i + 1])
    del args[i:i + 2]
port, name, lines = args[0], args[1], args[2:]
loop = GLib.MainLoop()
session = Spice.Session(uri="spice://127.0.0.1:%s" % port)
state = {"channel": None, "buffer": b"", "step": -1, "ok": False}


def say(*parts):
    print(*parts, flush=True)


def on_data(channel, data, size):
    state["buffer"] += ctypes.string_at(data, size) if size else b""
    while b"\n" in state["buffer"]:
        line, _, rest = state["buffer"].partition(b"\n")
        state["buffer"] = rest
        text = line.decode("utf-8", "replace").rstrip("\r")
        if text.startswith('{"timestamp"') and '"event"' in text:
            continue  # an asynchronous QMP event (SPICE_CONNECTED, ...): not an answer, and its timing varies
        if state["step"] < 0:
            say("greeting", text[:300])
        else:
            say("reply", state["step"], len(line) + 1, text[:300])
        state["step"] += 1
        if state["step"] >= len(lines):
            state["ok"] = True
            loop.quit()
            return
        send(channel, lines[state["step"]])


# spice_port_channel_write_async keeps the caller's buffer until the write is done, and the introspected binding
# frees its temporary array at return: the C function is called directly, with buffers kept alive here.
LIB = ctypes.CDLL("libspice-client-glib-2.0.so.8")
LIB.spice_port_channel_write_async.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p,
                                               ctypes.c_void_p, ctypes.c_void_p]
ctypes.pythonapi.PyCapsule_GetPointer.restype = ctypes.c_void_p
ctypes.pythonapi.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
kept = []


def send(channel, line):
    data = (line + "\n").encode()
    buf = ctypes.create_string_buffer(data, len(data))
    kept.append(buf)
    LIB.spice_port_channel_write_async(ctypes.pythonapi.PyCapsule_GetPointer(channel.__gpointer__, None), buf,
                                       len(data), None, None, None)


def on_opened(channel):
    channel_name = channel.get_property("port-name")
    if channel_name != name:
        return
    state["channel"] = channel
    say("init", channel_name, "opened=%d" % int(channel.get_property("port-opened")))


def on_event(channel, event):
    if event.value_nick.startswith("error"):
        say("channel", type(channel).__name__, event.value_nick)
        loop.quit()


def on_new(_session, channel):
    GObject.Object.connect(channel, "channel-event", on_event)
    if isinstance(channel, Spice.PortChannel):
        GObject.Object.connect(channel, "port-data", on_data)
        GObject.Object.connect(channel, "notify::port-name", lambda ch, _p: on_opened(ch))
    channel.connect()


GObject.Object.connect(session, "channel-new", on_new)
session.connect()
GLib.timeout_add(int(timeout_s * 1000), loop.quit)
loop.run()
session.disconnect()
if not state["ok"]:
    say("FAIL", "answered %d of %d lines" % (max(state["step"], 0), len(lines)))
sys.exit(0 if state["ok"] else 1)
