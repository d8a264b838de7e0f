#!/usr/bin/python3
"""A real spice-gtk client (SpiceClientGLib through GObject introspection) that exercises the guest agent path of a
SPICE server running the desktop guest of scripts/make-desktop-guest, whose root shell is on a serial socket.

Usage:
  spice-agent-client.py SPICE_PORT SERIAL_SOCKET [--timeout S] [--serial-log F] [--qmp SOCKET] [--qemu-pid PID]
                        [--refused] [--rounds N] [--agent-to-newest] [--no-clipboard] [--no-xfer] [--no-resize]
                        [--no-heads] [--no-hostile] [--no-agent-clients]
                        [--migrate-to PORT,QMP,SERIAL,MIGRATION_PORT,LABEL ...]

Connects to the serial socket first (QEMU may wait for it; a guest resumed from its saved boot is asked to print
its markers again), waits for the guest's AGENT-READY marker and for the main channel's agent-connected, then
checks, printing one line per step ("PASS ..." / "FAIL ..."):
  agent     the agent connected and announced its capabilities (clipboard, monitors config)
  mouse     client mouse mode (the guest has no tablet: only the agent allows it); positions the client sends move
            the X pointer to exactly those coordinates (xdotool in the guest)
  g2c       guest to client clipboard: xclip in the guest grabs, the client requests and receives the text
  c2g       client to guest clipboard: the client grabs, xclip -o in the guest prints the client's text
  cliprtt   the clipboard round trip: the client asks for the guest's clipboard N times (--rounds, 10), one at a time;
            prints the median and the slowest time from request to text
  xfer      a 10 MB file copied by the client (file_copy_async) lands in the guest with the same sha256; prints MB/s
  resize    the client asks for 800x600 (update_display): the guest's qxl connector offers it, X runs at it
            (desktop-resize.service applies it), QMP screendump (with --qmp) and the client's primary are 800x600
  hostile-agent   with the guest's spice-vdagentd stopped, a process writes garbage to the agent's port (a chunk that
            claims 4 GiB, a wrong protocol, 8 MiB of noise); QEMU lives, its memory outside guest RAM (--qemu-pid) stays
            within 16 MB, the client's main channel stays open, and once spice-vdagentd and a fresh session agent run
            again the clipboard works
  hostile-client  the client leaves; bare main-channel clients (scripts/spice_raw_main.py) send an oversized chunk, a
            wrong agent protocol, data beyond their tokens (while the VM is stopped, so none come back) and a monitors
            config that lies about its count; each is
            reported closed or kept; QEMU lives, memory as above, and a fresh spice-gtk client then has a working agent
  heads     (QEMU's QXL device has max_outputs=2 and an id; needs --qmp) the client asks for display 0 at 800x600 and
            display 1 at 640x480 to its right: X has two connected outputs of that layout (xrandr), display channel
            0's monitors are the same, each head's area of QMP screendump of the device equals the client's picture in
            >= 99.9% of pixels (QEMU 7.2 refuses head=1, which is printed: its device picture holds both heads);
            positions for display 1 put the X pointer at (800 + x, y), within a pixel; display 1 off, X and the
            client are back to one 800x600 output
  agent-clients   (QEMU runs with SPICE_DEBUG_ALLOW_MC=1) a second spice-gtk session joins the first: the second's
            agent connects and a guest xclip grab reaches it; once it left, the first has the agent and a new guest
            text reaches it. With --agent-to-newest (ours), also: while both are connected the first's agent-connected
            is False and the guest's grab never reaches it (without, as for the reference, that is only printed); one
            more line per client says what it saw
  migrate-LABEL   (--migrate-to, repeatable, needs --qmp; hops in order; LABEL is hopN-SOURCE-to-DESTINATION) the VM
            migrates to a QEMU started with -incoming tcp:127.0.0.1:MIGRATION_PORT, spice on PORT, QMP and serial
            console on the sockets named: client_migrate_info (the client links there ahead of time) and migrate on
            the current QEMU, which must complete, while the client copies a 4 MB file to the guest when the source
            is ours (not with --no-xfer); the client follows (the
            old QEMU's query-spice says migrated, the new one's lists its channels, spice-gtk's migration state comes
            back to "none" once every channel moved, and the new one runs), its agent is connected again, the file
            lands whole (sha256) and the clipboard works both ways there (guest grab reaches the client, the client's
            text reaches xclip); then the old QEMU is told to quit and the hop's QEMU is the current one. Prints the
            migration's time, spice-gtk's migration states, the switch's time and how long the client's picture took
            to come back after it (a seamless destination that goes on from the client's picture may send none)
With --refused (QEMU runs with disable-copy-paste=on,disable-agent-file-xfer=on) the steps are instead:
  agent (without the clipboard capability), g2c-refused (the guest's grab never reaches the client), c2g-refused (the client's text never reaches the
  guest), xfer-refused (the client's copy fails with an error and no file lands in the guest).
Exit status 0 when every step it ran passed."""
import ctypes
import hashlib
import os
import re
import socket
import json
import statistics
import sys
import tempfile
import threading
import time

