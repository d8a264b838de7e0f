package org.spicejava.core.display.draw;

import java.util.List;

/**
 * One QXLDrawable after validation: target surface, bounding box, clip, and the operation. {@code clip} null means
 * no clipping; otherwise only the listed rectangles may change.
 */
public record Drawable(int surfaceId, int effect, Rect bbox, List<Rect> clip, DrawOp op, int mmTime) {
}
