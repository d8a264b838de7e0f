package org.spicejava.ffi.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemoryLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spicejava.core.sasl.SaslServer;
import org.spicejava.ffi.CyrusSasl;

/**
 * {@link SaslSecurityProperties} and the constants the SASL binding uses, against the installed Cyrus SASL header
 * (sasl/sasl.h from libsasl2-dev): a generated C program prints sizeof, every offsetof and every constant.
 */
class SaslLayoutTest {
    @TempDir
    Path dir;

    @Test
    void layoutAndConstantsMatchSaslH() throws Exception {
        List<String> java = new ArrayList<>();
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <sasl/sasl.h>\n"
                + "int main(void) {\n");
        String struct = SaslSecurityProperties.LAYOUT.name().orElseThrow();
        java.add(struct + " size " + SaslSecurityProperties.LAYOUT.byteSize());
        c.append("    printf(\"%s size %zu\\n\", \"").append(struct).append("\", sizeof(").append(struct).append("));\n");
        long offset = 0;
        for (MemoryLayout member : SaslSecurityProperties.LAYOUT.memberLayouts()) {
            String name = member.name().orElseThrow();
            java.add(struct + "." + name + " offset " + offset);
            c.append("    printf(\"%s offset %zu\\n\", \"").append(struct).append('.').append(name)
                    .append("\", offsetof(").append(struct).append(", ").append(name).append("));\n");
            offset += member.byteSize();
        }
        Map<String, Integer> constants = new LinkedHashMap<>(CyrusSasl.constants());
        constants.put("SASL_SEC_NOPLAINTEXT", SaslServer.NO_PLAINTEXT);
        constants.put("SASL_SEC_NOANONYMOUS", SaslServer.NO_ANONYMOUS);
        constants.put("SASL_BADAUTH", SaslServer.BADAUTH);
        constants.put("sizeof(sasl_ssf_t)", 4);
        constants.put("sizeof(unsigned)", 4);
        for (Map.Entry<String, Integer> e : constants.entrySet()) {
            java.add(e.getKey() + " = " + e.getValue());
            c.append("    printf(\"%s = %d\\n\", \"").append(e.getKey()).append("\", (int) (").append(e.getKey())
                    .append("));\n");
        }
        c.append("    return 0;\n}\n");
        Path source = Files.writeString(dir.resolve("sasl_layout.c"), c);
        Path binary = dir.resolve("sasl_layout");
        LayoutTest.run("gcc", source.toString(), "-o", binary.toString());
        assertEquals(java, LayoutTest.run(binary.toString()).lines().toList());
    }
}
