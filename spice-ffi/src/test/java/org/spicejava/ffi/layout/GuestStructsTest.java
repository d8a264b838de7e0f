package org.spicejava.ffi.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packed QXL structs that spice-core's QxlReader reads out of guest memory by offset: every offset and size
 * it relies on, checked against the installed spice-protocol headers (qxl_dev.h).
 */
class GuestStructsTest {
    /** C expression -> the value QxlReader uses. */
    static final Map<String, Long> FACTS = new LinkedHashMap<>();

    static {
        fact("sizeof(QXLDrawable)", 191);
        fact("offsetof(QXLDrawable, surface_id)", 8);
        fact("offsetof(QXLDrawable, effect)", 12);
        fact("offsetof(QXLDrawable, type)", 13);
        fact("offsetof(QXLDrawable, self_bitmap)", 14);
        fact("offsetof(QXLDrawable, bbox)", 31);
        fact("offsetof(QXLDrawable, clip)", 47);
        fact("offsetof(QXLDrawable, mm_time)", 59);
        fact("offsetof(QXLDrawable, u)", 123);
        fact("offsetof(QXLClip, data)", 4);
        fact("offsetof(QXLClipRects, chunk)", 4);
        fact("offsetof(QXLBrush, u)", 4);
        fact("offsetof(QXLPattern, pos)", 8);
        fact("offsetof(QXLQMask, pos)", 1);
        fact("offsetof(QXLQMask, bitmap)", 9);
        fact("offsetof(QXLFill, rop_descriptor)", 20);
        fact("offsetof(QXLFill, mask)", 22);
        fact("offsetof(QXLOpaque, brush)", 24);
        fact("offsetof(QXLOpaque, rop_descriptor)", 44);
        fact("offsetof(QXLOpaque, scale_mode)", 46);
        fact("offsetof(QXLOpaque, mask)", 47);
        fact("offsetof(QXLCopy, src_area)", 8);
        fact("offsetof(QXLCopy, rop_descriptor)", 24);
        fact("offsetof(QXLCopy, scale_mode)", 26);
        fact("offsetof(QXLCopy, mask)", 27);
        fact("offsetof(QXLTransparent, src_color)", 24);
        fact("offsetof(QXLTransparent, true_color)", 28);
        fact("offsetof(QXLAlphaBlend, alpha)", 2);
        fact("offsetof(QXLAlphaBlend, src_bitmap)", 3);
        fact("offsetof(QXLAlphaBlend, src_area)", 11);
        fact("offsetof(QXLRop3, brush)", 24);
        fact("offsetof(QXLRop3, rop3)", 44);
        fact("offsetof(QXLRop3, scale_mode)", 45);
        fact("offsetof(QXLRop3, mask)", 46);
        fact("offsetof(QXLStroke, attr)", 8);
        fact("offsetof(QXLStroke, brush)", 28);
        fact("offsetof(QXLStroke, fore_mode)", 48);
        fact("offsetof(QXLStroke, back_mode)", 50);
        fact("offsetof(QXLLineAttr, style_nseg)", 3);
        fact("offsetof(QXLLineAttr, style)", 12);
        fact("offsetof(QXLText, back_area)", 8);
        fact("offsetof(QXLText, fore_brush)", 24);
        fact("offsetof(QXLText, back_brush)", 44);
        fact("offsetof(QXLText, fore_mode)", 64);
        fact("offsetof(QXLText, back_mode)", 66);
        fact("offsetof(QXLComposite, src)", 4);
        fact("offsetof(QXLComposite, src_transform)", 12);
        fact("offsetof(QXLComposite, mask)", 20);
        fact("offsetof(QXLComposite, mask_transform)", 28);
        fact("offsetof(QXLComposite, src_origin)", 36);
        fact("offsetof(QXLComposite, mask_origin)", 40);
        fact("sizeof(QXLTransform)", 24);
        fact("offsetof(QXLPath, chunk)", 4);
        fact("offsetof(QXLString, length)", 4);
        fact("offsetof(QXLString, flags)", 6);
        fact("offsetof(QXLString, chunk)", 8);
        fact("offsetof(QXLRasterGlyph, width)", 16);
        fact("offsetof(QXLRasterGlyph, data)", 20);
        fact("offsetof(QXLImageDescriptor, type)", 8);
        fact("offsetof(QXLImageDescriptor, width)", 10);
        fact("offsetof(QXLImageDescriptor, height)", 14);
        fact("offsetof(QXLImage, bitmap)", 18);
        fact("sizeof(QXLBitmap)", 30);
        fact("offsetof(QXLBitmap, x)", 2);
        fact("offsetof(QXLBitmap, y)", 6);
        fact("offsetof(QXLBitmap, stride)", 10);
        fact("offsetof(QXLBitmap, palette)", 14);
        fact("offsetof(QXLBitmap, data)", 22);
        fact("offsetof(QXLPalette, num_ents)", 8);
        fact("offsetof(QXLPalette, ents)", 10);
        fact("offsetof(QXLDataChunk, next_chunk)", 12);
        fact("offsetof(QXLDataChunk, data)", 20);
        fact("sizeof(QXLSurfaceCmd)", 41);
        fact("offsetof(QXLSurfaceCmd, surface_id)", 8);
        fact("offsetof(QXLSurfaceCmd, type)", 12);
        fact("offsetof(QXLSurfaceCmd, flags)", 13);
        fact("offsetof(QXLSurfaceCmd, u)", 17);
        fact("offsetof(QXLSurface, stride)", 12);
        fact("offsetof(QXLSurface, data)", 16);
        fact("sizeof(QXLUpdateCmd)", 32);
        fact("offsetof(QXLUpdateCmd, area)", 8);
        fact("offsetof(QXLUpdateCmd, surface_id)", 28);
        fact("offsetof(QXLCursorCmd, type)", 8);
        fact("offsetof(QXLCursorCmd, u)", 9);
        fact("offsetof(QXLCursorCmd, u.set.visible)", 13);
        fact("offsetof(QXLCursorCmd, u.set.shape)", 14);
        fact("offsetof(QXLCursorHeader, type)", 8);
        fact("offsetof(QXLCursorHeader, hot_spot_x)", 14);
        fact("offsetof(QXLCursor, data_size)", 18);
        fact("offsetof(QXLCursor, chunk)", 22);
        fact("offsetof(QXLMonitorsConfig, heads)", 4);
        fact("sizeof(QXLHead)", 28);
    }