import gi
gi.require_version('SpiceClientGLib', '2.0')
from gi.repository import Gio, GLib, GObject, SpiceClientGLib as Spice

from guest_serial import Serial  # beside this script
import spice_raw_main as raw
import spice_monitors
import spice_picture

ERRORS = (Spice.ChannelEvent.ERROR_AUTH, Spice.ChannelEvent.ERROR_LINK, Spice.ChannelEvent.ERROR_CONNECT,
          Spice.ChannelEvent.ERROR_IO, Spice.ChannelEvent.ERROR_TLS, Spice.ChannelEvent.CLOSED)
UTF8_TEXT = 1  # VD_AGENT_CLIPBOARD_UTF8_TEXT
CLIPBOARD = 0  # VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD
CAP_CLIPBOARD_BY_DEMAND = 5
CAP_MONITORS_CONFIG = 1
MOUSE_MODE_CLIENT = 2
VD_AGENT_MONITORS_CONFIG = 2
VD_AGENT_CLIPBOARD_RELEASE = 9
AGENT_PORT = "/dev/virtio-ports/com.redhat.spice.0"
MEMORY_BOUND_MB = 16


def opt(name, default=None):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


port, serial_path = sys.argv[1], sys.argv[2]
timeout_s = float(opt("--timeout", "600"))
qemu_pid = opt("--qemu-pid")
started = time.monotonic()


def say(*args):
    # One write per line: spice-gtk's warnings on stderr share the file in the tests and must not split a line.
    line = " ".join(["[%7.2f]" % (time.monotonic() - started)] + [str(a) for a in args])
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


serial = Serial(serial_path)
serial.markers_again()
qmp_path = opt("--qmp")
X = "export DISPLAY=:0 XAUTHORITY=/home/user/.Xauthority"
loop = GLib.MainLoop()
results = {}
state = {}
client_text = "client-to-guest-%d" % int(time.time())


def result(step, ok, detail=""):
    results[step] = ok
    say("PASS" if ok else "FAIL", step, detail)


def on_grab(channel, selection, types, ntypes, st):
    if isinstance(types, (list, tuple)):  # the bindings already made a list of the guint32 array
        arr = list(types)[:ntypes]
    else:
        arr = [ctypes.c_uint32.from_address(types + 4 * i).value for i in range(ntypes)] if ntypes else []
    say("%sguest grabbed selection %d types %s" % (st["name"], selection, arr))
    st["grab"] = (selection, arr)
    if UTF8_TEXT in arr:
        channel.clipboard_selection_request(selection, UTF8_TEXT)


def on_clipboard(channel, selection, type_, data, size, st):
    st["clip"] = ctypes.string_at(data, size).decode("utf-8", "replace") if size else ""
    if not st.get("quiet"):
        say("%sclipboard from guest: %r" % (st["name"], st["clip"]))


def on_request(channel, selection, type_, st):
    say("%sguest requests selection %d type %d" % (st["name"], selection, type_))
    data = client_text.encode()
    try:
        channel.clipboard_selection_notify(selection, type_, data)
    except TypeError:
        channel.clipboard_selection_notify(selection, type_, data, len(data))
    return True


def on_primary(channel, fmt, width, height, stride, shmid, imgdata, st):
    st["primary"] = (width, height)
    st["picture"] = (width, height, stride, imgdata)
    st["drawn"] = time.monotonic()
    say("%sprimary %dx%d" % (st["name"], width, height))


def on_primary_destroy(channel, st):
    st["picture"] = None  # its memory goes with it


def on_invalidate(channel, x, y, w, h, st):
    st["drawn"] = time.monotonic()
    st.get("draws_after_switch", []).append(st["drawn"])


def on_event(channel, event, st):
    if event in ERRORS:
        say("%sevent" % st["name"], type(channel).__name__, event.value_nick)
        if isinstance(channel, Spice.MainChannel) and not st.get("leaving"):
            st["main_lost"] = event.value_nick


def on_channel_new(sess, channel, st):
    GObject.Object.connect(channel, "channel-event", on_event, st)
    if isinstance(channel, Spice.MainChannel):
        st["main"] = channel
        GObject.Object.connect(channel, "main-clipboard-selection-grab", on_grab, st)
        GObject.Object.connect(channel, "main-clipboard-selection", on_clipboard, st)
        GObject.Object.connect(channel, "main-clipboard-selection-request", on_request, st)
        GObject.Object.connect(channel, "notify::agent-connected",
                               lambda ch, p: say("%sagent-connected" % st["name"], ch.props.agent_connected))
    elif isinstance(channel, Spice.DisplayChannel):
        if channel.props.channel_id == 0:
            st["display"] = channel
        GObject.Object.connect(channel, "display-primary-create", on_primary, st)
        GObject.Object.connect(channel, "display-primary-destroy", on_primary_destroy, st)
        GObject.Object.connect(channel, "display-invalidate", on_invalidate, st)
        channel.connect()
    elif isinstance(channel, Spice.InputsChannel):
        st["inputs"] = channel
        channel.connect()
    elif isinstance(channel, Spice.CursorChannel):
        # As remote-viewer: a seamless migration's switch waits for MIGRATE on every channel the session has, and
        # a server sends none on a channel the client never linked.
        channel.connect()


