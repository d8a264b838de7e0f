#!/usr/bin/python3
"""A TCP proxy between a SPICE client and server that logs, per channel connection, every message the server sends
(type name, body size, time since the link, and a few decoded fields for display/cursor messages).
Plain TCP and mini headers only (what spice-gtk and both servers use without TLS).
Usage: spice-trace-proxy.py LISTEN_PORT SERVER_PORT [LOG]   (LOG defaults to stdout; one line per message)"""
import socket
import struct
import sys
import threading
import time

COMMON = {1: "MIGRATE", 2: "MIGRATE_DATA", 3: "SET_ACK", 4: "PING", 5: "WAIT_FOR_CHANNELS", 6: "DISCONNECTING",
          7: "NOTIFY", 8: "LIST"}
NAMES = {
    1: {101: "MIGRATE_BEGIN", 102: "MIGRATE_CANCEL", 103: "INIT", 104: "CHANNELS_LIST", 105: "MOUSE_MODE",
        106: "MULTI_MEDIA_TIME", 107: "AGENT_CONNECTED", 108: "AGENT_DISCONNECTED", 109: "AGENT_DATA",
        110: "AGENT_TOKEN", 111: "MIGRATE_SWITCH_HOST", 112: "MIGRATE_END", 113: "NAME", 114: "UUID",
        115: "AGENT_CONNECTED_TOKENS", 116: "MIGRATE_BEGIN_SEAMLESS", 117: "MIGRATE_DST_SEAMLESS_ACK",
        118: "MIGRATE_DST_SEAMLESS_NACK"},
    2: {101: "MODE", 102: "MARK", 103: "RESET", 104: "COPY_BITS", 105: "INVAL_LIST", 106: "INVAL_ALL_PIXMAPS",
        107: "INVAL_PALETTE", 108: "INVAL_ALL_PALETTES", 122: "STREAM_CREATE", 123: "STREAM_DATA",
        124: "STREAM_CLIP", 125: "STREAM_DESTROY", 126: "STREAM_DESTROY_ALL", 302: "DRAW_FILL", 303: "DRAW_OPAQUE",
        304: "DRAW_COPY", 305: "DRAW_BLEND", 306: "DRAW_BLACKNESS", 307: "DRAW_WHITENESS", 308: "DRAW_INVERS",
        309: "DRAW_ROP3", 310: "DRAW_STROKE", 311: "DRAW_TEXT", 312: "DRAW_TRANSPARENT", 313: "DRAW_ALPHA_BLEND",
        314: "SURFACE_CREATE", 315: "SURFACE_DESTROY", 316: "STREAM_DATA_SIZED", 317: "MONITORS_CONFIG",
        318: "DRAW_COMPOSITE", 319: "STREAM_ACTIVATE_REPORT", 320: "GL_SCANOUT_UNIX", 321: "GL_DRAW",
        322: "QUALITY_INDICATOR"},
    3: {101: "INIT", 102: "KEY_MODIFIERS", 111: "MOUSE_MOTION_ACK"},
    4: {101: "INIT", 102: "RESET", 103: "SET", 104: "MOVE", 105: "HIDE", 106: "TRAIL", 107: "INVAL_ONE",
        108: "INVAL_ALL"},
}
CHANNELS = {1: "main", 2: "display", 3: "inputs", 4: "cursor", 5: "playback", 6: "record", 9: "usbredir",
            10: "port", 11: "webdav"}
IMAGE_TYPES = {0: "BITMAP", 1: "QUIC", 100: "LZ_PLT", 101: "LZ_RGB", 102: "GLZ_RGB", 103: "FROM_CACHE",
               104: "SURFACE", 105: "JPEG", 106: "FROM_CACHE_LOSSLESS", 107: "ZLIB_GLZ_RGB", 108: "JPEG_ALPHA",
               109: "LZ4"}
out = open(sys.argv[3], "a", buffering=1) if len(sys.argv) > 3 else sys.stdout
lock = threading.Lock()


def log(text):
    with lock:
        out.write(text + "\n")


def read_exact(sock, n, copy_to):
    data = bytearray()  # grows in place: multi-megabyte images would make bytes concatenation quadratic
    while len(data) < n:
        chunk = sock.recv(min(n - len(data), 1 << 20))
        if not chunk:
            raise EOFError
        copy_to.sendall(chunk)
        data += chunk
    return bytes(data)


