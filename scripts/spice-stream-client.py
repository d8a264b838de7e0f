#!/usr/bin/python3
"""A real spice-gtk client (SpiceClientGLib through GObject introspection) that judges video streams by what it shows.
Used by scripts/stream-quality (with QEMU and the QXL guest of scripts/make-qxl-guest) and scripts/bench-stream (with
the display harness). Run it with SPICE_DEBUG=1 to have spice-gtk log the streams and its GStreamer decoders.

Usage:
  spice-stream-client.py PORT --quality OUTDIR --serial SERIAL_LOG --qmp QMP_SOCKET [--codec NAME]
                         [--region X,Y,W,H] [--timeout S]
      The guest's animate mode with holds (qxl-guest-kms.c): at each "KMS hold N frame F" on the serial console it
      takes QMP screendump (QEMU's own picture, lossless) and keeps the region of every picture it shows until 1.2 s
      after "KMS resume N"; the one closest to the screendump is the held frame as the codec sent it. Prints
      "hold N frame F psnr DB at MS snapshots K dump-ms MS valid|late" (late: the guest resumed before the screendump
      finished, so it may show a later frame). After "KMS animate still" it waits for the stream to end and for
      0.4 s without an update, then compares the whole screen with a screendump: "still equal PCT% of PIXELS
      (first difference at X,Y)". It keeps OUTDIR/hold-N-client.ppm, hold-N-qemu.ppm, still-client.ppm and
      still-qemu.ppm. Region default 100,80,320,240 (the guest's animated box).
  spice-stream-client.py PORT --bench SECONDS --region X,Y,W,H [--warmup S] [--truth DIR] [--codec NAME]
      After the primary surface appears and S more seconds (default 2, not counted), counts for SECONDS the pictures
      of the region it shows (display invalidates touching it) and the bytes it receives (tcp_info bytes_received,
      via ss); with --truth (the display harness's HARNESS_BENCH_TRUTH), the frame number of each picture (the video's
      bar code) and, for the frames the harness kept, the PSNR of the picture against that frame. Prints
      "bench frames N seconds S bytes B psnr-mean DB psnr-min DB psnr-frames K distinct D".
  --codec NAME (mjpeg, vp8, h264, vp9, h265): asks the server for that codec first
      (SpiceDisplayChannel.change_preferred_video_codec_types) when the display channel opens, before any stream;
      prints "codec-request NAME sent" or "codec-request NAME failed: ...". The codec the server chose shows in
      spice-gtk's debug log: its GStreamer decoder's elements (vp8dec, avdec_h264, ...), none for MJPEG, which
      spice-gtk decodes itself."""
import ctypes
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

import numpy as np

import gi
gi.require_version('SpiceClientGLib', '2.0')
from gi.repository import GLib, GObject, SpiceClientGLib as Spice

# SpiceVideoCodecType (spice-protocol's enums.h): the typelib does not carry the enum.
CODECS = {"mjpeg": 1, "vp8": 2, "h264": 3, "vp9": 4, "h265": 5}
ERRORS = (Spice.ChannelEvent.ERROR_AUTH, Spice.ChannelEvent.ERROR_LINK, Spice.ChannelEvent.ERROR_CONNECT,
          Spice.ChannelEvent.ERROR_IO, Spice.ChannelEvent.ERROR_TLS, Spice.ChannelEvent.CLOSED)
# Quality mode: the held frame is looked for until this long after the guest resumed (the client shows a stream
# frame about 400 ms after the server stamped it: the multimedia-time latency both servers set).
HOLD_TAIL_S = 1.2
STILL_FIRST_S = 1.5     # after "animate still": the 1 s stream timeout, then the server's lossless upgrade
STILL_QUIET_S = 0.4
STILL_LAST_S = 3.5      # the guest keeps the picture for 4 s (STILL_S) in stream-quality's runs
PSNR_CAP = 99.0         # identical pictures
TRUTH_EVERY = 5         # the display harness keeps every 5th frame (HARNESS_BENCH_TRUTH)
CODE_BITS, CODE_W, CODE_H = 16, 16, 8  # the harness's bar code (benchcontent.h VIDEO_CODE_*)


def opt(name, default=None):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def say(*args):
    print(*args, flush=True)