def pump(seconds, until=lambda: False):
    end = time.monotonic() + seconds
    ctx = loop.get_context()
    while time.monotonic() < end and not until():
        ctx.iteration(False)
        time.sleep(0.01)
    return until()


def connect(st=state, name=""):
    """A fresh spice-gtk session whose channels report to st (the main session's state by default), which starts
    over with it; name prefixes its event lines."""
    st.clear()
    st.update({"name": name, "main": None, "inputs": None, "display": None, "primary": None, "picture": None,
               "drawn": 0.0, "grab": None, "clip": None})
    session = Spice.Session(uri="spice://127.0.0.1:%s" % port)
    GObject.Object.connect(session, "channel-new", on_channel_new, st)
    session.connect()
    st["session"] = session


def disconnect(st=state):
    st["leaving"] = True
    st["session"].disconnect()
    pump(1)


def agent_connected(seconds, st=state):
    return pump(seconds, lambda: st["main"] is not None and st["main"].props.agent_connected)


def guest(command, seconds=30):
    """Runs a command in the guest's root shell while the client's loop keeps running; its output or None."""
    out = {}
    threading.Thread(target=lambda: out.setdefault("v", serial.run(command, seconds)), daemon=True).start()
    pump(seconds + 5, lambda: "v" in out)
    return out.get("v")


def guest_in_background(command):
    threading.Thread(target=lambda: serial.run(command), daemon=True).start()


def guest_to_client(text, seconds=30):
    """The guest's xclip takes the clipboard with text; True when the client received exactly it."""
    state["clip"] = None
    guest_in_background("%s; printf %s | xclip -selection clipboard -i" % (X, text))
    return pump(seconds, lambda: state["clip"] == text)


def client_grab():
    try:
        state["main"].clipboard_selection_grab(CLIPBOARD, [UTF8_TEXT])
    except TypeError:
        state["main"].clipboard_selection_grab(CLIPBOARD, [UTF8_TEXT], 1)
    pump(1)


def client_to_guest():
    """The client takes the clipboard with its text; returns what xclip -o in the guest printed last."""
    client_grab()
    out = guest("%s; timeout 20 xclip -selection clipboard -o" % X, 40)
    return ((out or "").splitlines()[-1:] or [""])[0].strip()


def start_copy(payload_mb):
    """Starts copying a file of random bytes through the client; returns (name, sha256, outcome dict, start time):
    the dict gets "ok" or "error" when the copy ends."""
    name = "xfer-%d.bin" % int(time.time() * 1000)
    path = os.path.join(tempfile.mkdtemp(), name)
    payload = os.urandom(payload_mb * 1024 * 1024)
    with open(path, "wb") as f:
        f.write(payload)
    done = {}

    def on_copied(channel, res, *args):
        try:
            done["ok"] = channel.file_copy_finish(res)
        except Exception as e:  # noqa: BLE001 - the error is the outcome
            done["error"] = str(e)

    t0 = time.monotonic()
    state["main"].file_copy_async([Gio.File.new_for_path(path)], Gio.FileCopyFlags.NONE, None, None, None,
                                  on_copied, None)
    return name, hashlib.sha256(payload).hexdigest(), done, t0


def copy_file(payload_mb, seconds):
    """Copies a file of random bytes through the client; returns (name, sha256, outcome dict, seconds taken)."""
    name, sha, done, t0 = start_copy(payload_mb)
    pump(seconds, lambda: done)
    return name, sha, done, time.monotonic() - t0


def guest_sha256(name):
    out = guest("sha256sum $(find /home /root /tmp -name %s 2>/dev/null | head -1) 2>&1 | cut -c1-64" % name, 60)
    return ((out or "").strip().splitlines()[-1:] or [""])[0]


def qmp(command, arguments=None, path=None):
    """Runs one QMP command on QEMU's monitor socket (path, by default the current QEMU's); returns its reply."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(path or qmp_path)
    f = s.makefile("rw")
    f.readline()
    for c in ({"execute": "qmp_capabilities"}, {"execute": command, "arguments": arguments or {}}):
        f.write(json.dumps(c) + "\n")
        f.flush()
        while "return" not in (reply := json.loads(f.readline())) and "error" not in reply:
            pass  # events
    s.close()
    return reply


def qmp_screendump_size():
    """Width and height of QMP screendump's picture, or None without a QMP socket."""
    if not opt("--qmp"):
        return None
    ppm = os.path.join(tempfile.mkdtemp(), "screen.ppm")
    qmp("screendump", {"filename": ppm})
    with open(ppm, "rb") as p:
        fields = p.read(64).split()
    return int(fields[1]), int(fields[2])


def qxl_device():
    """The id of the guest's QXL device (screendump finds devices by id only, so QEMU must give it one), or None."""
    for child in qmp("qom-list", {"path": "/machine/peripheral"}).get("return", []):
        if child["type"] == "child<qxl-vga>":
            return child["name"]
    return None


