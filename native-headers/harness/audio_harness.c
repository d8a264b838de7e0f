/*
 * A SPICE server host with one playback and one record interface, set up as QEMU's audio backend sets them up
 * (add_interface, then set_playback_rate / set_record_rate to the best rate, 48 kHz), for a raw client to measure.
 * Usage: audio_harness PORT.
 *
 * Playback: a stereo tone (left HARNESS_TONE_LEFT Hz, default 997; right HARNESS_TONE_RIGHT Hz, default 1511) at
 * real time. Every 10 ms on an absolute CLOCK_MONOTONIC schedule (no drift) the harness asks for a buffer
 * (spice_server_playback_get_buffer), fills all num_samples stereo samples and hands it back (put_samples). The tone
 * is a function of the tick number, so frames the server had no buffer for leave a gap, not a phase jump. Playback is
 * started at once, as QEMU does when the guest plays; without a client the reference gives no buffer (counted).
 * Record: spice_server_record_start at once, then every tick spice_server_record_get_samples into a buffer, kept.
 * Volume: the playback volume is set before any client links (the client gets it on connect), then
 * HARNESS_VOLUME_AFTER_MS (default 1000) after the first frame both volumes are set and both streams muted, and
 * 500 ms later unmuted. HARNESS_STOP_AT_MS (default: 500 ms before the end) stops both streams.
 * HARNESS_COMPRESSION, when set, is passed to spice_server_set_playback_compression. Exits after HARNESS_SECONDS
 * (default 12).
 *
 * Output, one line each, times in CLOCK_MONOTONIC ns (the client's System.nanoTime on Linux):
 *   ready
 *   buffer samples=N               the first buffer's size in stereo samples
 *   put SEQ NS                     a frame handed back; SEQ is the tick, NS taken just before put_samples
 *   stat NS UTIME_US STIME_US RSS_KB PUTS NULLS    once a second: the process's CPU and VmRSS, frames so far
 *   volume NS / unmute NS / stop NS
 *   event EVENT TYPE ID            channel events
 *   slow CALL NS US                an audio call, or a watch or timer callback of the server, that took over 5 ms
 *                                  (the host was held up that long)
 *   playback puts=N nulls=M max_put_gap_us=G max_call_us=C slow_calls=S max_callback_us=W
 *                                  C: the longest audio call, S: audio calls over 5 ms, W: the longest callback
 *   record samples=N left_hz=F right_hz=F   the recorded tone's dominant frequencies (0 when too short)
 *   done
 */
#define _GNU_SOURCE
#include <complex.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <spice.h>

#include "lib/audiohost.h"
#include "lib/hostloop.h"
#include "lib/hostutil.h"

#define RATE 48000
#define TICK_NS 10000000LL
#define TICK_SAMPLES (RATE / 100)
#define RECORD_CHUNK 8192
/* After a stall the schedule is caught up by at most this many frames, then restarted from now. */
#define MAX_CATCH_UP 10

static SpicePlaybackInstance playback;
static SpiceRecordInstance record;
static double tone_left = 997, tone_right = 1511;
static int16_t *rec_left, *rec_right;
static size_t rec_count, rec_cap;

static void channel_event(int event, SpiceChannelEventInfo *info)
{
    printf("event %d %d %d\n", event, info->type, info->id);
}


static long puts_done, nulls;
static long long last_put_ns, max_put_gap_ns;
/* Time spent inside the library's audio calls: the longest, and how many took over SLOW_CALL_NS. */
#define SLOW_CALL_NS 5000000LL
static long long max_call_ns, slow_calls;

static void slow_callback(const char *kind, long long start, long long ns)
{
    printf("slow %s %lld %lld\n", kind, start, ns / 1000);
}

static void timed_call(const char *what, long long t0)
{
    long long d = hostutil_now_ns() - t0;
    if (d > max_call_ns) {
        max_call_ns = d;
    }
    if (d > SLOW_CALL_NS) {
        slow_calls++;
        printf("slow %s %lld %lld\n", what, t0, d / 1000);
    }
}

