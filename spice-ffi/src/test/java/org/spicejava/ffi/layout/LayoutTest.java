package org.spicejava.ffi.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every layout class against the installed spice-server headers: a generated C program prints sizeof and the
 * offsetof of every named member, and each must equal the Java layout's.
 */
class LayoutTest {
    static final List<StructLayout> LAYOUTS = List.of(
            SpiceBaseInterface.LAYOUT, SpiceBaseInstance.LAYOUT, SpiceCoreInterface.LAYOUT,
            SpiceChannelEventInfo.LAYOUT, QXLInstance.LAYOUT, QXLInterface.LAYOUT, QXLDevMemSlot.LAYOUT,
            QXLDevSurfaceCreate.LAYOUT, QXLDevInitInfo.LAYOUT, QXLCommand.LAYOUT, QXLCommandExt.LAYOUT,
            QXLReleaseInfoExt.LAYOUT, SpiceKbdInterface.LAYOUT, SpiceKbdInstance.LAYOUT, SpiceMouseInterface.LAYOUT,
            SpiceMouseInstance.LAYOUT, SpiceTabletInterface.LAYOUT, SpiceTabletInstance.LAYOUT,
            SpicePlaybackInterface.LAYOUT, SpicePlaybackInstance.LAYOUT, SpiceRecordInterface.LAYOUT,
            SpiceRecordInstance.LAYOUT, SpiceCharDeviceInterface.LAYOUT, SpiceCharDeviceInstance.LAYOUT,
            SpiceMigrateInterface.LAYOUT, SpiceMigrateInstance.LAYOUT);

    @TempDir
    Path dir;

    /** "Struct size N" and "Struct.member offset N" lines, from the Java side. */
    static List<String> javaFacts() {
        List<String> facts = new ArrayList<>();
        for (StructLayout layout : LAYOUTS) {
            String struct = layout.name().orElseThrow();
            facts.add(struct + " size " + layout.byteSize());
            long offset = 0;
            for (MemoryLayout member : layout.memberLayouts()) {
                if (member.name().isPresent()) {
                    facts.add(struct + "." + member.name().get() + " offset " + offset);
                }
                offset += member.byteSize();
            }
        }
        return facts;
    }

    @Test
    void everySizeAndOffsetMatchesTheInstalledHeaders() throws Exception {
        List<String> javaFacts = javaFacts();
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <spice.h>\nint main(void) {\n");
        for (String fact : javaFacts) {
            String subject = fact.substring(0, fact.indexOf(' '));
            if (fact.contains(" size ")) {
                c.append("    printf(\"%s size %zu\\n\", \"").append(subject).append("\", sizeof(").append(subject).append("));\n");
            } else {
                String struct = subject.substring(0, subject.indexOf('.'));
                String member = subject.substring(subject.indexOf('.') + 1);
                c.append("    printf(\"%s offset %zu\\n\", \"").append(subject).append("\", offsetof(")
                        .append(struct).append(", ").append(member).append("));\n");
            }
        }
        c.append("    return 0;\n}\n");
        Path source = Files.writeString(dir.resolve("layouts.c"), c);
        Path binary = dir.resolve("layouts");
        String cflags = run("pkg-config", "--cflags", "spice-server").trim();
        List<String> gcc = new ArrayList<>(List.of("gcc", "-Wno-deprecated-declarations"));
        gcc.addAll(List.of(cflags.split("\\s+")));
        gcc.addAll(List.of(source.toString(), "-o", binary.toString()));
        run(gcc.toArray(String[]::new));
        List<String> cFacts = run(binary.toString()).lines().toList();
        assertEquals(javaFacts, cFacts);
        assertTrue(javaFacts.size() > 100, "every member of every struct is checked: " + javaFacts.size());
    }

    /** Runs a command, asserts it succeeded, returns its output. */
    static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", command) + "\n" + out);
        return out;
    }
}