def read_ppm(path):
    with open(path, "rb") as f:
        magic, size, maxval, pixels = f.read().split(b"\n", 3)
    w, h = map(int, size.split())
    return w, h, pixels


def client_rgb(picture):
    """The client's primary surface (BGRX rows) as packed RGB rows, like a PPM's pixel data."""
    w, h, stride, addr = picture
    return w, h, spice_picture.rgb(w, h, stride, addr)


def equal_share(a, b, area):
    """The share of pixels of area (x, y, w, h) that are equal in two RGB pictures (w, h, pixels)."""
    x0, y0, w, h = area
    if x0 + w > min(a[0], b[0]) or y0 + h > min(a[1], b[1]):
        return 0.0
    same = 0
    for y in range(y0, y0 + h):
        ra = a[2][3 * (a[0] * y + x0):3 * (a[0] * y + x0 + w)]
        rb = b[2][3 * (b[0] * y + x0):3 * (b[0] * y + x0 + w)]
        same += w if ra == rb else sum(ra[i:i + 3] == rb[i:i + 3] for i in range(0, 3 * w, 3))
    return same / (w * h)


def monitors(channel):
    """A display channel's "monitors" property as [(x, y, width, height)]; [] without a channel."""
    return [m[2:] for m in spice_monitors.monitors(channel)]


def x_outputs():
    """The guest's connected X outputs as [(x, y, width, height)] (xrandr --current), or None when it did not answer."""
    out = guest("%s; xrandr --current | grep -w connected" % X, 20)
    if out is None:
        return None
    found = []
    for line in out.splitlines():
        m = re.search(r" connected (?:primary )?(\d+)x(\d+)\+(\d+)\+(\d+)", line)
        if m:
            w, h, x, y = map(int, m.groups())
            found.append((x, y, w, h))
    return sorted(found)


def pointer():
    """The X pointer's position (xdotool getmouselocation: "x:99 y:199 screen:0 window:...")."""
    words = dict(w.split(":", 1) for w in (guest("%s; xdotool getmouselocation" % X, 20) or "").split()
                 if w[:2] in ("x:", "y:"))
    return int(words.get("x", -9)), int(words.get("y", -9))


def other_rss_mb():
    """QEMU's resident memory outside guest RAM and TCG's translation cache (the mappings of 256 MiB or more)."""
    if not qemu_pid:
        return 0.0
    kb = 0
    big = False
    with open("/proc/%s/smaps" % qemu_pid) as f:
        for line in f:
            head = line.split(None, 1)[0]
            if "-" in head and not head.endswith(":"):
                lo, hi = (int(x, 16) for x in head.split("-"))
                big = hi - lo >= 256 << 20
            elif head == "Rss:" and not big:
                kb += int(line.split()[1])
    return kb / 1024


def qemu_alive():
    return not qemu_pid or os.path.exists("/proc/%s" % qemu_pid)


def restart_agents():
    """Starts spice-vdagentd again and a fresh session agent in the X session's environment; True when the client sees
    the agent connected. A session agent that reconnected to a restarted spice-vdagentd crashes in libX11 at the next
    RandR change (Debian's spice-vdagent 0.22: segfault, then the daemon closes the port), which the heads step
    makes; so the old one is stopped instead of left to reconnect."""
    guest("pkill -x spice-vdagent; systemctl start spice-vdagentd.socket spice-vdagentd.service; sleep 1; "
          "(cd /home/user && runuser -u user -- env DISPLAY=:0 XAUTHORITY=/home/user/.Xauthority "
          "$(tr '\\0' '\\n' </proc/$(pgrep -o -x xterm)/environ | grep '^DBUS_SESSION_BUS_ADDRESS=') "
          "spice-vdagent -f /home/user/Downloads -o 0 >/dev/null 2>&1 &)", 40)
    return agent_connected(60)


connect()
deadline = started + timeout_s

# The guest's desktop and agents, then the agent on the main channel.
ready = False
while time.monotonic() < deadline and not ready:
    pump(1)
    ready = serial.wait_for("AGENT-READY", 0) >= 0
say("guest AGENT-READY" if ready else "guest never printed AGENT-READY")
connected = agent_connected(max(1, min(60, deadline - time.monotonic())))
main = state["main"]
# The agent's capabilities reach the client; with copy-paste disabled the server hides the clipboard ones.
announced = connected and pump(10, lambda: main.agent_test_capability(CAP_MONITORS_CONFIG))
clipboard_cap = connected and main.agent_test_capability(CAP_CLIPBOARD_BY_DEMAND)
result("agent", bool(announced and clipboard_cap != ("--refused" in sys.argv)),
       "agent-connected=%s clipboard-by-demand=%s monitors-config=%s" % (connected, clipboard_cap, announced))
serial.send("")
pump(1)

