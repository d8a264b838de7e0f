"""spice-gtk's picture of a display: its primary surface (BGRX rows, stride bytes apart, at a raw address) as packed
RGB, and as a binary PPM file. Shared by the test clients that compare what the client shows."""
import ctypes


def rgb(w, h, stride, addr):
    """The surface's pixels as RGB rows, exactly a binary PPM's pixel data."""
    raw = ctypes.string_at(addr, stride * h)
    out = bytearray(w * h * 3)
    for y in range(h):
        row = raw[y * stride:y * stride + 4 * w]
        o = y * w * 3
        out[o:o + 3 * w:3] = row[2::4]      # R
        out[o + 1:o + 3 * w:3] = row[1::4]  # G
        out[o + 2:o + 3 * w:3] = row[0::4]  # B
    return bytes(out)


def write_ppm(path, w, h, stride, addr):
    with open(path, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (w, h))
        f.write(rgb(w, h, stride, addr))
