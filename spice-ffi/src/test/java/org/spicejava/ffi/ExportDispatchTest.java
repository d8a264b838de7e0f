package org.spicejava.ffi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;

import org.junit.jupiter.api.Test;

/** The committed dispatcher is what exports.def and Exports make today (else: run ExportDispatchSource's main). */
class ExportDispatchTest {
    @Test
    void committedDispatcherIsCurrent() throws Exception {
        assertEquals(ExportDispatchSource.source(), Files.readString(ExportDispatchSource.TARGET),
                "ExportDispatch.java is stale: run ExportDispatchSource.main in spice-ffi");
    }
}
