package org.spicejava.core.sasl;

/** A SASL library call failed; the message carries the library's result code and text. */
public final class SaslException extends Exception {
    private final int result;

    public SaslException(int result, String message) {
        super(message);
        this.result = result;
    }

    /** The library's result code (SASL_FAIL, SASL_NOMECH, ...). */
    public int result() {
        return result;
    }
}
