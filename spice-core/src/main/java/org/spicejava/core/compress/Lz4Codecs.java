package org.spicejava.core.compress;

/**
 * The LZ4 codec in force for the whole process: {@link JavaLz4} until the host supplies another (spice-ffi hands
 * over liblz4 at spice_server_init, as the reference links it). Process-wide because liblz4 is: every server in a
 * process would get the same one.
 */
public final class Lz4Codecs {
    /** Null until the host supplies one: JavaLz4 (lz4-java's factory, 10 ms at start-up) is made only if used. */
    private static volatile Lz4Codec inUse;

    private Lz4Codecs() {
    }

    public static Lz4Codec inUse() {
        Lz4Codec codec = inUse;
        return codec != null ? codec : JavaLz4.INSTANCE;
    }

    /** LZ4 images and COMPRESSED_DATA are made with {@code codec} from now on. */
    public static void use(Lz4Codec codec) {
        inUse = codec;
    }
}
