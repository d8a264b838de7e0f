package org.spicejava.ffi.it;

import java.util.List;

/** Figures of a sound track and of samples: the dominant frequency (FFT) and percentiles. */
final class Tone {
    private Tone() {
    }

    /**
     * The strongest frequency in Hz of the last {@code count} samples of {@code s} (the largest power of two of them,
     * at most 65536: 1.37 s at 48 kHz): Hann window, FFT, parabolic interpolation of the peak. 0 for fewer than
     * 4096 samples.
     */
    static double dominantHz(short[] s, int count, int rate) {
        int n = Integer.highestOneBit(Math.max(1, Math.min(count, 65536)));
        if (n < 4096) {
            return 0;
        }
        int start = count - n;
        double[] re = new double[n];
        double[] im = new double[n];
        for (int i = 0; i < n; i++) {
            re[i] = s[start + i] * (0.5 - 0.5 * Math.cos(2 * Math.PI * i / (n - 1)));
        }
        fft(re, im);
        int best = 1;
        double bestMagnitude = 0;
        for (int k = 1; k < n / 2 - 1; k++) {
            double m = Math.hypot(re[k], im[k]);
            if (m > bestMagnitude) {
                bestMagnitude = m;
                best = k;
            }
        }
        double a = Math.hypot(re[best - 1], im[best - 1]);
        double c = Math.hypot(re[best + 1], im[best + 1]);
        double denominator = a - 2 * bestMagnitude + c;
        double offset = denominator == 0 ? 0 : 0.5 * (a - c) / denominator;
        return (best + offset) * rate / n;
    }

    /** In-place iterative radix-2 FFT; the length is a power of two. */
    static void fft(double[] re, double[] im) {
        int n = re.length;
        for (int i = 1, j = 0; i < n; i++) {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) {
                j ^= bit;
            }
            j ^= bit;
            if (i < j) {
                double t = re[i];
                re[i] = re[j];
                re[j] = t;
                t = im[i];
                im[i] = im[j];
                im[j] = t;
            }
        }
        for (int len = 2; len <= n; len <<= 1) {
            double angle = -2 * Math.PI / len;
            for (int k = 0; k < len / 2; k++) {
                double wr = Math.cos(angle * k);
                double wi = Math.sin(angle * k);
                for (int i = k; i < n; i += len) {
                    int j = i + len / 2;
                    double vr = re[j] * wr - im[j] * wi;
                    double vi = re[j] * wi + im[j] * wr;
                    re[j] = re[i] - vr;
                    im[j] = im[i] - vi;
                    re[i] += vr;
                    im[i] += vi;
                }
            }
        }
    }

    /** The {@code p}-th percentile (nearest rank; 100 is the maximum), NaN for no values. */
    static double percentile(List<Double> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int i = (int) Math.ceil(p / 100 * v.length) - 1;
        return v[Math.max(0, Math.min(v.length - 1, i))];
    }
}
