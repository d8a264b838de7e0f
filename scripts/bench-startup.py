#!/usr/bin/python3
"""Start-up, first picture and memory of Debian's QEMU (-vga qxl at SeaBIOS) with ours against the reference
library, alternating runs in one process (scripts/bench runs it).

Per run and library:
  start-up       exec until QMP query-spice answers (one QMP connection, asked every 5 ms);
  first picture  a fresh spice-gtk client (SpiceClientGLib) on the fresh QEMU: connect until its first display
                 invalidate after the primary surface, 2 s after start-up;
  start-up CPU   QEMU's CPU time (all its threads, the JVM's included) from exec until that answer;
  RSS, PSS       of QEMU 1 s after that picture (VmRSS, smaps_rollup Pss).
Then VMS QEMUs of one library at once (default 10), each at SeaBIOS with no client: PSS per VM, pages shared
between processes (the JVM's CDS/AOT maps, libraries) counted once per VM share; 3 s after the last one answered
(on two cores the JIT is still compiling the AOT cache's training data then: its arenas count) and again 20 s
later, once they idle (the memory a host running VMs for hours pays); with each the CPU time a VM took since its
exec (the guest's SeaBIOS under TCG is most of it, for both libraries).

Usage: bench-startup.py OUR_LIB_DIR [RUNS, default 3] [VMS, default 10]"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

import gi
gi.require_version('SpiceClientGLib', '2.0')
from gi.repository import GLib, GObject, SpiceClientGLib as Spice

from qemu_qmp import Qmp, free_port  # beside this script

OUR_LIB = os.path.abspath(sys.argv[1])
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
VMS = int(sys.argv[3]) if len(sys.argv) > 3 else 10


class Qemu:
    def __init__(self, ours):
        self.dir = tempfile.mkdtemp(prefix="bench-startup-")
        self.qmp_path = os.path.join(self.dir, "qmp")
        self.port = free_port()
        env = dict(os.environ)
        env.pop("LD_LIBRARY_PATH", None)
        if ours:
            env["LD_LIBRARY_PATH"] = OUR_LIB
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            ["qemu-system-x86_64", "-machine", "accel=kvm:tcg", "-display", "none", "-nodefaults", "-vga", "qxl",
             "-m", "128", "-spice", "port=%d,addr=127.0.0.1,disable-ticketing=on" % self.port,
             "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.qmp = None

    def command(self, name):
        return self.qmp.command(name).get("return")

    def wait_ready(self):
        """Milliseconds from exec until query-spice says enabled."""
        self.qmp = Qmp(self.qmp_path, self.proc)
        while not (self.command("query-spice") or {}).get("enabled"):
            time.sleep(0.005)
        return (time.monotonic() - self.started) * 1000

    def cpu_s(self):
        """CPU time of every thread of the process so far (utime + stime)."""
        fields = open("/proc/%d/stat" % self.proc.pid).read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def memory_kb(self):
        rss = next(int(l.split()[1]) for l in open("/proc/%d/status" % self.proc.pid) if l.startswith("VmRSS:"))
        pss = next(int(l.split()[1]) for l in open("/proc/%d/smaps_rollup" % self.proc.pid) if l.startswith("Pss:"))
        return rss, pss

    def quit(self):
        try:
            self.command("quit")
        except (OSError, ValueError):
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        subprocess.run(["rm", "-rf", self.dir])


def first_picture_ms(port, timeout_s=20):
    """Milliseconds from a fresh spice-gtk session's connect until its first display invalidate."""
    loop = GLib.MainLoop()
    state = {"primary": False, "done": None}
    session = Spice.Session(uri="spice://127.0.0.1:%d" % port)

    def on_primary(*_):
        state["primary"] = True

    def on_invalidate(*_):
        if state["primary"] and state["done"] is None:
            state["done"] = time.monotonic()
            loop.quit()

    def on_new(_session, channel):
        if isinstance(channel, Spice.DisplayChannel):
            GObject.Object.connect(channel, "display-primary-create", on_primary)
            GObject.Object.connect(channel, "display-invalidate", on_invalidate)
            channel.connect()

    GObject.Object.connect(session, "channel-new", on_new)
    GLib.timeout_add(int(timeout_s * 1000), loop.quit)
    t0 = time.monotonic()
    session.connect()
    loop.run()
    session.disconnect()
    ctx = GLib.MainContext.default()
    while ctx.pending():
        ctx.iteration(False)
    return (state["done"] - t0) * 1000 if state["done"] else float("nan")


def one_run(ours):
    q = Qemu(ours)
    try:
        ready = q.wait_ready()
        cpu = q.cpu_s() * 1000
        time.sleep(2)
        picture = first_picture_ms(q.port)
        time.sleep(1)
        rss, pss = q.memory_kb()
        return ready, picture, rss / 1024, pss / 1024, cpu
    finally:
        q.quit()


def many_vms(ours):
    vms = [Qemu(ours) for _ in range(VMS)]
    try:
        for q in vms:
            q.wait_ready()
        figures, waited = [], 0
        for pause in (3, 20):
            time.sleep(pause)
            waited += pause
            mem = [q.memory_kb() for q in vms]
            figures.append((waited, statistics.mean(r for r, _ in mem) / 1024,
                            statistics.mean(p for _, p in mem) / 1024, statistics.mean(q.cpu_s() for q in vms)))
        return figures
    finally:
        for q in vms:
            q.quit()


def main():
    rows = {"reference": [], "ours": []}
    print("%-10s %12s %16s %8s %8s %16s" % ("run", "start-up ms", "first picture ms", "RSS MB", "PSS MB",
                                           "start-up CPU ms"))
    for i in range(RUNS):
        for name in ("reference", "ours"):
            row = one_run(name == "ours")
            rows[name].append(row)
            print("%-10s %12.0f %16.0f %8.1f %8.1f %16.0f" % ("%s %d" % (name, i + 1), *row))
    med = {n: [statistics.median(r[k] for r in rows[n]) for k in range(5)] for n in rows}
    r, o = med["reference"], med["ours"]
    print("medians: start-up %.0f vs %.0f ms (ours %+.0f ms); first picture %.0f vs %.0f ms (ours %+.0f ms, %.2fx); "
          "RSS %+.1f MB; PSS %+.1f MB (ours minus reference); start-up CPU %.0f vs %.0f ms (ours %+.0f ms)"
          % (o[0], r[0], o[0] - r[0], o[1], r[1], o[1] - r[1], o[1] / r[1], o[2] - r[2], o[3] - r[3], o[4], r[4],
             o[4] - r[4]))
    if VMS > 0:
        ref, ours = many_vms(False), many_vms(True)
        for (waited, ref_rss, ref_pss, ref_cpu), (_, our_rss, our_pss, our_cpu) in zip(ref, ours):
            print("%d VMs at once, per VM, %d s after the last answered: RSS %.1f vs %.1f MB (%+.1f), "
                  "PSS %.1f vs %.1f MB (ours %+.1f MB), CPU since exec %.2f vs %.2f s (ours %+.2f s)"
                  % (VMS, waited, our_rss, ref_rss, our_rss - ref_rss, our_pss, ref_pss, our_pss - ref_pss,
                     our_cpu, ref_cpu, our_cpu - ref_cpu))


main()
