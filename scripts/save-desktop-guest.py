"""Boots the desktop guest of make-desktop-guest once, under Debian's QEMU and its own libspice-server (no client),
and saves the running VM when the guest prints AGENT-READY: QEMU's migration stream to STATE, the boot's disk writes
in DISK (a qcow2 overlay of the image, made by the caller). run-desktop-guest resumes from the pair with
-incoming "exec:cat STATE", so tests and the main job get a ready desktop in seconds instead of a boot of a minute or
more under TCG.

Usage: save-desktop-guest.py QEMU_ARGS_FILE DISK STATE WORKDIR
The VM keeps running while it is saved (a paused VM would stay paused where it is resumed)."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_qmp import Qmp  # noqa: E402

BOOT_TIMEOUT_S = 900  # two shared cores under TCG: seen from 45 to 140 s


def main():
    args_file, disk, state, work = sys.argv[1:5]
    with open(args_file) as f:
        args = [line.rstrip("\n") for line in f]
    # The image's drive line (snapshot=on) becomes the overlay, written.
    args = ["file=%s,if=virtio,format=qcow2" % disk if a.startswith("file=") and "disk.qcow2," in a else a
            for a in args]
    serial_log = os.path.join(work, "save-serial.log")
    qmp_path = os.path.join(work, "save-qmp.sock")
    with open(os.path.join(work, "save-qemu.log"), "w") as log:
        qemu = subprocess.Popen(["qemu-system-x86_64", *args, "-accel", "tcg", "-display", "none",
                                 "-spice", "unix=on,addr=%s,disable-ticketing=on" % os.path.join(work, "save.sock"),
                                 "-serial", "file:" + serial_log, "-qmp", "unix:%s,server=on,wait=off" % qmp_path],
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        qmp = Qmp(qmp_path, qemu)
        deadline = time.monotonic() + BOOT_TIMEOUT_S
        while not ready(serial_log):
            if qemu.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("save-desktop-guest: no AGENT-READY from the guest (see %s)" % serial_log)
            time.sleep(0.5)
        time.sleep(2)  # the agents' first exchanges settle
        reply = qmp.command("migrate", uri="exec:cat > '%s'" % state)
        if "error" in reply:
            raise SystemExit("save-desktop-guest: migrate: %s" % reply["error"])
        while True:
            status = qmp.command("query-migrate")["return"].get("status")
            if status == "completed":
                break
            if status in ("failed", "cancelled") or time.monotonic() > deadline:
                raise SystemExit("save-desktop-guest: the VM was not saved (%s)" % status)
            time.sleep(0.1)
        qmp.command("quit")
        qemu.wait(30)
    finally:
        if qemu.poll() is None:
            qemu.kill()


def ready(serial_log):
    try:
        with open(serial_log, "rb") as f:
            return b"AGENT-READY" in f.read()
    except FileNotFoundError:
        return False


if __name__ == "__main__":
    main()
