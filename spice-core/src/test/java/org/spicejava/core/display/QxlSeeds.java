package org.spicejava.core.display;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToLongFunction;

import org.spicejava.core.display.draw.Brush;
import org.spicejava.core.display.draw.DrawOp;

/**
 * Valid QXL commands of every kind, built in {@link GuestRam} the way {@link QxlReaderTest} builds them, as seed
 * guest memory for the QXL fuzz tests: the first bytes say which command to read and where it is.
 */
final class QxlSeeds {
    /** RAM of one seed: bytes 0-3 are kind, command flags and the command's offset (u16); the rest is guest RAM. */
    record Seed(int kind, int offset, byte[] ram) {
    }

    private QxlSeeds() {
    }

    static Map<String, Seed> all() {
        Map<String, Seed> seeds = new LinkedHashMap<>();
        seeds.put("copy-clipped-32bit", build(QxlFuzzing.DRAWABLE, QxlSeeds::copyWithClip));
        seeds.put("fill-solid", build(QxlFuzzing.DRAWABLE, ram -> {
            long d = ram.drawable(QxlReader.DRAW_FILL, 0, 0, 0, 4, 4);
            ram.u32(d + 123, Brush.TYPE_SOLID).u32(d + 127, 0x00ff00).u16(d + 143, 8);
            return d;
        }));
        seeds.put("opaque-pattern-mask", build(QxlFuzzing.DRAWABLE, QxlSeeds::opaqueWithPatternAndMask));
        seeds.put("rop3-chunked-8bit", build(QxlFuzzing.DRAWABLE, ram -> {
            long d = ram.drawable(QxlReader.DRAW_ROP3, 0, 0, 0, 2, 3);
            ram.u64(d + 123, GuestRam.qxl(chunked8Bit(ram))).rect(d + 131, 0, 0, 2, 3)
                    .u32(d + 147, Brush.TYPE_SOLID).u32(d + 151, 0x808080).u8(d + 167, 0x96);
            return d;
        }));
        seeds.put("stroke-styled-path", build(QxlFuzzing.DRAWABLE, QxlSeeds::strokeWithPath));
        seeds.put("text-one-glyph", build(QxlFuzzing.DRAWABLE, QxlSeeds::textWithGlyph));
        seeds.put("composite-transform", build(QxlFuzzing.DRAWABLE, QxlSeeds::compositeWithTransform));
        seeds.put("alpha-blend-surface", build(QxlFuzzing.DRAWABLE, ram -> {
            long image = ram.alloc(22);
            ram.u8(image + 8, 104).u32(image + 18, 0);
            long d = ram.drawable(QxlReader.DRAW_ALPHA_BLEND, 0, 0, 0, 8, 8);
            ram.u16(d + 123, 0).u8(d + 125, 0x80).u64(d + 126, GuestRam.qxl(image)).rect(d + 134, 0, 0, 8, 8);
            return d;
        }));
        seeds.put("copy-bits", build(QxlFuzzing.DRAWABLE, ram -> {
            long d = ram.drawable(QxlReader.DRAW_COPY_BITS, 0, 10, 10, 20, 20);
            ram.u32(d + 123, 2).u32(d + 127, 3);
            return d;
        }));
        seeds.put("surface-create", build(QxlFuzzing.SURFACE, ram -> {
            long s = ram.alloc(41);
            ram.u32(s + 8, 3).u8(s + 12, 0).u32(s + 17, Surface.FMT_32_XRGB).u32(s + 21, 64).u32(s + 25, 32)
                    .u32(s + 29, -256).u64(s + 33, 0x1234);
            return s;
        }));
        seeds.put("cursor-set-alpha", build(QxlFuzzing.CURSOR, QxlSeeds::cursorSet));
        seeds.put("cursor-set-mono-uncached", build(QxlFuzzing.CURSOR, ram -> {
            // 8x2 monochrome: AND mask then XOR mask, one byte per row each; unique 0 is never cached.
            long cursor = ram.alloc(22 + 20 + 4);
            ram.u16(cursor + 8, CursorShape.TYPE_MONO).u16(cursor + 10, 8).u16(cursor + 12, 2).u32(cursor + 18, 4)
                    .u32(cursor + 22, 4).u8(cursor + 42, 0xff).u8(cursor + 43, 0x81).u8(cursor + 44, 0)
                    .u8(cursor + 45, 0x7e);
            long cmd = ram.alloc(22);
            ram.u8(cmd + 8, 0).u16(cmd + 9, 1).u16(cmd + 11, 1).u8(cmd + 13, 1).u64(cmd + 14, GuestRam.qxl(cursor));
            return cmd;
        }));
        seeds.put("cursor-move", build(QxlFuzzing.CURSOR, ram -> {
            long c = ram.alloc(22);
            ram.u8(c + 8, 1).u16(c + 9, 100).u16(c + 11, -3);
            return c;
        }));
        seeds.put("cursor-hide", build(QxlFuzzing.CURSOR, ram -> {
            long c = ram.alloc(22);
            ram.u8(c + 8, 2);
            return c;
        }));
        seeds.put("cursor-trail", build(QxlFuzzing.CURSOR, ram -> {
            long c = ram.alloc(22);
            ram.u8(c + 8, 3).u16(c + 9, 4).u16(c + 11, 10);
            return c;
        }));
        seeds.put("update", build(QxlFuzzing.UPDATE, ram -> {
            long u = ram.alloc(32);
            ram.u32(u + 28, 0);
            return u;
        }));
        seeds.put("message", build(QxlFuzzing.MESSAGE, ram -> {
            byte[] text = "guest driver says hello\0".getBytes(StandardCharsets.UTF_8);
            long m = ram.alloc(8 + text.length);
            ram.bytes(m + 8, text);
            return m;
        }));
        seeds.put("monitors-two-heads", build(QxlFuzzing.MONITORS, ram -> {
            long m = ram.alloc(4 + 2 * 28);
            ram.u16(m, 2).u16(m + 2, 4);
            ram.u32(m + 4, 0).u32(m + 12, 640).u32(m + 16, 480);
            ram.u32(m + 32, 1).u32(m + 40, 640).u32(m + 44, 480).u32(m + 48, 640);
            return m;
        }));
        seeds.put("image-4bit-palette", build(QxlFuzzing.IMAGE, ram -> {
            long pal = GuestRam.qxl(ram.palette(0, 0xffffff, 0x123456, 0xabcdef));
            long data = ram.alloc(4);
            ram.u8(data, 0x23).u8(data + 1, 0x10).u8(data + 2, 0x01).u8(data + 3, 0x32);
            return ram.bitmapImage(BitmapFormat.FOUR_BIT_BE, 5, 3, 2, 2, pal, GuestRam.qxl(data));
        }));
        return seeds;
    }

