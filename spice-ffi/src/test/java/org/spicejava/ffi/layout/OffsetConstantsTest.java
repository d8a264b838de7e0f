package org.spicejava.ffi.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The layout classes spell their members' offsets as constants, as jextract does (computing them through layout
 * paths cost every host's start-up the JDK's path machinery): each must be the offset its LAYOUT gives the member
 * (LayoutTest proves the layouts against the C headers).
 */
class OffsetConstantsTest {
    @Test
    void everyOffsetConstantIsItsMembersOffsetInTheLayout() throws Exception {
        Path dir = Path.of(Pointers.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("org/spicejava/ffi/layout");
        List<String> classes;
        try (Stream<Path> files = Files.list(dir)) {
            classes = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".class") && !n.contains("$"))
                    .map(n -> "org.spicejava.ffi.layout." + n.substring(0, n.length() - ".class".length()))
                    .toList();
        }
        int checked = 0;
        for (String name : classes) {
            Class<?> c = Class.forName(name);
            Field layoutField;
            try {
                layoutField = c.getField("LAYOUT");
            } catch (NoSuchFieldException none) {
                continue;
            }
            if (!(layoutField.get(null) instanceof StructLayout layout)) {
                continue;
            }
            for (Field f : c.getFields()) {
                if (!Modifier.isStatic(f.getModifiers()) || !f.getName().endsWith("$OFFSET")) {
                    continue;
                }
                String member = f.getName().substring(0, f.getName().length() - "$OFFSET".length());
                boolean direct = layout.memberLayouts().stream()
                        .anyMatch(m -> m.name().isPresent() && m.name().get().equals(member));
                if (!direct) {
                    assertEquals("org.spicejava.ffi.layout.VpxCodecCxPkt", name,
                            "only the packet's frame members are nested: " + f);
                    continue;
                }
                assertEquals(layout.byteOffset(MemoryLayout.PathElement.groupElement(member)), f.getLong(null),
                        c.getSimpleName() + "." + f.getName());
                checked++;
            }
        }
        assertTrue(checked > 150, "offset constants checked: " + checked);
    }
}