port = sys.argv[1]
quality_dir = opt("--quality")
bench_seconds = float(opt("--bench", "0"))
warmup_s = float(opt("--warmup", "2"))
codec = opt("--codec")
region = tuple(int(v) for v in opt("--region", "100,80,320,240").split(","))
truth_dir = opt("--truth")
timeout_s = float(opt("--timeout", str(120 if quality_dir else 30 + warmup_s + bench_seconds)))
if codec is not None and codec not in CODECS:
    raise SystemExit("unknown codec %s (one of %s)" % (codec, ", ".join(CODECS)))

session = Spice.Session(uri="spice://127.0.0.1:%s" % port)
session.props.enable_audio = False
loop = GLib.MainLoop()
state = {"primary": None, "exit": 1, "last_invalidate": time.monotonic()}


# ---------------------------------------------------------------- pictures

def screen_array():
    """The client's whole primary surface as an H x W x 3 RGB array (a copy)."""
    fmt, w, h, stride, addr = state["primary"]
    raw = np.frombuffer(ctypes.string_at(addr, stride * h), dtype=np.uint8).reshape(h, stride)
    return raw[:, :4 * w].reshape(h, w, 4)[:, :, 2::-1].copy()


def region_array(x, y, w, h):
    """Rectangle (x, y, w, h) of the client's primary surface as an h x w x 3 RGB array (a copy)."""
    fmt, sw, sh, stride, addr = state["primary"]
    raw = np.frombuffer(ctypes.string_at(addr + y * stride, stride * h), dtype=np.uint8).reshape(h, stride)
    return raw[:, 4 * x:4 * (x + w)].reshape(h, w, 4)[:, :, 2::-1].copy()


def read_ppm(path):
    data = open(path, "rb").read()
    fields, at = [], 0
    while len(fields) < 4:  # magic, width, height, maxval, separated by whitespace (no comments from QEMU)
        while data[at:at + 1].isspace():
            at += 1
        end = at
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[at:end])
        at = end
    at += 1
    w, h = int(fields[1]), int(fields[2])
    if fields[0] != b"P6" or fields[3] != b"255":
        raise ValueError("%s: not an 8-bit P6 image" % path)
    return np.frombuffer(data[at:at + 3 * w * h], dtype=np.uint8).reshape(h, w, 3)


def write_ppm(path, rgb):
    with open(path, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (rgb.shape[1], rgb.shape[0]))
        f.write(np.ascontiguousarray(rgb).tobytes())


def psnr(a, b):
    mse = np.mean((a.astype(np.int32) - b.astype(np.int32)) ** 2)
    return PSNR_CAP if mse == 0 else min(PSNR_CAP, 10 * np.log10(255.0 ** 2 / mse))


def touches_region(x, y, w, h):
    rx, ry, rw, rh = region
    return x < rx + rw and rx < x + w and y < ry + rh and ry < y + h


def received_bytes():
    """Bytes received so far on this client's TCP connections to the server (tcp_info via ss(8))."""
    out = subprocess.run(["ss", "-tinH", "state", "established", "( dport = :%s )" % port],
                         capture_output=True, text=True).stdout
    return sum(int(m) for m in re.findall(r"bytes_received:(\d+)", out))


# ---------------------------------------------------------------- QMP (quality mode), on a thread of its own

class Qmp:
    """One QMP connection; commands run one at a time on a worker thread so the client's main loop never waits."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.file = self.sock.makefile("rw")
        self.file.readline()
        self.execute("qmp_capabilities")

    def execute(self, command, arguments=None):
        self.file.write(json.dumps({"execute": command, "arguments": arguments or {}}) + "\n")
        self.file.flush()
        while True:
            reply = json.loads(self.file.readline())
            if "return" in reply or "error" in reply:
                return reply

    def screendump_async(self, path, done):
        """Writes QEMU's picture to path on a thread; then done(seconds taken, error or None) on the main loop."""
        def work():
            t0 = time.monotonic()
            reply = self.execute("screendump", {"filename": path})
            took = time.monotonic() - t0
            GLib.idle_add(lambda: done(took, reply.get("error")) and False)
        threading.Thread(target=work, daemon=True).start()


# ---------------------------------------------------------------- quality mode