if connected and "--refused" in sys.argv:
    # Copy and paste disabled: the server drops clipboard messages both ways.
    state["clip"] = None
    guest_in_background("%s; printf refused-g2c | xclip -selection clipboard -i" % X)
    pump(10)
    result("g2c-refused", state["grab"] is None and state["clip"] is None,
           "client saw grab %s, text %r" % (state["grab"], state["clip"]))
    client_grab()
    out = guest("%s; timeout 8 xclip -selection clipboard -o 2>&1; echo" % X, 20) or ""
    result("c2g-refused", client_text not in out, "guest printed %r" % out.strip())
    # File transfer disabled: the copy fails, and no file lands in the guest.
    name, _, done, seconds = copy_file(1, 60)
    found = guest("find /home /root /tmp -name %s | wc -l" % name, 30) or ""
    result("xfer-refused", "error" in done and found.strip().endswith("0"),
           "%s after %.2f s; files in the guest: %s" % (done, seconds, found.strip()))

if connected and "--refused" not in sys.argv:
    # Client mouse mode: without a tablet, only the agent makes it possible; positions then go to the agent.
    client_mode = pump(20, lambda: main.props.mouse_mode == MOUSE_MODE_CLIENT)
    want = ((100, 200), (517, 333))
    seen = []
    for x, y in want:
        if state["inputs"] is not None:
            state["inputs"].position(x, y, 0, 0)
        pump(1)
        seen.append(pointer())
    # The guest's uinput device scales the agent's position onto the screen and may land one pixel short (the
    # reference's pointer does the same).
    close = all(abs(sx - x) <= 1 and abs(sy - y) <= 1 for (x, y), (sx, sy) in zip(want, seen))
    result("mouse", client_mode and close, "mouse-mode=%d; the client sent %s, the X pointer went to %s" % (
        main.props.mouse_mode, want, seen))

if connected and "--refused" not in sys.argv and "--no-clipboard" not in sys.argv:
    guest_text = "guest-to-client-%d" % int(time.time())
    result("g2c", guest_to_client(guest_text), "client received %r" % state["clip"])
    guest_saw = client_to_guest()
    result("c2g", guest_saw == client_text, "guest printed %r" % guest_saw)
    # The round trip: the client asks for the guest's clipboard (the guest took it back just now).
    if guest_to_client(guest_text + "-rtt"):
        times = []
        state["quiet"] = True
        for _ in range(int(opt("--rounds", "10"))):
            state["clip"] = None
            t0 = time.monotonic()
            main.clipboard_selection_request(CLIPBOARD, UTF8_TEXT)
            if not pump(10, lambda: state["clip"] is not None):
                break
            times.append((time.monotonic() - t0) * 1000)
        state["quiet"] = False
        ok = len(times) == int(opt("--rounds", "10"))
        result("cliprtt", ok, "median %.1f ms, slowest %.1f ms over %d rounds" % (
            statistics.median(times) if times else 0, max(times) if times else 0, len(times)))
    else:
        result("cliprtt", False, "the guest's clipboard never reached the client")

if connected and "--refused" not in sys.argv and "--no-xfer" not in sys.argv:
    name, want, done, seconds = copy_file(10, 120)
    got = guest_sha256(name) if done.get("ok") else ""
    result("xfer", bool(done.get("ok")) and got == want,
           "%s in %.2f s (%.2f MB/s); guest sha256 %s" % (done, seconds, 10 / seconds if done.get("ok") else 0,
                                                          "matches" if got == want else repr(got)))

if connected and "--refused" not in sys.argv and "--no-resize" not in sys.argv:
    # Resize through the client's monitors config, to a size the guest does not start with.
    WANT = (800, 600)
    pump(15, lambda: state["primary"] is not None)
    before = state["primary"]
    main.update_display_enabled(0, True, False)
    main.update_display(0, 0, 0, WANT[0], WANT[1], True)
    try:
        main.send_monitor_config()
    except Exception as e:  # noqa: BLE001 - older bindings
        say("send_monitor_config:", e)
    pump(90, lambda: state["primary"] == WANT)
    out = guest("%s; sleep 2; cat /sys/class/drm/card*-*/modes | head -1; xrandr --current | head -1" % X, 40) or ""
    lines = out.splitlines()
    kernel_mode = lines[0].strip() if lines else ""
    x_ok = "current %d x %d" % WANT in out
    dump = qmp_screendump_size()
    result("resize", kernel_mode == "%dx%d" % WANT and x_ok and state["primary"] == WANT and dump in (None, WANT),
           "guest connector mode %r; X at %dx%d: %s; QMP screendump %s; client primary %s -> %s" % (
               kernel_mode, WANT[0], WANT[1], x_ok, dump, before, state["primary"]))