    private static Seed build(int kind, ToLongFunction<GuestRam> command) {
        try (GuestRam ram = new GuestRam(1 << 16)) {
            long offset = command.applyAsLong(ram);
            ram.u8(0, kind).u8(1, 0).u16(2, (int) offset);
            return new Seed(kind, (int) offset, ram.used());
        }
    }

    private static long copyWithClip(GuestRam ram) {
        long data = ram.alloc(16);
        long image = ram.bitmapImage(BitmapFormat.THIRTY_TWO_BIT, 5, 2, 2, 8, 0, GuestRam.qxl(data));
        long d = ram.drawable(QxlReader.DRAW_COPY, 0, 10, 20, 12, 22);
        long clip = ram.alloc(4 + 20 + 32);
        ram.u32(clip, 2).u32(clip + 4, 32).rect(clip + 24, 10, 20, 11, 22).rect(clip + 40, 11, 20, 12, 21);
        ram.u32(d + 47, 1).u64(d + 51, GuestRam.qxl(clip));
        ram.u64(d + 123, GuestRam.qxl(image)).rect(d + 131, 0, 0, 2, 2).u16(d + 147, 8);
        return d;
    }

    private static long opaqueWithPatternAndMask(GuestRam ram) {
        long pixels = ram.alloc(16);
        long src = ram.bitmapImage(BitmapFormat.THIRTY_TWO_BIT, 5, 2, 2, 8, 0, GuestRam.qxl(pixels));
        long patternPixels = ram.alloc(4);
        long pattern = ram.bitmapImage(BitmapFormat.RGBA, 5, 1, 1, 4, 0, GuestRam.qxl(patternPixels));
        long maskBits = ram.alloc(2);
        ram.u8(maskBits, 0b1000_0000).u8(maskBits + 1, 0b0100_0000);
        long mask = ram.bitmapImage(BitmapFormat.ONE_BIT_BE, 5, 2, 2, 1, 0, GuestRam.qxl(maskBits));
        long d = ram.drawable(QxlReader.DRAW_OPAQUE, 0, 0, 0, 2, 2);
        ram.u64(d + 123, GuestRam.qxl(src)).rect(d + 131, 0, 0, 2, 2)
                .u32(d + 147, Brush.TYPE_PATTERN).u64(d + 151, GuestRam.qxl(pattern)).u16(d + 167, 8)
                .u8(d + 169, 0).u8(d + 170, 1).u64(d + 179, GuestRam.qxl(mask));
        return d;
    }