class Quality:
    """Follows the guest's serial console and judges the client's pictures against QEMU's at each hold and once
    the motion stopped."""

    def __init__(self, outdir, serial_path, qmp_path):
        self.outdir = outdir
        self.serial_path = serial_path
        self.serial_at = 0
        self.serial_rest = b""
        self.serial_text = ""
        self.qmp = Qmp(qmp_path)
        self.holds = {}       # N -> dict(frame, marker, resume, snaps, dump, dump_s, late, done)
        self.capturing = None  # the hold whose pictures are being kept
        self.still = None      # when "animate still" was seen
        self.still_dump = None
        self.finished = False

    def poll_serial(self):
        with open(self.serial_path, "rb") as f:
            f.seek(self.serial_at)
            data = f.read()
        self.serial_at += len(data)
        lines = (self.serial_rest + data).split(b"\n")
        self.serial_rest = lines.pop()
        for line in lines:
            text = line.decode("utf-8", "replace").strip()
            self.serial_text += text + "\n"
            self.on_line(text)
        self.tick()
        return not self.finished

    def on_line(self, text):
        now = time.monotonic()
        m = re.match(r"KMS hold (\d+) frame (\d+)", text)
        if m:
            n = int(m.group(1))
            hold = {"frame": int(m.group(2)), "marker": now, "resume": None, "snaps": [], "dump": None,
                    "dump_s": None, "late": False, "done": False}
            self.holds[n] = hold
            self.capturing = n
            self.snapshot(now)
            path = os.path.join(self.outdir, "hold-%d-qemu.ppm" % n)

            def dumped(took, error, n=n, path=path):
                hold = self.holds[n]
                hold["dump_s"] = took
                # the guest may have resumed before QEMU took its picture: then it may show a later frame
                hold["late"] = ("KMS resume %d\n" % n) in self.serial_text or self.resumed_in_file(n)
                hold["dump"] = None if error else read_ppm(path)
                if error:
                    say("hold %d screendump failed: %s" % (n, error))
            self.qmp.screendump_async(path, dumped)
            return
        m = re.match(r"KMS resume (\d+)", text)
        if m and int(m.group(1)) in self.holds:
            self.holds[int(m.group(1))]["resume"] = now
            return
        if text.startswith("KMS animate still"):
            self.still = now
            path = os.path.join(self.outdir, "still-qemu.ppm")

            def dumped(took, error):
                self.still_dump = None if error else read_ppm(path)
                if error:
                    say("still screendump failed: %s" % error)
            self.qmp.screendump_async(path, dumped)

    def resumed_in_file(self, n):
        with open(self.serial_path, "rb") as f:
            return ("KMS resume %d\n" % n).encode() in f.read()

    def snapshot(self, now):
        if self.capturing is not None and state["primary"]:
            self.holds[self.capturing]["snaps"].append((now, region_array(*region)))

    def on_invalidate(self, x, y, w, h):
        if self.capturing is not None and touches_region(x, y, w, h):
            self.snapshot(time.monotonic())

    def tick(self):
        now = time.monotonic()
        for n, hold in sorted(self.holds.items()):
            if hold["done"] or hold["resume"] is None or hold["dump"] is None or now < hold["resume"] + HOLD_TAIL_S:
                continue
            if self.capturing == n:
                self.capturing = None
            self.judge_hold(n, hold)
        if self.still is not None and self.still_dump is not None and not self.finished:
            quiet = now - state["last_invalidate"] >= STILL_QUIET_S
            if (now >= self.still + STILL_FIRST_S and quiet) or now >= self.still + STILL_LAST_S:
                self.judge_still()

    def judge_hold(self, n, hold):
        hold["done"] = True
        x, y, w, h = region
        expected = hold["dump"][y:y + h, x:x + w]
        best, best_at, best_pic = -1.0, 0.0, None
        for t, pic in hold["snaps"]:
            p = psnr(expected, pic)
            if p > best:
                best, best_at, best_pic = p, t - hold["marker"], pic
        if best_pic is not None:
            write_ppm(os.path.join(self.outdir, "hold-%d-client.ppm" % n), best_pic)
        say("hold %d frame %d psnr %.2f at %d snapshots %d dump-ms %d %s"
            % (n, hold["frame"], best, 1000 * best_at, len(hold["snaps"]), 1000 * hold["dump_s"],
               "late" if hold["late"] else "valid"))
        hold["snaps"] = []

    def judge_still(self):
        self.finished = True
        client = screen_array()
        write_ppm(os.path.join(self.outdir, "still-client.ppm"), client)
        expected = self.still_dump
        if client.shape != expected.shape:
            say("still sizes differ: client %dx%d, qemu %dx%d" % (client.shape[1], client.shape[0],
                                                                  expected.shape[1], expected.shape[0]))
        else:
            differ = np.any(client != expected, axis=2)
            count = int(differ.sum())
            where = ""
            if count:
                ys, xs = np.nonzero(differ)
                where = " (first difference at %d,%d; rows %d..%d, columns %d..%d)" % (
                    xs[0], ys[0], ys.min(), ys.max(), xs.min(), xs.max())
            say("still equal %.4f%% of %d%s" % (100.0 * (differ.size - count) / differ.size, differ.size, where))
        state["exit"] = 0
        loop.quit()


