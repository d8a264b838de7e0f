package org.spicejava.ffi.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spicejava.ffi.LibX264;

/**
 * The x264 structs and every constant the libx264 binding uses, against the installed x264.h (libx264-dev): a
 * generated C program prints each struct's sizeof (what we allocate), the offsetof of every named member, and each
 * constant, X264_BUILD first.
 */
class X264LayoutTest {
    private static final List<StructLayout> LAYOUTS = List.of(X264Param.LAYOUT, X264Picture.LAYOUT,
            X264Image.LAYOUT, X264Nal.LAYOUT);

    @TempDir
    Path dir;

    @Test
    void layoutsAndConstantsMatchX264H() throws Exception {
        List<String> java = new ArrayList<>();
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <stdint.h>\n"
                + "#include <x264.h>\nint main(void) {\n");
        for (Map.Entry<String, Integer> e : LibX264.constants().entrySet()) {
            java.add(e.getKey() + " = " + e.getValue());
            c.append("    printf(\"%s = %d\\n\", \"").append(e.getKey()).append("\", (int) (").append(e.getKey())
                    .append("));\n");
        }
        for (StructLayout layout : LAYOUTS) {
            String struct = layout.name().orElseThrow();
            java.add(struct + " size " + layout.byteSize());
            c.append("    printf(\"%s size %zu\\n\", \"").append(struct).append("\", sizeof(").append(struct)
                    .append("));\n");
            long offset = 0;
            for (MemoryLayout member : layout.memberLayouts()) {
                if (member.name().isPresent()) {
                    String name = member.name().get();
                    java.add(struct + "." + name + " offset " + offset);
                    c.append("    printf(\"%s offset %zu\\n\", \"").append(struct).append('.').append(name)
                            .append("\", offsetof(").append(struct).append(", ").append(name).append("));\n");
                }
                offset += member.byteSize();
            }
        }
        c.append("    return 0;\n}\n");
        Path source = Files.writeString(dir.resolve("x264_layout.c"), c);
        Path binary = dir.resolve("x264_layout");
        LayoutTest.run("gcc", source.toString(), "-o", binary.toString());
        assertEquals(java, LayoutTest.run(binary.toString()).lines().toList());
    }
}