    /** A 3x2 8-bit palettized bitmap whose rows come in two chunks. */
    private static long chunked8Bit(GuestRam ram) {
        long pal = GuestRam.qxl(ram.palette(0x000000, 0xffffff, 0x123456));
        long second = ram.chunk(new byte[] {2, 1, 0, 0}, 0);
        long first = ram.chunk(new byte[] {0, 1, 2, 0}, GuestRam.qxl(second));
        return ram.bitmapImage(BitmapFormat.EIGHT_BIT, 4, 3, 2, 4, pal, GuestRam.qxl(first));
    }

    private static long strokeWithPath(GuestRam ram) {
        // Two segments: 2 points and 1 point, 28.4 fixed point.
        byte[] segs = new byte[8 + 16 + 8 + 8];
        ByteBuffer b = ByteBuffer.wrap(segs).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(1).putInt(2).putInt(0).putInt(0).putInt(64).putInt(64).putInt(2).putInt(1).putInt(32).putInt(16);
        long path = ram.alloc(4 + 20 + segs.length);
        ram.u32(path, segs.length).u32(path + 4, segs.length).bytes(path + 24, segs);
        long style = ram.alloc(8);
        ram.u32(style, 16).u32(style + 4, 32);
        long d = ram.drawable(QxlReader.DRAW_STROKE, 0, 0, 0, 8, 8);
        ram.u64(d + 123, GuestRam.qxl(path)).u8(d + 131, DrawOp.LineAttr.STYLED).u8(d + 134, 2)
                .u64(d + 143, GuestRam.qxl(style)).u32(d + 151, Brush.TYPE_SOLID).u32(d + 155, 0xff)
                .u16(d + 171, 8).u16(d + 173, 8);
        return d;
    }

    private static long textWithGlyph(GuestRam ram) {
        // One 1-bpp 8x2 glyph: 20-byte header and 2 bytes of bits.
        long str = ram.alloc(8 + 20 + 22);
        ram.u32(str, 22).u16(str + 4, 1).u16(str + 6, 1).u32(str + 8, 22);
        long glyph = str + 28;
        ram.u32(glyph, 2).u32(glyph + 4, 3).u16(glyph + 16, 8).u16(glyph + 18, 2).u8(glyph + 20, 0xff)
                .u8(glyph + 21, 0x81);
        long d = ram.drawable(QxlReader.DRAW_TEXT, 0, 0, 0, 8, 8);
        ram.u64(d + 123, GuestRam.qxl(str)).rect(d + 131, 0, 0, 8, 8).u32(d + 147, Brush.TYPE_SOLID)
                .u32(d + 151, 0xffffff).u32(d + 167, Brush.TYPE_NONE).u16(d + 187, 8).u16(d + 189, 8);
        return d;
    }

    private static long compositeWithTransform(GuestRam ram) {
        long pixels = ram.alloc(16);
        long src = ram.bitmapImage(BitmapFormat.RGBA, 5, 2, 2, 8, 0, GuestRam.qxl(pixels));
        long transform = ram.alloc(24);
        ram.u32(transform, 1 << 16).u32(transform + 16, 1 << 16);
        long d = ram.drawable(QxlReader.DRAW_COMPOSITE, 0, 0, 0, 2, 2);
        ram.u32(d + 123, 3 | DrawOp.Composite.HAS_SRC_TRANSFORM).u64(d + 127, GuestRam.qxl(src))
                .u64(d + 135, GuestRam.qxl(transform));
        return d;
    }

    private static long cursorSet(GuestRam ram) {
        byte[] shape = new byte[2 * 2 * 4];
        shape[3] = (byte) 0xff;
        long cursor = ram.alloc(22 + 20 + shape.length);
        ram.u64(cursor, 99).u16(cursor + 8, CursorShape.TYPE_ALPHA).u16(cursor + 10, 2).u16(cursor + 12, 2)
                .u16(cursor + 14, 1).u16(cursor + 16, 0).u32(cursor + 18, shape.length)
                .u32(cursor + 22, shape.length).bytes(cursor + 42, shape);
        long cmd = ram.alloc(22);
        ram.u8(cmd + 8, 0).u16(cmd + 9, 5).u16(cmd + 11, -7).u8(cmd + 13, 1).u64(cmd + 14, GuestRam.qxl(cursor));
        return cmd;
    }
}