def detail(channel, mtype, body):
    try:
        if channel == 2 and mtype == 314:
            sid, w, h, fmt, flags = struct.unpack_from("<5I", body)
            return "surface %d %dx%d format %d flags %#x" % (sid, w, h, fmt, flags)
        if channel == 2 and mtype == 101:
            return "%dx%d bits %d" % struct.unpack_from("<3I", body)
        if channel == 2 and mtype == 317:
            count, max_allowed = struct.unpack_from("<2H", body)
            heads = [struct.unpack_from("<7I", body, 4 + 28 * i) for i in range(count)]
            return "count %d max %d heads %s" % (count, max_allowed,
                                                 ["id %d surface %d %dx%d at %d,%d flags %d" % h for h in heads])
        if channel == 2 and 302 <= mtype <= 318 and mtype not in (314, 315, 316, 317):
            sid, top, left, bottom, right, clip_type = struct.unpack_from("<I4iB", body)
            text = "surface %d box (%d,%d)-(%d,%d) clip %d" % (sid, left, top, right, bottom, clip_type)
            if mtype in (303, 304, 305):  # opaque/copy/blend start with the source image offset
                img = struct.unpack_from("<I", body, 21 + (0 if clip_type == 0 else 4))[0]
                if img:
                    iid, itype, iflags, iw, ih = struct.unpack_from("<QBBII", body, img)
                    text += " image %s %dx%d flags %#x id %#x" % (IMAGE_TYPES.get(itype, itype), iw, ih, iflags, iid)
            return text
        if channel == 2 and mtype == 104:
            sid, top, left, bottom, right, clip_type = struct.unpack_from("<I4iB", body)
            sx, sy = struct.unpack_from("<2i", body, 21 + (0 if clip_type == 0 else 4))
            return "surface %d box (%d,%d)-(%d,%d) clip %d from (%d,%d)" % (sid, left, top, right, bottom, clip_type,
                                                                            sx, sy)
        if channel == 2 and mtype == 122:
            sid, sid2, flags, codec, stamp, sw, sh, dw, dh = struct.unpack_from("<IIBBIIIII", body)
            return "surface %d stream %d codec %d src %dx%d" % (sid, sid2, codec, sw, sh)
        if channel == 4 and mtype in (101, 103):
            x, y = struct.unpack_from("<2h", body)
            if mtype == 101:
                tl, tf, visible = struct.unpack_from("<HHB", body, 4)
                flags = struct.unpack_from("<H", body, 9)[0]
                return "pos %d,%d trail %d/%d visible %d cursor flags %#x" % (x, y, tl, tf, visible, flags)
            visible, flags = struct.unpack_from("<BH", body, 4)
            return "pos %d,%d visible %d cursor flags %#x" % (x, y, visible, flags)
        if channel == 1 and mtype == 104:
            n = struct.unpack_from("<I", body)[0]
            return "channels %s" % [(CHANNELS.get(t, t), i) for t, i in struct.iter_unpack("<BB", body[4:4 + 2 * n])]
        if mtype == 7:
            _stamp, severity, visibility, what, length = struct.unpack_from("<QIIII", body)
            return "severity %d visibility %d what %d %r" % (severity, visibility, what, body[24:24 + length])
        if mtype == 3:
            return "generation %d window %d" % struct.unpack_from("<2I", body)
    except struct.error:
        return "(short)"
    return ""


def pump_client(client, server, info):
    """Client to server: reads the link message to learn the channel, then forwards everything."""
    try:
        header = read_exact(client, 16, server)
        body = read_exact(client, struct.unpack_from("<I", header, 12)[0], server)
        _conn, ctype, cid = struct.unpack_from("<IBB", body)
        info["channel"] = (ctype, cid)
        info["ready"].set()
        while True:
            data = client.recv(65536)
            if not data:
                break
            server.sendall(data)
    except (EOFError, OSError):
        pass
    finally:
        info["ready"].set()
        for s in (server, client):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def pump_server(server, client, info):
    t0 = time.monotonic()
    try:
        header = read_exact(server, 16, client)
        body = read_exact(server, struct.unpack_from("<I", header, 12)[0], client)
        info["ready"].wait(10)
        ctype, cid = info.get("channel", (0, 0))
        name = "%s:%d" % (CHANNELS.get(ctype, ctype), cid)
        error, = struct.unpack_from("<I", body)
        ncommon, _nchan, caps_offset = struct.unpack_from("<III", body, 4 + 162)
        common = struct.unpack_from("<I", body, caps_offset)[0] if ncommon else 0
        if not common & (1 << 3):
            log("%s: no mini header (common caps %#x), not decoding" % (name, common))
            raise EOFError
        result = struct.unpack("<I", read_exact(server, 4, client))[0]
        log("%s: link reply error %d, link result %d" % (name, error, result))
        n = 0
        while True:
            mtype, size = struct.unpack("<HI", read_exact(server, 6, client))
            body = read_exact(server, size, client)
            n += 1
            mname = COMMON.get(mtype) or NAMES.get(ctype, {}).get(mtype, str(mtype))
            log("%s #%d +%.3fs %s (%d) size %d %s" % (name, n, time.monotonic() - t0, mname, mtype, size,
                                                        detail(ctype, mtype, body)))
    except (EOFError, OSError):
        pass
    finally:
        for s in (server, client):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    listen_port, server_port = int(sys.argv[1]), int(sys.argv[2])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen_port))
    ls.listen(16)
    print("listening", flush=True)
    while True:
        client, _ = ls.accept()
        server = socket.create_connection(("127.0.0.1", server_port))
        for s in (client, server):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        info = {"ready": threading.Event()}
        threading.Thread(target=pump_client, args=(client, server, info), daemon=True).start()
        threading.Thread(target=pump_server, args=(server, client, info), daemon=True).start()


main()