if connected and "--refused" not in sys.argv and "--no-hostile" not in sys.argv:
    # A hostile agent: garbage on the agent's port while spice-vdagentd is away. Each is one write (the server stops
    # reading a broken stream until the port is opened again, as the reference does, so more would block the guest).
    before = other_rss_mb()
    guest("systemctl stop spice-vdagentd.socket spice-vdagentd.service", 30)
    gone = pump(20, lambda: not main.props.agent_connected)
    garbage = (
        'sub put { open(my $f, ">", "%s") or die "open: $!"; binmode $f; my $n = syswrite($f, $_[0]); '
        'print "wrote ", $n // "nothing ($!)", " of ", length $_[0], "\\n"; sleep 1; close $f; sleep 1 } '
        'put(pack("VV", 1, 0xFFFFFFF0) . ("\\0" x 65536)); '
        'put(pack("VV", 1, 20) . pack("VVVVV", 99, 1, 0, 0, 0)); '
        'open(my $r, "<", "/dev/urandom"); read($r, my $noise, 8 << 20); put($noise);' % AGENT_PORT)
    wrote = guest("timeout 40 perl -e '%s' 2>&1 | tr '\\n' ' '" % garbage, 70)
    pump(2)
    after = other_rss_mb()
    alive = qemu_alive()
    back = alive and restart_agents()
    clipboard = back and guest_to_client("after-hostile-agent-%d" % int(time.time()))
    result("hostile-agent", gone and alive and "main_lost" not in state and back and clipboard
           and after - before <= MEMORY_BOUND_MB,
           "agent left %s; guest wrote: %s; QEMU alive %s; memory outside guest RAM %+.1f MB (%.1f -> %.1f); "
           "main channel %s; agent back %s; clipboard %s" % (
               gone, (wrote or "").strip(), alive, after - before, before, after,
               state.get("main_lost", "open"), back, clipboard))

if connected and "--refused" not in sys.argv and "--no-hostile" not in sys.argv:
    # Hostile clients, each on its own bare main channel, after spice-gtk left.
    disconnect()
    before = other_rss_mb()
    cases = {
        "oversized-chunk": lambda c: c.send(raw.MSGC_AGENT_DATA, raw.agent_message(VD_AGENT_CLIPBOARD_RELEASE,
                                                                                   b"\0" * 4096)),
        "wrong-protocol": lambda c: c.send(raw.MSGC_AGENT_DATA, raw.agent_message(VD_AGENT_CLIPBOARD_RELEASE, b"",
                                                                                  protocol=99)),
        # With the VM stopped, the agent's port takes nothing, so no token comes back.
        "beyond-tokens": lambda c: [c.send(raw.MSGC_AGENT_DATA, raw.agent_message(VD_AGENT_CLIPBOARD_RELEASE, b""))
                                    for _ in range(c.agent_tokens + 5)],
        "monitors-lie": lambda c: c.send(raw.MSGC_AGENT_DATA, raw.agent_message(
            VD_AGENT_MONITORS_CONFIG, (0x10000000).to_bytes(4, "little") + bytes(24))),
    }
    outcome = {}
    for case, send in cases.items():
        try:
            c = raw.RawMain(port)
            c.send(raw.MSGC_AGENT_START, (10).to_bytes(4, "little"))
            if case == "beyond-tokens":
                qmp("stop")
            send(c)
            outcome[case] = "closed" if c.closed_by_server(5) else "kept"
            c.close()
        except (OSError, EOFError) as e:
            outcome[case] = "closed (%s)" % e
        finally:
            if case == "beyond-tokens":
                qmp("cont")
        pump(1)
    after = other_rss_mb()
    alive = qemu_alive()
    connect()
    back = alive and agent_connected(60)
    clipboard = back and guest_to_client("after-hostile-client-%d" % int(time.time()))
    result("hostile-client", alive and back and clipboard and after - before <= MEMORY_BOUND_MB,
           "%s; QEMU alive %s; memory outside guest RAM %+.1f MB (%.1f -> %.1f); a new client's agent %s, "
           "clipboard %s" % (" ".join("%s=%s" % kv for kv in outcome.items()), alive, after - before, before,
                             after, back, clipboard))

