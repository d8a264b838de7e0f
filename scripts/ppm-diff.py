#!/usr/bin/python3
"""Compares two binary PPM (P6) images pixel by pixel.
Usage: ppm-diff.py EXPECTED.ppm ACTUAL.ppm
Prints "exact" or "N of M pixels differ (first at x,y: expected RRGGBB, got RRGGBB; rows a..b)"; exit status 1 when
they differ or cannot be compared."""
import sys


def read_ppm(path):
    data = open(path, "rb").read()
    magic, size, maxval, pixels = data.split(b"\n", 3)
    width, height = map(int, size.split())
    if magic != b"P6" or maxval != b"255" or len(pixels) != 3 * width * height:
        raise ValueError("%s: not an 8-bit P6 image of its stated size" % path)
    return width, height, pixels


def main():
    (w, h, a), (w2, h2, b) = read_ppm(sys.argv[1]), read_ppm(sys.argv[2])
    if (w, h) != (w2, h2):
        print("sizes differ: %dx%d against %dx%d" % (w, h, w2, h2))
        return 1
    differing, first, rows = 0, None, []
    for y in range(h):
        ra, rb = a[3 * w * y:3 * w * (y + 1)], b[3 * w * y:3 * w * (y + 1)]
        if ra == rb:
            continue
        rows.append(y)
        for x in range(w):
            if ra[3 * x:3 * x + 3] != rb[3 * x:3 * x + 3]:
                differing += 1
                if first is None:
                    first = (x, y, ra[3 * x:3 * x + 3].hex(), rb[3 * x:3 * x + 3].hex())
    if not differing:
        print("exact")
        return 0
    print("%d of %d pixels differ (first at %d,%d: expected %s, got %s; rows %d..%d)"
          % ((differing, w * h) + first + (rows[0], rows[-1])))
    return 1


sys.exit(main())
