package org.spicejava.ffi.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemoryLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AvFrame}'s offsets and constants, used by the tests' H.264 decoder, against the installed FFmpeg headers
 * (libavcodec-dev): a generated C program prints them.
 */
class AvcodecLayoutTest {
    @TempDir
    Path dir;

    @Test
    void avFrameAndConstantsMatchTheFfmpegHeaders() throws Exception {
        List<String> java = new ArrayList<>();
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <errno.h>\n"
                + "#include <libavcodec/avcodec.h>\n#include <libavutil/frame.h>\nint main(void) {\n");
        for (Map.Entry<String, Integer> e : AvFrame.constants().entrySet()) {
            java.add(e.getKey() + " = " + e.getValue());
            c.append("    printf(\"%s = %d\\n\", \"").append(e.getKey()).append("\", (int) (").append(e.getKey())
                    .append("));\n");
        }
        java.add("AV_NUM_DATA_POINTERS = " + AvFrame.DATA_POINTERS);
        c.append("    printf(\"AV_NUM_DATA_POINTERS = %d\\n\", AV_NUM_DATA_POINTERS);\n");
        long offset = 0;
        for (MemoryLayout member : AvFrame.LAYOUT.memberLayouts()) {
            String name = member.name().orElseThrow();
            java.add("AVFrame." + name + " offset " + offset);
            c.append("    printf(\"AVFrame.%s offset %zu\\n\", \"").append(name).append("\", offsetof(AVFrame, ")
                    .append(name).append("));\n");
            offset += member.byteSize();
        }
        c.append("    return 0;\n}\n");
        Path source = Files.writeString(dir.resolve("avframe_layout.c"), c);
        Path binary = dir.resolve("avframe_layout");
        LayoutTest.run("gcc", source.toString(), "-o", binary.toString());
        assertEquals(java, LayoutTest.run(binary.toString()).lines().toList());
    }
}