if connected and "--refused" not in sys.argv and "--no-heads" not in sys.argv:
    # Two heads of the one QXL device (QEMU runs it with max_outputs=2): display 0 at 800x600, display 1 at 640x480 to
    # its right. The server hands the client's monitors config to QEMU's qxl, the guest's qxl driver reports the
    # layout, desktop-resize.service applies it with xrandr. After the hostile steps, whose memory figures stay as
    # they were (with heads first, the reference's hostile-agent figure once rose by 34.5 MB).
    HEADS = [(0, 0, 800, 600), (800, 0, 640, 480)]
    main = state["main"]  # the session hostile-client started, if it ran
    t0 = time.monotonic()
    for i, (x, y, w, h) in enumerate(HEADS):
        main.update_display_enabled(i, True, False)
        main.update_display(i, x, y, w, h, True)
    main.send_monitor_config()
    shown = pump(90, lambda: monitors(state["display"]) == HEADS)
    outputs = x_outputs()
    while time.monotonic() - t0 < 90 and outputs != HEADS:
        pump(0.5)
        outputs = x_outputs()
    say("heads: client monitors %s, X outputs %s after %.1f s" % (monitors(state["display"]), outputs,
                                                                  time.monotonic() - t0))
    # Each head's area: QMP screendump of the device's head against the client's picture, once the picture settled.
    device = qxl_device() if opt("--qmp") else None
    head1 = qmp("screendump", {"filename": os.path.join(tempfile.mkdtemp(), "head1.ppm"), "device": device,
                               "head": 1}) if device else {"error": {"desc": "no QXL device with an id, or no --qmp"}}
    head1_says = "error %r" % head1["error"].get("desc") if "error" in head1 else "a picture"
    shares = [0.0, 0.0]
    dump = picture = (0, 0, b"")
    for attempt in range(3 if device else 0):
        pump(10, lambda: time.monotonic() - state["drawn"] > 1.0)
        ppm = os.path.join(tempfile.mkdtemp(), "head0.ppm")
        reply = qmp("screendump", {"filename": ppm, "device": device, "head": 0})
        picture = client_rgb(state["picture"]) if state["picture"] else (0, 0, b"")
        dump = read_ppm(ppm) if "return" in reply else (0, 0, b"")
        shares = [equal_share(dump, picture, area) for area in HEADS]
        if min(shares) >= 0.999:
            break
    result_pictures = "screendump of %s head 0 %dx%d, client primary %dx%d, each head's area equal in %s" % (
        device, dump[0], dump[1], picture[0], picture[1], " and ".join("%.2f%%" % (100 * s) for s in shares))
    # The mouse on the second monitor: positions for display 1 land at its offset on the X screen.
    client_mode = pump(20, lambda: main.props.mouse_mode == MOUSE_MODE_CLIENT)
    want = ((123, 234), (600, 400))
    seen = []
    for x, y in want:
        if state["inputs"] is not None:
            state["inputs"].position(x, y, 1, 0)
        pump(1)
        seen.append(pointer())
    mouse_ok = client_mode and all(abs(sx - 800 - x) <= 1 and abs(sy - y) <= 1 for (x, y), (sx, sy) in zip(want, seen))
    # Display 1 off again: the guest goes back to one output.
    main.update_display_enabled(1, False, False)
    main.send_monitor_config()
    one = pump(60, lambda: monitors(state["display"]) == HEADS[:1])
    back = x_outputs()
    t1 = time.monotonic()
    while time.monotonic() - t1 < 60 and back != HEADS[:1]:
        pump(0.5)
        back = x_outputs()
    result("heads", shown and outputs == HEADS and min(shares) >= 0.999 and mouse_ok and one and back == HEADS[:1],
           "client monitors %s, X outputs %s; %s (screendump head=1: %s); display 1 positions %s put the X pointer at "
           "%s; display 1 off: client monitors %s, X outputs %s" % (
               HEADS if shown else monitors(state["display"]), outputs, result_pictures, head1_says, want, seen,
               monitors(state["display"]), back))

if connected and "--refused" not in sys.argv and "--no-agent-clients" not in sys.argv:
    # Two clients, one agent (QEMU runs with SPICE_DEBUG_ALLOW_MC=1, so the second shares the VM). With
    # --agent-to-newest (ours) the newest client alone has the agent, the first gets it back once the newest leaves;
    # otherwise (the reference broadcasts the agent) only what holds either way is judged: the newest client gets the
    # guest's clipboard, and once it left so does the first. Each client's view is printed.
    first = state
    before = agent_connected(30)
    second = {}
    connect(second, "second: ")
    second_agent = agent_connected(60, second)
    newest_only = "--agent-to-newest" in sys.argv
    pump(20 if newest_only else 3, lambda: not first["main"].props.agent_connected)
    first_agent = first["main"].props.agent_connected
    # A guest grab while both are connected: who receives the text?
    text1 = "two-clients-%d" % int(time.time())
    first["clip"] = second["clip"] = first["grab"] = second["grab"] = None
    guest_in_background("%s; printf %s | xclip -selection clipboard -i" % (X, text1))
    second_got = pump(30, lambda: second["clip"] == text1)
    pump(3, lambda: first["clip"] == text1)
    first_got = first["clip"] == text1
    first_grab, first_clip = first["grab"], first["clip"]
    # The second leaves: the first has the agent (again) and gets a new guest text.
    disconnect(second)
    first_back = agent_connected(30, first)
    pump(2)
    text2 = "first-again-%d" % int(time.time())
    first_again = first_back and guest_to_client(text2)
    if first_back and not first_again:  # the agent may have taken the grab before the client's capabilities
        first_again = guest_to_client(text2 + "-retry")
    common = before and second_agent and second_got and first_back and first_again and "main_lost" not in first
    strict = not first_agent and first_grab is None and not first_got
    result("agent-clients", common and (strict or not newest_only),
           "%s; two clients: first agent-connected=%s second agent-connected=%s, guest text reached first=%s "
           "second=%s; second left: first agent-connected=%s, guest text reached first=%s" % (
               "the newest client alone has the agent" if newest_only else "the agent may serve both",
               first_agent, second_agent, "yes" if first_got else "no", "yes" if second_got else "no", first_back,
               "yes" if first_again else "no"))
    say("agent-clients first client: agent-connected %s, then %s with a second client, %s once it left; guest text "
        "while both: grab %s, text %r; after: text %r; main channel %s" % (
            before, first_agent, first_back, first_grab, first_clip, first["clip"], first.get("main_lost", "open")))
    say("agent-clients second client: agent-connected %s; guest text while both: grab %s, text %r; main channel %s" % (
        second_agent, second["grab"], second["clip"], second.get("main_lost", "open")))

