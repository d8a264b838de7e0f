#!/usr/bin/python3
"""A real spice-gtk client (SpiceClientGLib through GObject introspection) that exercises the sound channels of a
SPICE server running the desktop guest of scripts/make-desktop-guest (QEMU's -audiodev spice with ich9-intel-hda and
hda-duplex), whose root shell is on a serial socket.

Usage:
  spice-audio-client.py SPICE_PORT SERIAL_SOCKET [--timeout S] [--steps playback,record,volume,mute]
                        [--playback-mode opus|raw] [--record-mode opus|raw] [--max-gap MS] [--serial-log F]

Connects to the serial socket first (QEMU may wait for it; a guest resumed from its saved boot is asked to print
its markers again), waits for the guest's DESKTOP-READY marker, connects the playback and record channels, then
runs the steps, printing one line per step ("PASS ..." / "FAIL ..."):
  playback  the guest plays a 997 Hz tone (1 s of S16 stereo at 48 kHz made with perl, looped 10 times into aplay);
            the client's PCM from playback-data (spice-gtk decodes Opus before the signal) has 997 Hz +-2% as its
            dominant frequency in three windows, at least 80% of the played frames arrived (the reference: 93 to
            100% under TCG, the least on a loaded machine, where the guest loses some), and no gap between two
            playback-data signals exceeds --max-gap (default 500 ms; the reference showed 14 to 228 ms).
            The mode is told from the channel's wire bytes (total-read-bytes) against the PCM bytes: Opus when the
            wire carried less than half; --playback-mode requires one (the server sends Opus only with
            playback-compression on and a client with the Opus cap).
  record    the guest runs arecord (4 s, mono S16 at 48 kHz, the codec's own rate: ALSA's conversion to 8 kHz moved
            the tone by 0.4%); the client answers record-start with a 1499 Hz tone at the requested format, channels
            and rate through RecordChannel.send_data, paced in real time, until record-stop. The guest reduces its
            recording to a map of 10 ms blocks (tone, quieter, silence) and sends back base64 the 4096 samples in
            the middle of the longest stretch of tone: their dominant frequency must be 1499 Hz +-2%, and the tone
            must fill at least half the blocks from its first one on (QEMU records silence whenever the server has
            no client data at hand, so a loaded machine leaves holes; the map is printed, as runs like "12. 388#").
            The client picks the mode (spice-gtk: Opus when the server has the record Opus cap and
            SPICE_DISABLE_OPUS is unset); --record-mode requires one, and raw sets SPICE_DISABLE_OPUS for the step.
  volume    while a tone plays and arecord runs (the guest's HDA codec sleeps when idle, and QEMU hears of the
            mixer only from an awake codec), the guest sets ALSA's Master and Capture to a quarter and to four
            fifths of their range; QEMU forwards the codec's amplifiers to spice_server_playback_set_volume and
            spice_server_record_set_volume, and the Playback and Record channels' volume properties must follow
            (both channels within 1% of level/max of 65535).
  mute      likewise Master and Capture muted then unmuted: the channels' mute properties must follow.
Exit status 0 when every step it ran passed.

spice-gtk starts its own GStreamer pipelines for the sound channels once the agent connects; GST_PLUGIN_SYSTEM_PATH_1_0
is pointed at an empty folder (and GST_REGISTRY_1_0 at a private file) so that they fail to build and stay out: the
signals used here come from the channels themselves."""
import atexit
import base64
import ctypes
import math
import os
import shutil
import struct
import sys
import tempfile
import threading
import time


def opt(name, default=None):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


# Before spice-gtk (and GStreamer) load: no plugins at all, and a registry of our own instead of the user's.
_gst_dir = tempfile.mkdtemp(prefix="spice-audio-client-gst-")
atexit.register(shutil.rmtree, _gst_dir, True)
os.environ["GST_PLUGIN_SYSTEM_PATH_1_0"] = _gst_dir
os.environ["GST_PLUGIN_PATH_1_0"] = ""
os.environ["GST_REGISTRY_1_0"] = os.path.join(_gst_dir, "registry.bin")
os.environ.pop("SPICE_DISABLE_OPUS", None)

import gi  # noqa: E402
gi.require_version('SpiceClientGLib', '2.0')
from gi.repository import GLib, GObject, SpiceClientGLib as Spice  # noqa: E402