# ---------------------------------------------------------------- bench mode

class Bench:
    """Counts the region's pictures, the bytes received and, with the harness's truth files, their PSNR."""

    def __init__(self):
        self.start = None
        self.frames = 0
        self.bytes0 = 0
        self.psnrs = []
        self.codes = set()

    def begin(self):
        self.start = time.monotonic()
        self.bytes0 = received_bytes()
        self.frames = 0
        GLib.timeout_add(int(bench_seconds * 1000), self.finish)
        return False

    def frame_code(self):
        """The frame number the bar code at the video's top-left shows (the middle of each block)."""
        x, y, w, h = region
        strip = region_array(x, y + CODE_H // 4, CODE_BITS * CODE_W, CODE_H // 2).astype(np.int32).sum(axis=2)
        code = 0
        for i in range(CODE_BITS):
            block = strip[:, i * CODE_W + CODE_W // 4:(i + 1) * CODE_W - CODE_W // 4]
            if block.mean() > 3 * 128:
                code |= 1 << i
        return code

    def on_invalidate(self, x, y, w, h):
        if self.start is None or not touches_region(x, y, w, h):
            return
        self.frames += 1
        if not truth_dir:
            return
        code = self.frame_code()
        self.codes.add(code)
        if code % TRUTH_EVERY:
            return
        try:
            with open(os.path.join(truth_dir, "%d.raw" % code), "rb") as f:
                raw = f.read()
        except OSError:
            return
        rx, ry, rw, rh = region
        expected = np.frombuffer(raw, dtype=np.uint8).reshape(rh, rw, 4)[:, :, 2::-1]
        self.psnrs.append(psnr(expected, region_array(*region)))

    def finish(self):
        secs = time.monotonic() - self.start
        p = self.psnrs
        say("bench frames %d seconds %.3f bytes %d psnr-mean %.2f psnr-min %.2f psnr-frames %d distinct %d"
            % (self.frames, secs, received_bytes() - self.bytes0, sum(p) / len(p) if p else 0, min(p) if p else 0,
               len(p), len(self.codes)))
        state["exit"] = 0
        loop.quit()
        return False


# ---------------------------------------------------------------- the session

watcher = Quality(quality_dir, opt("--serial"), opt("--qmp")) if quality_dir else Bench() if bench_seconds else None
if watcher is None:
    raise SystemExit("one of --quality OUTDIR or --bench SECONDS")


def on_primary(channel, fmt, width, height, stride, shmid, imgdata):
    state["primary"] = (fmt, width, height, stride, imgdata)
    say("primary %dx%d" % (width, height))
    if isinstance(watcher, Bench) and not state.get("bench_armed"):
        state["bench_armed"] = True
        GLib.timeout_add(int(warmup_s * 1000), watcher.begin)


def on_invalidate(channel, x, y, w, h):
    state["last_invalidate"] = time.monotonic()
    if state["primary"]:
        watcher.on_invalidate(x, y, w, h)


def on_event(channel, event):
    if event == Spice.ChannelEvent.OPENED and isinstance(channel, Spice.DisplayChannel) and codec:
        try:
            ok = channel.display_channel_change_preferred_video_codec_types([CODECS[codec]])
            say("codec-request %s %s" % (codec, "sent" if ok else "failed"))
        except GLib.Error as e:
            say("codec-request %s failed: %s" % (codec, e.message))
    if event in ERRORS:
        say("event", type(channel).__name__, event.value_nick)
        loop.quit()


def on_new(_session, channel):
    GObject.Object.connect(channel, "channel-event", on_event)
    if isinstance(channel, Spice.DisplayChannel):
        GObject.Object.connect(channel, "display-primary-create", on_primary)
        GObject.Object.connect(channel, "display-invalidate", on_invalidate)
    channel.connect()


GObject.Object.connect(session, "channel-new", on_new)
session.connect()
if isinstance(watcher, Quality):
    GLib.timeout_add(10, watcher.poll_serial)
GLib.timeout_add(int(timeout_s * 1000), loop.quit)
loop.run()
if state["exit"]:
    say("timeout" if state["primary"] else "no primary surface")
session.disconnect()
sys.exit(state["exit"])