/* One playback tick: a whole frame of the tone, samples numbered from the tick so time decides the phase. */
static void play_tick(long long tick)
{
    uint32_t *samples = NULL;
    uint32_t n = 0;
    long long t0 = hostutil_now_ns();
    spice_server_playback_get_buffer(&playback, &samples, &n);
    timed_call("get_buffer", t0);
    if (!samples || n == 0) {
        nulls++;
        return;
    }
    if (puts_done == 0) {
        printf("buffer samples=%u\n", n);
    }
    long long first = tick * TICK_SAMPLES;
    for (uint32_t i = 0; i < n; i++) {
        double t = (double) (first + i) / RATE;
        int16_t l = (int16_t) lrint(12000 * sin(2 * M_PI * tone_left * t));
        int16_t r = (int16_t) lrint(8000 * sin(2 * M_PI * tone_right * t));
        samples[i] = (uint16_t) l | (uint32_t) (uint16_t) r << 16;
    }
    long long t = hostutil_now_ns();
    spice_server_playback_put_samples(&playback, samples);
    timed_call("put_samples", t);
    printf("put %lld %lld\n", tick, t);
    if (last_put_ns && t - last_put_ns > max_put_gap_ns) {
        max_put_gap_ns = t - last_put_ns;
    }
    last_put_ns = t;
    puts_done++;
}

static void record_tick(void)
{
    static uint32_t chunk[RECORD_CHUNK];
    long long t0 = hostutil_now_ns();
    uint32_t n = spice_server_record_get_samples(&record, chunk, RECORD_CHUNK);
    timed_call("record_get_samples", t0);
    for (uint32_t i = 0; i < n && rec_count < rec_cap; i++) {
        rec_left[rec_count] = (int16_t) (chunk[i] & 0xffff);
        rec_right[rec_count] = (int16_t) (chunk[i] >> 16);
        rec_count++;
    }
}

static void print_stat(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("stat %lld %lld %lld %ld %ld %ld\n", hostutil_now_ns(),
           ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec, ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec,
           hostutil_rss_kb(), puts_done, nulls);
}

/* In-place radix-2 FFT of n (a power of two) points. */
static void fft(double complex *x, size_t n)
{
    for (size_t i = 1, j = 0; i < n; i++) {
        size_t bit = n >> 1;
        for (; j & bit; bit >>= 1) {
            j ^= bit;
        }
        j ^= bit;
        if (i < j) {
            double complex t = x[i];
            x[i] = x[j];
            x[j] = t;
        }
    }
    for (size_t len = 2; len <= n; len <<= 1) {
        double complex w = cexp(-2 * M_PI * I / len);
        for (size_t i = 0; i < n; i += len) {
            double complex wk = 1;
            for (size_t k = 0; k < len / 2; k++) {
                double complex u = x[i + k], v = x[i + k + len / 2] * wk;
                x[i + k] = u + v;
                x[i + k + len / 2] = u - v;
                wk *= w;
            }
        }
    }
}

