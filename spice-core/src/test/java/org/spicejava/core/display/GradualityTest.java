package org.spicejava.core.display;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.spicejava.core.display.draw.Bitmap;

/** The reference's photo test: smooth pictures are HIGH, desktops and text are not. */
class GradualityTest {
    private static Bitmap image(int width, int height, java.util.function.IntBinaryOperator pixel) {
        int[] px = new int[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                px[y * width + x] = pixel.applyAsInt(x, y);
            }
        }
        return Bitmap.of(width, height, px, false);
    }

    @Test
    void oneSquareScoresItsThreePairs() {
        // The pixel with a gradient to its right, equal below, an edge below right: (-0.25 + 0.5 + 1) / 3.
        Bitmap b = Bitmap.of(2, 2, new int[] {0x000000, 0x0A0000, 0x000000, 0x640000}, false);
        assertEquals(1.25 / 3, Graduality.meanScore(b));
        // A square of four equal pixels counts as a sample that scores 0.
        assertEquals(0.0, Graduality.meanScore(Bitmap.of(2, 2, new int[4], false)));
    }

    @Test
    void samplesWalkEvery15thPixelAndStayInsideRows() {
        // Width 15 would sample one column, so the walk steps 14: from pixel 7 to 21 (row 1, x 6), where the one
        // grey pixel differs softly from its three neighbours. Stepping 15 would miss it.
        Bitmap grey = image(15, 3, (x, y) -> x == 6 && y == 1 ? 0x0A0A0A : 0);
        assertEquals(-0.75 / 6, Graduality.meanScore(grey), 1e-12);
        // A sample on the last pixel of a row moves one left: a 2-wide image is sampled in column 0 (rows 0, 7
        // and 14, each square scoring edge + equal + gradient or gradient + equal + edge).
        Bitmap narrow = image(2, 20, (x, y) -> x == 0 ? 0 : y % 2 == 0 ? 0xFFFFFF : 0x0A0A0A);
        assertEquals(1.25 / 3, Graduality.meanScore(narrow), 1e-12);
    }

    /** The walk as the reference writes it, with a division per sample: the oracle for the faster walk. */
    private static double referenceWalk(int width, int height, int[] px) {
        int jump = Graduality.SAMPLE_JUMP % width != 0 ? Graduality.SAMPLE_JUMP : Graduality.SAMPLE_JUMP - 1;
        double sum = 0;
        int squares = 0;
        for (long at = width / 2; at < (long) (height - 1) * width; at += jump) {
            if ((at + 1) % width == 0) {
                at--;
            }
            int i = (int) at;
            Bitmap square = Bitmap.of(2, 2, new int[] {px[i], px[i + 1], px[i + width], px[i + width + 1]}, false);
            sum += Graduality.meanScore(square) * 3;
            squares++;
        }
        return sum / (squares * 3);
    }

    @Test
    void theWalkSamplesThePixelsTheReferencesWalkSamples() {
        Random r = new Random(7);
        for (int width : new int[] {2, 3, 7, 14, 15, 16, 29, 30, 31, 45, 64, 100, 333}) {
            for (int height : new int[] {2, 3, 17}) {
                int[] px = new int[width * height];
                for (int i = 0; i < px.length; i++) {
                    px[i] = r.nextInt(4) * 0x1F1F1F; // equal pairs, gradients and edges all occur
                }
                assertEquals(referenceWalk(width, height, px), Graduality.meanScore(Bitmap.of(width, height, px,
                        false)), 1e-12, width + "x" + height);
            }
        }
    }

    @Test
    void levels() {
        Random random = new Random(3);
        Bitmap photo = image(200, 100, (x, y) -> {
            int n = random.nextInt(5) - 2;
            return Math.clamp(x + n, 0, 255) << 16 | Math.clamp(y + n, 0, 255) << 8 | Math.clamp(x + y / 2 + n, 0, 255);
        });
        assertEquals(Graduality.Level.HIGH, Graduality.of(photo));
        Bitmap gradient = image(256, 64, (x, y) -> x << 16 | y << 8 | (x + y) / 2);
        assertEquals(Graduality.Level.HIGH, Graduality.of(gradient));
        Bitmap text = image(200, 100, (x, y) -> (x % 7 < 2 && y % 11 < 8) ? 0xFFFFFF : 0x000000);
        assertEquals(Graduality.Level.LOW, Graduality.of(text));
        Bitmap flat = image(100, 100, (x, y) -> 0x336699);
        assertEquals(Graduality.Level.MEDIUM, Graduality.of(flat), "all squares equal: a mean of 0");
        assertEquals(Graduality.Level.LOW, Graduality.of(image(500, 1, (x, y) -> x)), "one row is never gradual");
    }
}