ERRORS = (Spice.ChannelEvent.ERROR_AUTH, Spice.ChannelEvent.ERROR_LINK, Spice.ChannelEvent.ERROR_CONNECT,
          Spice.ChannelEvent.ERROR_IO, Spice.ChannelEvent.ERROR_TLS, Spice.ChannelEvent.CLOSED)
SPICE_AUDIO_FMT_S16 = 1
SPICE_RECORD_CAP_OPUS = 2  # spice-protocol's enum (CELT_0_5_1, VOLUME, OPUS)
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)  # what spice-common's Opus codec accepts
PLAY_HZ = 997     # prime: an integral number of cycles per second (the loop is seamless), no multiple of a frame rate
RECORD_HZ = 1499  # no harmonic of PLAY_HZ
PLAY_SECONDS = 10
PLAY_RATE = 48000
RECORD_SECONDS = 4
RECORD_RATE = 48000
WINDOW = 4096  # samples per frequency estimate (85 ms at 48 kHz)
TOLERANCE = 0.02

port, serial_path = sys.argv[1], sys.argv[2]
timeout_s = float(opt("--timeout", "600"))
steps = opt("--steps", "playback,record,volume,mute").split(",")
want_playback_mode = opt("--playback-mode")
want_record_mode = opt("--record-mode")
max_gap_ms = float(opt("--max-gap", "500"))
started = time.monotonic()
deadline = started + timeout_s


def say(*args):
    # One write per line: spice-gtk's warnings on stderr share the file in the tests and must not split a line.
    line = " ".join(["[%7.2f]" % (time.monotonic() - started)] + [str(a) for a in args])
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


from guest_serial import Serial  # noqa: E402 - beside this script


# --- Signal analysis (pure Python: the host's python3 need not have numpy) ------------------------------------------