/* The strongest frequency of the last (up to) 65536 samples: Hann window, FFT, parabolic peak interpolation. */
static double dominant_hz(const int16_t *s, size_t count)
{
    size_t n = 1;
    while (n * 2 <= count && n < 65536) {
        n *= 2;
    }
    if (n < 4096) {
        return 0;
    }
    const int16_t *from = s + count - n;
    double complex *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) {
        x[i] = from[i] * (0.5 - 0.5 * cos(2 * M_PI * i / (n - 1)));
    }
    fft(x, n);
    size_t best = 1;
    for (size_t k = 1; k < n / 2 - 1; k++) {
        if (cabs(x[k]) > cabs(x[best])) {
            best = k;
        }
    }
    double a = cabs(x[best - 1]), b = cabs(x[best]), c = cabs(x[best + 1]);
    double d = a - 2 * b + c == 0 ? 0 : 0.5 * (a - c) / (a - 2 * b + c);
    free(x);
    return (best + d) * RATE / n;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        fprintf(stderr, "usage: audio_harness PORT\n");
        return 2;
    }
    long seconds = hostutil_env_long("HARNESS_SECONDS", 12);
    long volume_after_ms = hostutil_env_long("HARNESS_VOLUME_AFTER_MS", 1000);
    long stop_at_ms = hostutil_env_long("HARNESS_STOP_AT_MS", seconds * 1000 - 500);
    tone_left = hostutil_env_long("HARNESS_TONE_LEFT", 997);
    tone_right = hostutil_env_long("HARNESS_TONE_RIGHT", 1511);
    rec_cap = (size_t) RATE * (seconds + 1);
    rec_left = malloc(rec_cap * sizeof *rec_left);
    rec_right = malloc(rec_cap * sizeof *rec_right);
    /* touched now, so that VmRSS shows the library's memory rather than these buffers filling up */
    memset(rec_left, 0x55, rec_cap * sizeof *rec_left);
    memset(rec_right, 0x55, rec_cap * sizeof *rec_right);

    SpiceServer *s = spice_server_new();
    spice_server_set_port(s, atoi(argv[1]));
    spice_server_set_addr(s, "127.0.0.1", 0);
    spice_server_set_noauth(s);
    if (getenv("HARNESS_COMPRESSION")) {
        spice_server_set_playback_compression(s, atoi(getenv("HARNESS_COMPRESSION")));
    }
    hostloop_on_slow_callback = slow_callback;
    if (spice_server_init(s, hostloop_core("audio harness", channel_event)) != 0) {
        printf("init failed\n");
        return 1;
    }
    audiohost_add(s, &playback, &record);
    uint16_t early_volume[2] = { 0x1111, 0x2222 };
    spice_server_playback_set_volume(&playback, 2, early_volume);
    spice_server_playback_start(&playback);
    spice_server_record_start(&record);
    printf("ready\n");

    long long start = hostutil_now_ns();
    long long end = start + seconds * 1000000000LL;
    long long stop_at = start + stop_at_ms * 1000000LL;
    long long next_stat = start;
    long long tick = 0;
    long long volume_at = 0;
    int volume_phase = 0; /* 0 before the first frame, 1 waiting to set, 2 muted, 3 unmuted */
    int running = 1;
    for (long long now = start; now < end; now = hostutil_now_ns()) {
        long long due = start + tick * TICK_NS;
        if (running && now >= due) {
            int caught = 0;
            while (now >= start + tick * TICK_NS && caught++ < MAX_CATCH_UP) {
                play_tick(tick++);
            }
            if (now >= start + tick * TICK_NS) { /* stalled for long: restart the schedule here */
                tick = (now - start) / TICK_NS + 1;
            }
            record_tick();
            if (volume_phase == 0 && puts_done > 0) {
                volume_at = now + volume_after_ms * 1000000LL;
                volume_phase = 1;
            } else if (volume_phase == 1 && now >= volume_at) {
                uint16_t pv[2] = { 0x9000, 0x4000 }, rv[2] = { 0x7000, 0x3000 };
                spice_server_playback_set_volume(&playback, 2, pv);
                spice_server_playback_set_mute(&playback, 1);
                spice_server_record_set_volume(&record, 2, rv);
                spice_server_record_set_mute(&record, 1);
                printf("volume %lld\n", now);
                volume_at = now + 500000000LL;
                volume_phase = 2;
            } else if (volume_phase == 2 && now >= volume_at) {
                spice_server_playback_set_mute(&playback, 0);
                spice_server_record_set_mute(&record, 0);
                printf("unmute %lld\n", now);
                volume_phase = 3;
            }
            if (now >= stop_at) {
                spice_server_playback_stop(&playback);
                spice_server_record_stop(&record);
                printf("stop %lld\n", now);
                running = 0;
            }
        }
        if (now >= next_stat) {
            print_stat();
            next_stat += 1000000000LL;
        }
        long long wake = running ? start + tick * TICK_NS : next_stat;
        if (wake > end) {
            wake = end;
        }
        long long wait = wake - hostutil_now_ns();
        hostloop_once(wait <= 0 ? 0 : (int) ((wait + 999999) / 1000000), -1);
    }
    print_stat();
    printf("playback puts=%ld nulls=%ld max_put_gap_us=%lld max_call_us=%lld slow_calls=%lld max_callback_us=%lld\n",
           puts_done, nulls, max_put_gap_ns / 1000, max_call_ns / 1000, slow_calls, hostloop_longest_callback_ns() / 1000);
    printf("record samples=%zu left_hz=%.2f right_hz=%.2f\n", rec_count, dominant_hz(rec_left, rec_count),
           dominant_hz(rec_right, rec_count));
    printf("done\n");
    return 0;
}
