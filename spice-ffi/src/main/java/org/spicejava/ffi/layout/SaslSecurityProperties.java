package org.spicejava.ffi.layout;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * {@code sasl_security_properties_t} (Cyrus SASL's sasl/sasl.h): the SSF range, the largest security-layer packet
 * we receive and the attacks to guard against, given with sasl_setprop(SASL_SEC_PROPS). Proven against the
 * installed header by SaslLayoutTest.
 */
public final class SaslSecurityProperties {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("min_ssf"),
            JAVA_INT.withName("max_ssf"),
            JAVA_INT.withName("maxbufsize"),
            JAVA_INT.withName("security_flags"),
            ADDRESS.withName("property_names"),
            ADDRESS.withName("property_values")).withName("sasl_security_properties_t");
    public static final long min_ssf$OFFSET = 0;
    public static final long max_ssf$OFFSET = 4;
    public static final long maxbufsize$OFFSET = 8;
    public static final long security_flags$OFFSET = 12;
    public static final long property_names$OFFSET = 16;
    public static final long property_values$OFFSET = 24;

    private SaslSecurityProperties() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static int min_ssf(MemorySegment struct) {
        return struct.get(JAVA_INT, min_ssf$OFFSET);
    }

    public static void min_ssf(MemorySegment struct, int value) {
        struct.set(JAVA_INT, min_ssf$OFFSET, value);
    }

    public static int max_ssf(MemorySegment struct) {
        return struct.get(JAVA_INT, max_ssf$OFFSET);
    }

    public static void max_ssf(MemorySegment struct, int value) {
        struct.set(JAVA_INT, max_ssf$OFFSET, value);
    }

    public static int maxbufsize(MemorySegment struct) {
        return struct.get(JAVA_INT, maxbufsize$OFFSET);
    }

    public static void maxbufsize(MemorySegment struct, int value) {
        struct.set(JAVA_INT, maxbufsize$OFFSET, value);
    }

    public static int security_flags(MemorySegment struct) {
        return struct.get(JAVA_INT, security_flags$OFFSET);
    }

    public static void security_flags(MemorySegment struct, int value) {
        struct.set(JAVA_INT, security_flags$OFFSET, value);
    }

    public static MemorySegment property_names(MemorySegment struct) {
        return Pointers.get(struct, property_names$OFFSET);
    }

    public static void property_names(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, property_names$OFFSET, value);
    }

    public static MemorySegment property_values(MemorySegment struct) {
        return Pointers.get(struct, property_values$OFFSET);
    }

    public static void property_values(MemorySegment struct, MemorySegment value) {
        Pointers.set(struct, property_values$OFFSET, value);
    }
}
