#!/usr/bin/python3
"""A real spice-gtk client (SpiceClientGLib through GObject introspection) that exercises the guest agent path of a
SPICE server running the desktop guest of scripts/make-desktop-guest, whose root shell is on a serial socket.

Usage:
  spice-agent-client.py SPICE_PORT SERIAL_SOCKET [--timeout S] [--no-clipboard] [--no-xfer] [--no-resize] [--serial-log F]

Connects to the serial socket first (QEMU may wait for it), waits for the guest's AGENT-READY marker and for the
main channel's agent-connected, then checks, printing one line per step ("PASS ..." / "FAIL ..."):
  agent     the agent connected and announced its capabilities (clipboard, monitors config)
  g2c       guest to client clipboard: xclip in the guest grabs, the client requests and receives the text
  c2g       client to guest clipboard: the client grabs, xclip -o in the guest prints the client's text
  xfer      a 10 MB file copied by the client (file_copy_async) lands in the guest with the same sha256
  resize    the client asks for 800x600 (update_display); the guest's qxl DRM connector then offers 800x600
            (whether Xorg follows after xrandr --auto, and the client's primary size, are printed too)
Exit status 0 when every step it ran passed."""
import ctypes
import sys
import threading
import time

import gi
gi.require_version('SpiceClientGLib', '2.0')
from gi.repository import GLib, GObject, SpiceClientGLib as Spice

ERRORS = (Spice.ChannelEvent.ERROR_AUTH, Spice.ChannelEvent.ERROR_LINK, Spice.ChannelEvent.ERROR_CONNECT,
          Spice.ChannelEvent.ERROR_IO, Spice.ChannelEvent.ERROR_TLS, Spice.ChannelEvent.CLOSED)
UTF8_TEXT = 1  # VD_AGENT_CLIPBOARD_UTF8_TEXT
CLIPBOARD = 0  # VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD
CAP_CLIPBOARD_BY_DEMAND = 5
CAP_MONITORS_CONFIG = 1


def opt(name, default=None):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


port, serial_path = sys.argv[1], sys.argv[2]
timeout_s = float(opt("--timeout", "600"))
started = time.monotonic()


def say(*args):
    print("[%7.2f]" % (time.monotonic() - started), *args, flush=True)


from guest_serial import Serial  # noqa: E402 - beside this script


serial = Serial(serial_path)
X = "export DISPLAY=:0 XAUTHORITY=/home/user/.Xauthority"
loop = GLib.MainLoop()
session = Spice.Session(uri="spice://127.0.0.1:%s" % port)
state = {"main": None, "display": None, "primary": None, "results": {}, "grab": None, "clip": None,
         "requested": []}
client_text = "client-to-guest-%d" % int(time.time())
guest_text = "guest-to-client-%d" % int(time.time())


def result(step, ok, detail=""):
    state["results"][step] = ok
    say("PASS" if ok else "FAIL", step, detail)


def on_grab(channel, selection, types, ntypes):
    if isinstance(types, (list, tuple)):  # the bindings already made a list of the guint32 array
        arr = list(types)[:ntypes]
    else:
        arr = [ctypes.c_uint32.from_address(types + 4 * i).value for i in range(ntypes)] if ntypes else []
    say("guest grabbed selection %d types %s" % (selection, arr))
    state["grab"] = (selection, arr)
    if UTF8_TEXT in arr:
        channel.clipboard_selection_request(selection, UTF8_TEXT)


def on_clipboard(channel, selection, type_, data, size):
    text = ctypes.string_at(data, size).decode("utf-8", "replace") if size else ""
    say("clipboard from guest: %r" % text)
    state["clip"] = text


def on_request(channel, selection, type_):
    say("guest requests selection %d type %d" % (selection, type_))
    state["requested"].append(type_)
    data = client_text.encode()
    try:
        channel.clipboard_selection_notify(selection, type_, data)
    except TypeError:
        channel.clipboard_selection_notify(selection, type_, data, len(data))
    return True


def on_primary(channel, fmt, width, height, stride, shmid, imgdata):
    state["primary"] = (width, height)
    say("primary %dx%d" % (width, height))


def on_event(channel, event):
    if event in ERRORS:
        say("event", type(channel).__name__, event.value_nick)


def on_channel_new(sess, channel):
    GObject.Object.connect(channel, "channel-event", on_event)
    if isinstance(channel, Spice.MainChannel):
        state["main"] = channel
        GObject.Object.connect(channel, "main-clipboard-selection-grab", on_grab)
        GObject.Object.connect(channel, "main-clipboard-selection", on_clipboard)
        GObject.Object.connect(channel, "main-clipboard-selection-request", on_request)
        GObject.Object.connect(channel, "notify::agent-connected",
                               lambda ch, p: say("agent-connected", ch.props.agent_connected))
    elif isinstance(channel, Spice.DisplayChannel):
        state["display"] = channel
        GObject.Object.connect(channel, "display-primary-create", on_primary)
        channel.connect()
    elif isinstance(channel, Spice.InputsChannel):
        channel.connect()


def pump(seconds, until=lambda: False):
    end = time.monotonic() + seconds
    ctx = loop.get_context()
    while time.monotonic() < end and not until():
        ctx.iteration(False)
        time.sleep(0.01)
    return until()


