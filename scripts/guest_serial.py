"""The guest's root shell on the serial console of scripts/make-desktop-guest, reached through QEMU's unix socket:
what the agent and audio clients (spice-agent-client.py, spice-audio-client.py) type into the guest."""
import os
import socket
import threading
import time


class Serial:
    """The guest's root shell on a unix socket; output accumulates in a buffer that waits can search."""

    def __init__(self, path):
        for _ in range(1800):  # QEMU (and a JVM inside it) may take a while on a busy machine
            self.sock = socket.socket(socket.AF_UNIX)
            try:
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                time.sleep(0.1)
        else:
            raise SystemExit("no serial console at %s" % path)
        self.text = ""
        self.lock = threading.Condition()
        threading.Thread(target=self.reader, daemon=True).start()

    def reader(self):
        while True:
            data = self.sock.recv(65536)
            if not data:
                return
            with self.lock:
                self.text += data.decode("utf-8", "replace")
                self.lock.notify_all()

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r")

    def wait_for(self, marker, timeout, start=0):
        """Index just past marker in the output after position start, or -1 on timeout."""
        end = time.monotonic() + timeout
        with self.lock:
            while True:
                i = self.text.find(marker, start)
                if i >= 0:
                    return i + len(marker)
                left = end - time.monotonic()
                if left <= 0:
                    return -1
                self.lock.wait(left)

    def markers_again(self, timeout=120):
        """For a guest that run-desktop-guest resumed from its saved boot (BOOT unset or resume), which printed its
        markers before it was saved: once the root shell answers (what is typed before the VM runs can be lost), has
        them printed again. Returns at once after a cold boot, which prints them itself."""
        if os.environ.get("BOOT", "resume") == "cold":
            return
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                start = len(self.text)
            self.send("")
            if self.wait_for("# ", 2, start) >= 0:
                self.send("/usr/local/sbin/desktop-markers")
                return

    def run(self, command, timeout=30):
        """Runs a command in the root shell; returns its output (between two markers) or None on timeout."""
        tag = "M%d" % int(time.monotonic() * 1000)
        with self.lock:
            start = len(self.text)
        self.send("echo %s-BEGIN; %s; echo %s-END" % (tag, command, tag))
        # The echo of the typed line holds the markers too, but followed by ";" or at the end of the command line:
        # the output's BEGIN line ends right after the marker.
        b = self.wait_for("%s-BEGIN\r\n" % tag, timeout, start)
        if b < 0:
            return None
        e = self.wait_for("%s-END" % tag, timeout, b)
        if e < 0:
            return None
        return self.text[b:e - len(tag) - 4].strip()
