"""A bare SPICE main-channel client over a plain socket, for hostile-client checks that spice-gtk would never send:
the link (mini header, SPICE ticket auth with an empty password, which a server with disable-ticketing accepts), then
framed messages both ways."""
import socket
import struct
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_der_public_key

MAGIC = 0x51444552  # "REDQ"
MAIN = 1
MSG_INIT = 103
MSGC_AGENT_START = 106
MSGC_AGENT_DATA = 107
PUBLIC_KEY_BYTES = 162  # SPICE_TICKET_PUBKEY_BYTES: a DER SubjectPublicKeyInfo of RSA-1024


class RawMain:
    def __init__(self, port, host="127.0.0.1", main_caps=None, connection_id=0, wait_init=True):
        """main_caps: the main channel caps word to send (none by default); a non-zero connection_id links as a
        migration target, which gets no INIT until MIGRATE_END (wait_init=False returns after the link)."""
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        common_caps = 0b1011  # auth selection, SPICE auth, mini header
        caps = struct.pack("<I", common_caps) + (b"" if main_caps is None else struct.pack("<I", main_caps))
        body = struct.pack("<IBBIII", connection_id, MAIN, 0, 1, 0 if main_caps is None else 1, 18) + caps
        self.sock.sendall(struct.pack("<IIII", MAGIC, 2, 2, len(body)) + body)
        _, _, _, size = struct.unpack("<IIII", self.read(16))
        reply = self.read(size)
        if struct.unpack_from("<I", reply)[0] != 0:
            raise IOError("link refused: %d" % struct.unpack_from("<I", reply)[0])
        # SPICE ticket auth: the password (empty, NUL-terminated) in RSA-OAEP with SHA-1, as clients send it.
        key = load_der_public_key(reply[4:4 + PUBLIC_KEY_BYTES])
        ticket = key.encrypt(b"\0", padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None))
        self.sock.sendall(struct.pack("<I", 1) + ticket)
        result = struct.unpack("<I", self.read(4))[0]
        if result != 0:
            raise IOError("ticket refused: %d" % result)
        self.init = None
        while wait_init and self.init is None:
            kind, body = self.message()
            if kind == MSG_INIT:
                # session id, displays hint, mouse modes (2), agent connected, agent tokens, mm time, ram hint
                self.init = struct.unpack_from("<IIIIIIII", body)

    @property
    def agent_tokens(self):
        return self.init[5]

    def read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise EOFError("closed after %d of %d bytes" % (len(data), n))
            data += chunk
        return data

    def message(self):
        kind, size = struct.unpack("<HI", self.read(6))
        return kind, self.read(size)

    def send(self, kind, body=b""):
        self.sock.sendall(struct.pack("<HI", kind, len(body)) + body)

    def closed_by_server(self, seconds):
        """True when the server closes the connection within seconds (whatever it sent before is read and dropped)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.sock.settimeout(max(0.05, end - time.monotonic()))
            try:
                if not self.sock.recv(65536):
                    return True
            except socket.timeout:
                return False
            except OSError:
                return True
        return False

    def close(self):
        self.sock.close()


def agent_message(kind, body, protocol=1, declared=None):
    """A VDAgentMessage: protocol, type, opaque, size (declared may lie), then the body."""
    return struct.pack("<IIQI", protocol, kind, 0, len(body) if declared is None else declared) + body
