package org.spicejava.core.display;

/** Guest data that breaks a rule of the QXL device: the command it belongs to is dropped and logged. */
public final class QxlException extends RuntimeException {
    public QxlException(String message) {
        super(message, null, false, false);
    }
}
