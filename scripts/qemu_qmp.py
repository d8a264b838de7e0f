"""A QMP connection to a QEMU the caller started, and a free TCP port for it: what the benchmark scripts
(bench-startup.py, bench-migration) share."""
import json
import socket
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Qmp:
    """QEMU's monitor on the unix socket at path, connected as soon as QEMU opens it (process: its Popen, so a QEMU
    that exits first is reported instead of waited for)."""

    def __init__(self, path, process):
        while True:
            if process.poll() is not None:
                raise RuntimeError("QEMU exited with %d" % process.returncode)
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                s.close()
                time.sleep(0.005)
        self.stream = s.makefile("rw")
        self.stream.readline()  # greeting
        self.command("qmp_capabilities")

    def command(self, name, **arguments):
        """Runs one command; returns its reply (with "return" or "error"), skipping events."""
        self.stream.write(json.dumps({"execute": name, "arguments": arguments}) + "\n")
        self.stream.flush()
        while True:
            reply = json.loads(self.stream.readline())
            if "return" in reply or "error" in reply:
                return reply