def migrate(hop, hop_index):
    """One --migrate-to hop (see the usage), the hop_index-th: True when the client followed and the clipboard works
    there."""
    global qmp_path, serial
    dport, dqmp, dserial, mport, label = hop.split(",")
    session = state["session"]
    states = []  # the session's migration states as they come: migrating, then none once it switched

    def on_state(sess, _pspec):
        states.append(sess.props.migration_state.value_nick)
        say("migration-state", states[-1])
        if states[-1] == "none":
            state["switched_at"] = time.monotonic()
            state["draws_after_switch"] = []
    handler = GObject.Object.connect(session, "notify::migration-state", on_state)
    qmp("client_migrate_info", {"protocol": "spice", "hostname": "127.0.0.1", "port": int(dport)})
    # The client links to the destination ahead of time (its state goes to "migrating"); a source whose client did
    # not (a switch-host client) sends it there when the migration ends.
    ahead = pump(15, lambda: "migrating" in states)
    # A file the client copies to the guest while the VM moves from our library: the agent's data for the guest is
    # mid-message when the migration ends, and with a seamless one the destination goes on where the source left
    # (with the agent's state the main channel carries), so the file lands whole. Not from the reference: spice-gtk
    # writes agent data from its main loop even after its main channel's FLUSH_MARK, which a reference source loses
    # with the tokens it cost (seen once in 9 such hops: the copy and the clipboard stalled); ours waits for it.
    from_ours = label.split("-")[1] == "ours"
    across = start_copy(4) if from_ours and "--no-xfer" not in sys.argv else None
    pump(0.5)
    t0 = time.monotonic()
    qmp("migrate", {"uri": "tcp:127.0.0.1:%s" % mport})
    status = None
    end = time.monotonic() + 300
    while time.monotonic() < end and status not in ("completed", "failed", "cancelled"):
        pump(0.1)
        status = qmp("query-migrate").get("return", {}).get("status")
    migrated_s = time.monotonic() - t0
    # The source's client left for the destination (migrate_end_complete: "migrated"), the destination serves it, and
    # spice-gtk's session says it switched (its state back to "none" once every channel moved).
    source, qmp_path = qmp_path, dqmp
    left = pump(60, lambda: qmp("query-spice", path=source).get("return", {}).get("migrated") is True)
    arrived = pump(60, lambda: len(qmp("query-spice").get("return", {}).get("channels", [])) > 0)
    # The main channel moves first; spice-gtk's state goes back to "none" once every channel has.
    pump(30, lambda: session.props.migration_state.value_nick == "none")
    GObject.Object.disconnect(session, handler)
    switch_s = state["switched_at"] - t0 if "switched_at" in state else float("nan")
    picture = "switched_at" in state and pump(5, lambda: state["draws_after_switch"])  # a still desktop sends none
    picture_ms = (state["draws_after_switch"][0] - state["switched_at"]) * 1000 if picture else float("nan")
    state.pop("draws_after_switch", None)
    state.pop("switched_at", None)
    serial = Serial(dserial)
    running = pump(30, lambda: qmp("query-status").get("return", {}).get("status") == "running")
    try:
        qmp("quit", path=source)
    except OSError:
        pass
    agent = agent_connected(60)
    text = "after-%s-%d" % (label, int(time.time()))
    g2c = agent and guest_to_client(text)
    c2g = client_to_guest() == client_text
    switched = states[-1:] == ["none"]
    copied = True
    if across:
        name, want, done, _t0 = across
        copied = pump(120, lambda: done) and done.get("ok") and guest_sha256(name) == want
        copied_says = "%s, guest sha256 %s" % (done, "matches" if copied else "differs")
    else:
        copied_says = "not tried" + ("" if from_ours else " (the reference's source)")
    result("migrate-" + label, bool(status == "completed" and left and arrived and switched and running and agent
                                    and g2c and c2g and copied),
           "migration %s in %.1f s; linked ahead %s; the source's client left %s, the destination has it %s; "
           "spice-gtk's migration states %s, switched after %.2f s, picture back %.0f ms later; destination running "
           "%s; agent-connected %s; guest-to-client %s (%r); client-to-guest %s; a 4 MB file copied across the "
           "switch: %s" % (status, migrated_s, ahead, left, arrived, states, switch_s, picture_ms, running, agent,
                           g2c, state["clip"], c2g, copied_says))
    return results["migrate-" + label]


for n, hop in enumerate([sys.argv[i + 1] for i, a in enumerate(sys.argv) if a == "--migrate-to"]):
    if not (connected and migrate(hop, n)):
        break

disconnect()
if opt("--serial-log"):
    with open(opt("--serial-log"), "w") as f:
        f.write(serial.text)
ok = all(results.values()) and results
say("done", results)
sys.exit(0 if ok else 1)
