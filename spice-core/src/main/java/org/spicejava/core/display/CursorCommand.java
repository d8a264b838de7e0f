package org.spicejava.core.display;

/** QXLCursorCmd after validation. */
public sealed interface CursorCommand {
    record Set(int x, int y, boolean visible, CursorShape shape) implements CursorCommand {
    }

    record Move(int x, int y) implements CursorCommand {
    }

    record Hide() implements CursorCommand {
    }

    record Trail(int length, int frequency) implements CursorCommand {
    }
}
