package org.spicejava.ffi.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spicejava.ffi.LibVpx;
import org.spicejava.ffi.VpxDecoder;

/**
 * The libvpx structs and the constants LibVpx (and the tests' VpxDecoder) use, against the installed headers
 * (vpx/*.h from libvpx-dev): a generated C program prints each struct's sizeof, the offsetof of every named member
 * (nested ones through their path, as {@code data.frame.buf}) and every constant, and each must equal Java's.
 */
class VpxLayoutTest {
    static final List<StructLayout> LAYOUTS = List.of(VpxCodecEncCfg.LAYOUT, VpxCodecCxPkt.LAYOUT, VpxImage.LAYOUT,
            VpxCodecCtx.LAYOUT, VpxRational.LAYOUT);

    @TempDir
    Path dir;

    @Test
    void layoutsAndConstantsMatchTheVpxHeaders() throws Exception {
        List<String> java = new ArrayList<>();
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <vpx/vpx_encoder.h>\n"
                + "#include <vpx/vpx_decoder.h>\n#include <vpx/vp8cx.h>\n#include <vpx/vp8dx.h>\nint main(void) {\n");
        for (StructLayout layout : LAYOUTS) {
            String struct = layout.name().orElseThrow();
            java.add(struct + " size " + layout.byteSize());
            c.append("    printf(\"%s size %zu\\n\", \"").append(struct).append("\", sizeof(").append(struct)
                    .append("));\n");
            members(struct, "", layout, 0, java, c);
        }
        Map<String, Long> constants = new LinkedHashMap<>(LibVpx.constants());
        constants.putAll(VpxDecoder.constants());
        for (Map.Entry<String, Long> e : constants.entrySet()) {
            java.add(e.getKey() + " = " + e.getValue());
            c.append("    printf(\"%s = %lld\\n\", \"").append(e.getKey()).append("\", (long long) (")
                    .append(e.getKey()).append("));\n");
        }
        c.append("    return 0;\n}\n");
        Path source = Files.writeString(dir.resolve("vpx_layout.c"), c);
        Path binary = dir.resolve("vpx_layout");
        // Linked: vp8cx.h's type-checked control wrappers refer to vpx_codec_control_ even when unused.
        LayoutTest.run("gcc", source.toString(), "-o", binary.toString(), "-lvpx");
        assertEquals(java, LayoutTest.run(binary.toString()).lines().toList());
        assertTrue(java.size() > 100, "every member of every struct is checked: " + java.size());
    }

    /** A fact and a printf per named member of {@code group} at {@code base}, recursing into nested groups. */
    private static void members(String struct, String prefix, GroupLayout group, long base, List<String> java,
                                StringBuilder c) {
        long offset = base;
        for (MemoryLayout member : group.memberLayouts()) {
            long at = group instanceof UnionLayout ? base : offset;
            if (member.name().isPresent()) {
                String path = prefix + member.name().get();
                java.add(struct + "." + path + " offset " + at);
                c.append("    printf(\"%s offset %zu\\n\", \"").append(struct).append('.').append(path)
                        .append("\", offsetof(").append(struct).append(", ").append(path).append("));\n");
                if (member instanceof GroupLayout nested) {
                    members(struct, path + ".", nested, at, java, c);
                }
            }
            offset += member.byteSize();
        }
    }
}