    private static void fact(String expression, long value) {
        FACTS.put(expression, value);
    }

    @TempDir
    Path dir;

    @Test
    void everyOffsetTheReaderUsesMatchesTheHeaders() throws Exception {
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <spice/qxl_dev.h>\n"
                + "int main(void) {\n");
        FACTS.keySet().forEach(e -> c.append("    printf(\"%zu\\n\", (size_t) (").append(e).append("));\n"));
        c.append("    return 0;\n}\n");
        Path source = Files.writeString(dir.resolve("guest.c"), c);
        Path binary = dir.resolve("guest");
        List<String> gcc = new ArrayList<>(List.of("gcc"));
        gcc.addAll(List.of(LayoutTest.run("pkg-config", "--cflags", "spice-protocol").trim().split("\\s+")));
        gcc.addAll(List.of(source.toString(), "-o", binary.toString()));
        LayoutTest.run(gcc.toArray(String[]::new));
        List<String> values = LayoutTest.run(binary.toString()).lines().toList();
        List<String> expected = new ArrayList<>();
        List<String> actual = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, Long> f : FACTS.entrySet()) {
            expected.add(f.getKey() + " = " + f.getValue());
            actual.add(f.getKey() + " = " + values.get(i++));
        }
        assertEquals(expected, actual);
        assertTrue(FACTS.size() > 80);
    }
}