GObject.Object.connect(session, "channel-new", on_channel_new)
session.connect()
deadline = started + timeout_s

# 1. The guest's desktop and agents, then the agent on the main channel.
ready = False
while time.monotonic() < deadline and not ready:
    pump(1)
    ready = serial.wait_for("AGENT-READY", 0) >= 0
say("guest AGENT-READY" if ready else "guest never printed AGENT-READY")
connected = pump(max(1, min(60, deadline - time.monotonic())),
                 lambda: state["main"] is not None and state["main"].props.agent_connected)
main = state["main"]
caps_ok = connected and pump(10, lambda: main.agent_test_capability(CAP_CLIPBOARD_BY_DEMAND))
result("agent", bool(connected and caps_ok), "agent-connected=%s clipboard-by-demand=%s monitors-config=%s" % (
    connected, caps_ok, connected and main.agent_test_capability(CAP_MONITORS_CONFIG)))
serial.send("")
pump(1)

if connected and "--no-clipboard" not in sys.argv:
    # 2. Guest to client.
    threading.Thread(target=lambda: serial.run(
        "%s; printf %s | xclip -selection clipboard -i" % (X, guest_text)), daemon=True).start()
    got = pump(30, lambda: state["clip"] is not None)
    result("g2c", got and state["clip"] == guest_text, "client received %r" % state["clip"])
    # 3. Client to guest.
    try:
        main.clipboard_selection_grab(CLIPBOARD, [UTF8_TEXT])
    except TypeError:
        main.clipboard_selection_grab(CLIPBOARD, [UTF8_TEXT], 1)
    pump(1)
    out = {}
    threading.Thread(target=lambda: out.setdefault("v", serial.run(
        "%s; timeout 20 xclip -selection clipboard -o" % X, 40)), daemon=True).start()
    pump(45, lambda: "v" in out)
    guest_saw = (out.get("v") or "").splitlines()[-1:] or [""]
    result("c2g", guest_saw[0].strip() == client_text, "guest printed %r" % guest_saw[0])

if connected and "--no-xfer" not in sys.argv:
    # 4. File transfer: a 10 MB file dropped by the client lands in the guest with the same checksum.
    import hashlib, os, tempfile
    from gi.repository import Gio
    name = "xfer-%d.bin" % int(time.time())
    path = os.path.join(tempfile.mkdtemp(), name)
    payload = os.urandom(10 * 1024 * 1024)
    with open(path, "wb") as f:
        f.write(payload)
    want = hashlib.sha256(payload).hexdigest()
    done = {}

    def on_copied(channel, res, *args):
        try:
            done["ok"] = channel.file_copy_finish(res)
        except Exception as e:  # noqa: BLE001 - the error is the result
            done["error"] = str(e)

    t0 = time.monotonic()
    main.file_copy_async([Gio.File.new_for_path(path)], Gio.FileCopyFlags.NONE, None, None, None, on_copied, None)
    pump(120, lambda: done)
    seconds = time.monotonic() - t0
    out = {}
    if done.get("ok"):
        threading.Thread(target=lambda: out.setdefault("v", serial.run(
            "sha256sum $(find /home /root /tmp -name %s 2>/dev/null | head -1) 2>&1 | cut -c1-64" % name, 60)),
            daemon=True).start()
        pump(70, lambda: "v" in out)
    got = (out.get("v") or "").strip().splitlines()[-1:] or [""]
    result("xfer", bool(done.get("ok")) and got[0] == want,
           "%s in %.2f s (%.1f MB/s); guest sha256 %s" % (done, seconds, 10 / seconds if done.get("ok") else 0,
                                                          "matches" if got[0] == want else repr(got[0])))

if connected and "--no-resize" not in sys.argv:
    # 4. Resize through the client's monitors config (to a size the guest does not start with).
    WANT = (800, 600)
    pump(15, lambda: state["primary"] is not None)
    before = state["primary"]
    main.update_display_enabled(0, True, False)
    main.update_display(0, 0, 0, WANT[0], WANT[1], True)
    try:
        main.send_monitor_config()
    except Exception as e:  # noqa: BLE001 - older bindings
        say("send_monitor_config:", e)
    pump(5)
    out = {}
    threading.Thread(target=lambda: out.setdefault("v", serial.run(
        "%s; sleep 5; cat /sys/class/drm/card*-*/modes | head -3; xrandr --auto; sleep 2; xrandr --current | head -1"
        % X, 60)), daemon=True).start()
    pump(90, lambda: "v" in out and state["primary"] == WANT)
    lines = (out.get("v") or "").splitlines()
    kernel_mode = lines[0].strip() if lines else ""
    x_size = "%d x %d" % WANT in (out.get("v") or "")
    # The guest's qxl DRM connector lists the client's size first once the device passed the config on; whether
    # Xorg's qxl driver follows with xrandr --auto is the guest's business (and is reported, not required).
    result("resize", kernel_mode == "%dx%d" % WANT,
           "guest connector mode %r; X at %s: %s; client primary %s -> %s" % (
               kernel_mode, "%dx%d" % WANT, x_size, before, state["primary"]))

session.disconnect()
pump(1)
if opt("--serial-log"):
    with open(opt("--serial-log"), "w") as f:
        f.write(serial.text)
ok = all(state["results"].values()) and state["results"]
say("done", state["results"])
sys.exit(0 if ok else 1)