def goertzel(samples, rate, freq):
    """Power of samples at freq (a single DFT term at any frequency)."""
    c = 2.0 * math.cos(2.0 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + c * s1 - s2, s1
    return s1 * s1 + s2 * s2 - c * s1 * s2


def dominant_frequency(samples, rate, lo=50.0):
    """The strongest frequency of samples (DC removed, Hann window): a 1% grid from lo to 0.45 rate, then 0.05% steps
    around the best. Returns (frequency, rms, peak-to-median power in dB)."""
    n = len(samples)
    mean = sum(samples) / n
    rms = math.sqrt(sum((x - mean) ** 2 for x in samples) / n)
    w = [(x - mean) * (0.5 - 0.5 * math.cos(2.0 * math.pi * i / (n - 1))) for i, x in enumerate(samples)]
    grid = []
    f = lo
    while f < 0.45 * rate:
        grid.append((goertzel(w, rate, f), f))
        f *= 1.01
    best_p, best_f = max(grid)
    median = sorted(p for p, _ in grid)[len(grid) // 2]
    fine = [(goertzel(w, rate, best_f * (1 + k * 0.0005)), best_f * (1 + k * 0.0005)) for k in range(-24, 25)]
    best_p, best_f = max(fine + [(best_p, best_f)])
    snr = 10 * math.log10(best_p / median) if median > 0 else float("inf")
    return best_f, rms, snr


def s16_channels(pcm, channels):
    """Signed 16-bit little-endian interleaved PCM to one list of samples per channel."""
    count = len(pcm) // 2
    values = struct.unpack("<%dh" % count, pcm[:2 * count])
    return [list(values[c::channels]) for c in range(channels)]


def tone_pcm(freq, rate, channels, first_frame, frames, amplitude=10000):
    """frames frames of a sine, S16 interleaved, continuing from frame first_frame."""
    out = []
    for i in range(first_frame, first_frame + frames):
        v = int(amplitude * math.sin(2.0 * math.pi * freq * i / rate))
        out.extend([v] * channels)
    return struct.pack("<%dh" % len(out), *out)


# --- Session -----------------------------------------------------------------------------------------------------

serial = Serial(serial_path)
serial.markers_again()
loop = GLib.MainLoop()
ctx = loop.get_context()
GLib.timeout_add(20, lambda: True)  # wakes the blocking iterations below at least every 20 ms
session = Spice.Session(uri="spice://127.0.0.1:%s" % port, enable_audio=True)
state = {"playback": None, "record": None, "results": {}, "events": []}
play = {"start": None, "chunks": [], "stops": 0, "wire0": 0, "wire1": 0}
rec = {"start": None, "stops": 0, "t0": None, "frames": 0, "bytes": 0, "source": None, "mode": None}
vols = {"playback": [], "record": []}  # (volume list, mute) after each notify


def result(step, ok, detail=""):
    state["results"][step] = ok
    say("PASS" if ok else "FAIL", step, detail)


def pump(seconds, until=lambda: False):
    end = min(time.monotonic() + seconds, deadline)
    while time.monotonic() < end and not until():
        ctx.iteration(True)
    return until()


def guest(command, timeout=60):
    """Runs command in the guest's shell while the main loop runs; its output, or None on timeout."""
    out = {}
    threading.Thread(target=lambda: out.setdefault("v", serial.run(command, timeout)), daemon=True).start()
    pump(timeout + 5, lambda: "v" in out)
    if out.get("v") is None:
        serial.sock.sendall(b"\x03")  # a command still running (an aplay a stuck server holds) must not eat the next
    return out.get("v")


def volume_of(channel):
    n, v = channel.props.nchannels, channel.props.volume  # a guint16 array as an address
    return list((ctypes.c_uint16 * n).from_address(v)) if v and n else []


def on_volume(kind, channel):
    vols[kind].append((volume_of(channel), channel.props.mute))


def on_playback_start(channel, fmt, channels, rate):
    say("playback-start format %d channels %d rate %d" % (fmt, channels, rate))
    play["start"] = (fmt, channels, rate)
    play["wire0"] = channel.props.total_read_bytes


def on_playback_data(channel, data, size):
    play["chunks"].append((time.monotonic(), ctypes.string_at(data, size)))
    play["wire1"] = channel.props.total_read_bytes


def on_playback_stop(channel):
    play["stops"] += 1
    say("playback-stop")


def record_send():
    """Sends the tone up to 100 ms ahead of real time (the reference keeps 8192 frames for QEMU, which reads silence
    when it finds none); a GLib timeout every 10 ms while the guest records."""
    if rec["t0"] is None:
        return False
    fmt, channels, rate = rec["start"]
    due = int((time.monotonic() - rec["t0"] + 0.1) * rate)
    n = due - rec["frames"]
    if n > 0:
        pcm = tone_pcm(RECORD_HZ, rate, channels, rec["frames"], n)
        buf = ctypes.create_string_buffer(pcm, len(pcm))
        state["record"].send_data(ctypes.addressof(buf), len(pcm), int((time.monotonic() - started) * 1000))
        rec["frames"] += n
        rec["bytes"] += len(pcm)
    return True


def on_record_start(channel, fmt, channels, rate):
    # spice-gtk's own choice (spice_record_desired_mode), which the client cannot read back.
    opus = "SPICE_DISABLE_OPUS" not in os.environ and channel.test_capability(SPICE_RECORD_CAP_OPUS) \
        and rate in OPUS_RATES
    rec["mode"] = "opus" if opus else "raw"
    say("record-start format %d channels %d rate %d (client sends %s)" % (fmt, channels, rate, rec["mode"]))
    rec["start"] = (fmt, channels, rate)
    if "answer" in rec and fmt == SPICE_AUDIO_FMT_S16 and rec["t0"] is None:
        rec["t0"] = time.monotonic()
        rec["source"] = GLib.timeout_add(10, record_send)


def on_record_stop(channel):
    rec["stops"] += 1
    if rec["t0"] is not None:
        say("record-stop after %d frames (%d bytes) sent" % (rec["frames"], rec["bytes"]))
        GLib.source_remove(rec["source"])
        rec["t0"] = None


def on_event(channel, event):
    if event in ERRORS:
        state["events"].append((type(channel).__name__, event.value_nick))
        say("event", type(channel).__name__, event.value_nick)


def on_channel_new(sess, channel):
    GObject.Object.connect(channel, "channel-event", on_event)
    if isinstance(channel, Spice.PlaybackChannel):
        state["playback"] = channel
        GObject.Object.connect(channel, "playback-start", on_playback_start)
        GObject.Object.connect(channel, "playback-data", on_playback_data)
        GObject.Object.connect(channel, "playback-stop", on_playback_stop)
        GObject.Object.connect(channel, "notify::volume", lambda ch, p: on_volume("playback", ch))
        GObject.Object.connect(channel, "notify::mute", lambda ch, p: on_volume("playback", ch))
        channel.connect()
    elif isinstance(channel, Spice.RecordChannel):
        state["record"] = channel
        GObject.Object.connect(channel, "record-start", on_record_start)
        GObject.Object.connect(channel, "record-stop", on_record_stop)
        GObject.Object.connect(channel, "notify::volume", lambda ch, p: on_volume("record", ch))
        GObject.Object.connect(channel, "notify::mute", lambda ch, p: on_volume("record", ch))
        channel.connect()


GObject.Object.connect(session, "channel-new", on_channel_new)
session.connect()

# 1. The guest's desktop (its boot done: less load on the shared cores), and both sound channels.
# The steps need about a minute (more with a failing server: each waits for its bound); a guest whose desktop never
# comes still gets them, on its root shell.
ready = False
while time.monotonic() < deadline - 180 and not ready:
    pump(1)
    ready = serial.wait_for("DESKTOP-READY", 0) >= 0
say("guest DESKTOP-READY" if ready else "guest never printed DESKTOP-READY")
# The main channel lists the channels right after the link.
pump(15, lambda: state["playback"] is not None and state["record"] is not None)
say("sound channels: playback %s, record %s" % (state["playback"] is not None, state["record"] is not None))
serial.send("")
pump(2)
# One second of the playback tone, an integral number of cycles: looped, it plays without a seam.
TONE_MAKER = ("perl -e '$r=%d; for $i (0..$r-1) { $v=int(12000*sin(6.283185307179586*%d*$i/$r)); "
              "print pack(\"s<s<\",$v,$v) }' >/tmp/tone.raw" % (PLAY_RATE, PLAY_HZ))
if state["playback"] is not None:
    say("guest tone file: %r bytes" % guest(TONE_MAKER + "; stat -c %s /tmp/tone.raw", 60))
APLAY = "aplay -q -t raw -f S16_LE -r %d -c 2" % PLAY_RATE


def loop_tone(seconds):
    return "for i in $(seq %d); do cat /tmp/tone.raw; done | %s" % (seconds, APLAY)


def playback_step():
    play["chunks"].clear()
    stops = play["stops"]
    t_cmd = time.monotonic()
    out = guest(loop_tone(PLAY_SECONDS) + "; echo aplay-exit $?", PLAY_SECONDS + 60)
    pump(5, lambda: play["stops"] > stops)  # the stop follows the end of the guest's stream
    took = time.monotonic() - t_cmd
    chunks = play["chunks"]
    if not chunks or play["start"] is None:
        return result("playback", False, "no playback data (guest %r, playback-start %s)" % (out, play["start"]))
    fmt, channels, rate = play["start"]
    pcm = b"".join(c for _, c in chunks)
    frames = len(pcm) // (2 * channels)
    times = [t for t, _ in chunks]
    gaps = [(b - a) * 1000 for a, b in zip(times, times[1:])]
    longest = max(gaps) if gaps else 0.0
    span = times[-1] - times[0]
    wire = play["wire1"] - play["wire0"]
    mode = "opus" if wire < len(pcm) / 2 else "raw"
    per_channel = s16_channels(pcm, channels)
    mono = [sum(v) / channels for v in zip(*per_channel)]
    found = []
    for at in (0.25, 0.5, 0.75):
        i = max(0, int(len(mono) * at) - WINDOW // 2)
        found.append(dominant_frequency(mono[i:i + WINDOW], rate))
    freqs_ok = all(abs(f - PLAY_HZ) <= TOLERANCE * PLAY_HZ for f, _, _ in found)
    channels_live = [math.sqrt(sum(x * x for x in ch[len(ch) // 2:len(ch) // 2 + WINDOW]) / WINDOW) > 100
                     for ch in per_channel]
    enough = frames >= 0.8 * PLAY_SECONDS * rate
    ok = (fmt == SPICE_AUDIO_FMT_S16 and freqs_ok and all(channels_live) and enough and longest <= max_gap_ms
          and (want_playback_mode is None or mode == want_playback_mode))
    result("playback", ok, (
        "format %d channels %d rate %d; mode %s%s; dominant %s Hz (want %d +-%d%%; peak/median %s dB; rms %s); "
        "channels live %s; %d frames = %.2f s of audio in %.2f s (%d PCM bytes, %.0f B/s; %d wire bytes, %.0f B/s) "
        "in %d packets (want 80%% of %d s); longest gap %.0f ms (max %.0f); guest %r in %.1f s") % (
        fmt, channels, rate, mode, "" if want_playback_mode is None else " (want %s)" % want_playback_mode,
        "/".join("%.1f" % f for f, _, _ in found), PLAY_HZ, TOLERANCE * 100,
        "/".join("%.0f" % s for _, _, s in found), "/".join("%.0f" % r for _, r, _ in found), channels_live,
        frames, frames / rate, span, len(pcm), len(pcm) / span if span else 0, wire, wire / span if span else 0,
        len(chunks), PLAY_SECONDS, longest, max_gap_ms, out, took))


# The guest's recording reduced to one character per 10 ms block (480 samples): '#' the tone (rms >= 1000; the client
# sends rms 7071), '-' something quieter, '.' silence (rms < 30), so that little crosses the serial line.
RECORD_MAP = ("perl -e 'open(F, \"<\", \"/tmp/rec.raw\") or die; binmode F; local $/; my @s = unpack(\"s<*\", <F>); "
              "print \"map \"; for (my $i = 0; $i + 480 <= @s; $i += 480) { my $e = 0; $e += $_ * $_ for "
              "@s[$i .. $i + 479]; my $r = sqrt($e / 480); print $r < 30 ? \".\" : $r < 1000 ? \"-\" : \"#\" } "
              "print \"\\n\"'")
BLOCK = 480


def runs(text):
    """The runs of equal characters in text: (character, start, length) each."""
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and text[j] == text[i]:
            j += 1
        out.append((text[i], i, j - i))
        i = j
    return out


def record_step():
    if want_record_mode == "raw":
        os.environ["SPICE_DISABLE_OPUS"] = "1"  # read by spice-gtk at each record-start
    rec.update(frames=0, bytes=0, answer=True)
    # The guest's capture runs at the codec's rate (read from /proc while arecord runs); ALSA's plug converts it.
    out = guest("arecord -q -t raw -f S16_LE -c 1 -r %d -d %d /tmp/rec.raw & sleep 1; "
                "sed -n 's/^rate: \\([0-9]*\\).*/hw-rate \\1/p' /proc/asound/card0/pcm0c/sub0/hw_params; "
                "wait $!; echo arecord-exit $?; %s" % (RECORD_RATE, RECORD_SECONDS, RECORD_MAP), RECORD_SECONDS + 60)
    rec.pop("answer")
    os.environ.pop("SPICE_DISABLE_OPUS", None)
    if out is None or "arecord-exit 0" not in out:
        return result("record", False, "guest's arecord failed: %r" % out)
    hw_rate = ([line.split()[1] for line in out.splitlines() if line.startswith("hw-rate ")] or ["?"])[0]
    blocks = ([line.split()[1] for line in out.splitlines() if line.startswith("map ")] or [""])[0]
    # The tone's frequency in the middle of the longest stretch of blocks that carry it.
    best = max(((n, i) for c, i, n in runs(blocks) if c == "#"), default=(0, 0))
    first = blocks.find("#")
    covered = blocks[first:].count("#") / len(blocks[first:]) if first >= 0 else 0.0
    detail = "guest recorded %d blocks of 10 ms at %d Hz (the codec's %s Hz): %s; tone in %.0f%% from the first" % (
        len(blocks), RECORD_RATE, hw_rate, " ".join("%d%s" % (n, c) for c, _, n in runs(blocks)), 100 * covered)
    freq = rms = snr = 0.0
    if best[0] * BLOCK >= WINDOW:
        at = best[1] * BLOCK + (best[0] * BLOCK - WINDOW) // 2
        window = guest("tail -c +%d /tmp/rec.raw | head -c %d | base64" % (1 + 2 * at, 2 * WINDOW), 60) or ""
        try:
            pcm = base64.b64decode("".join(line.strip() for line in window.splitlines()))
        except ValueError:
            pcm = b""
        if len(pcm) == 2 * WINDOW:
            freq, rms, snr = dominant_frequency(s16_channels(pcm, 1)[0], RECORD_RATE)
        detail += "; at %.2f s dominant %.1f Hz (want %d +-%d%%), rms %.0f, peak/median %.0f dB" % (
            at / RECORD_RATE, freq, RECORD_HZ, TOLERANCE * 100, rms, snr)
    ok = abs(freq - RECORD_HZ) <= TOLERANCE * RECORD_HZ and covered >= 0.5 and rec["frames"] > 0 and \
        (want_record_mode is None or rec["mode"] == want_record_mode)
    fmt, channels, rate = rec["start"] or (0, 0, 0)
    result("record", ok, "record-start format %d channels %d rate %d; client sent %s%s, %d frames (%d bytes); %s" % (
        fmt, channels, rate, rec["mode"], "" if want_record_mode is None else " (want %s)" % want_record_mode,
        rec["frames"], rec["bytes"], detail))


def mixer_max(control):
    out = guest("amixer get %s" % control, 30) or ""
    for line in out.splitlines():
        if "Limits:" in line:
            return int(line.split()[-1])
    return None


def with_streams(body):
    """Runs body while the guest plays a tone and records (awake codec, open QEMU voices); stops both after."""
    guest("(%s) >/dev/null 2>&1 & (arecord -q -f S16_LE -r %d -d 60 /dev/null) >/dev/null 2>&1 & sleep 1"
          % (loop_tone(60), RECORD_RATE), 30)
    try:
        return body()
    finally:
        guest("pkill aplay; pkill arecord; sleep 0.5", 30)


def wait_volume(kind, since, want=None, mute=None):
    """Waits until a notify of kind's volume or mute after the first since ones left every channel within 1% of want
    (when given) and mute equal to mute (when given)."""
    def hit():
        if len(vols[kind]) <= since:
            return False
        v, m = vols[kind][-1]
        return (want is None or (v and all(abs(x - want) <= 0.01 * 65535 for x in v))) and (mute is None or m == mute)
    return pump(10, hit)


def volume_step():
    maxima = {"Master": mixer_max("Master"), "Capture": mixer_max("Capture")}
    if None in maxima.values():
        return result("volume", False, "no Master/Capture limits in the guest's mixer: %s" % maxima)

    def body():
        seen, ok = [], True
        for fraction in (0.25, 0.8):
            for control, kind in (("Master", "playback"), ("Capture", "record")):
                level = round(maxima[control] * fraction)
                want = level * 65535 // maxima[control]
                since = len(vols[kind])
                guest("amixer -q set %s %d" % (control, level), 30)
                hit = wait_volume(kind, since, want=want)
                ok &= hit
                seen.append("%s %d/%d -> %s %s%s" % (control, level, maxima[control], kind, vols[kind][-1][0]
                                                     if vols[kind] else None, "" if hit else " (want %d)" % want))
        return ok, seen
    ok, seen = with_streams(body)
    result("volume", ok, "; ".join(seen))


def mute_step():
    def body():
        seen, ok = [], True
        for switch, want in (("mute", True), ("unmute", False)):
            for control, kind, word in (("Master", "playback", switch), ("Capture", "record",
                                                                          "nocap" if want else "cap")):
                since = len(vols[kind])
                guest("amixer -q set %s %s" % (control, word), 30)
                hit = wait_volume(kind, since, mute=want)
                ok &= hit
                seen.append("%s %s -> %s mute %s" % (control, word, kind, vols[kind][-1][1] if vols[kind] else None))
        return ok, seen
    ok, seen = with_streams(body)
    result("mute", ok, "; ".join(seen))


for step, run, needs in (("playback", playback_step, ("playback",)), ("record", record_step, ("record",)),
                         ("volume", volume_step, ("playback", "record")), ("mute", mute_step, ("playback", "record"))):
    if step not in steps:
        continue
    missing = [kind for kind in needs if state[kind] is None]
    if missing:
        result(step, False, "no %s channel (events %s)" % (" or ".join(missing), state["events"]))
    elif time.monotonic() >= deadline:
        result(step, False, "timed out before the step")
    else:
        run()

session.disconnect()
pump(1)
if opt("--serial-log"):
    with open(opt("--serial-log"), "w") as f:
        f.write(serial.text)
ok = all(state["results"].values()) and state["results"]
say("done", state["results"])
sys.exit(0 if ok else 1)
