/*
 * A SPICE server host with keyboard, mouse and tablet that prints every input callback it receives, for a real
 * client to drive. Usage: inputs_harness PORT [PASSWORD]. When the client presses ESC (scancode 0x01) the guest
 * "turns on" Caps Lock (spice_server_kbd_leds) so the client sees the LED; the key 'Q' released (0x90) ends the
 * run. Exits after 20 s at the latest (HARNESS_SECONDS overrides). HARNESS_TIMESTAMPS=1 adds the monotonic time of
 * each key callback, for latency benchmarks. Prints only what must be equal for the reference library and ours.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spice.h>

#include "lib/hostloop.h"
#include "lib/tlsopt.h"

static int finished;
static SpiceKbdInstance kbd;
static int leds;

static void channel_event(int event, SpiceChannelEventInfo *info)
{
    if (event == SPICE_CHANNEL_EVENT_INITIALIZED) {
        printf("channel initialized type=%d id=%d\n", info->type, info->id);
    }
}
static int timestamps;

static void kbd_push(SpiceKbdInstance *sin, uint8_t frag)
{
    if (timestamps) { /* CLOCK_MONOTONIC is shared with the client process: latency = this - send time */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        printf("key %02x t=%lld\n", frag, ts.tv_sec * 1000000000LL + ts.tv_nsec);
    } else {
        printf("key %02x\n", frag);
    }
    if (frag == 0x01) {
        leds = 4; /* caps lock on */
        spice_server_kbd_leds(&kbd, leds);
    }
    if (frag == 0x90) {
        finished = 1;
    }
}
static uint8_t kbd_get_leds(SpiceKbdInstance *sin) { return leds; }
static const SpiceKbdInterface kbd_if = {
    .base = { SPICE_INTERFACE_KEYBOARD, "kbd", SPICE_INTERFACE_KEYBOARD_MAJOR, SPICE_INTERFACE_KEYBOARD_MINOR },
    .push_scan_freg = kbd_push, .get_leds = kbd_get_leds,
};
static void mouse_motion(SpiceMouseInstance *sin, int dx, int dy, int dz, uint32_t b)
{
    printf("mouse motion dx=%d dy=%d dz=%d buttons=%u\n", dx, dy, dz, b);
}
static void mouse_buttons(SpiceMouseInstance *sin, uint32_t b) { printf("mouse buttons %u\n", b); }
static const SpiceMouseInterface mouse_if = {
    .base = { SPICE_INTERFACE_MOUSE, "mouse", SPICE_INTERFACE_MOUSE_MAJOR, SPICE_INTERFACE_MOUSE_MINOR },
    .motion = mouse_motion, .buttons = mouse_buttons,
};

static void tablet_size(SpiceTabletInstance *t, int w, int h) { printf("tablet size %dx%d\n", w, h); }
static void tablet_position(SpiceTabletInstance *t, int x, int y, uint32_t b)
{
    printf("tablet position x=%d y=%d buttons=%u\n", x, y, b);
}
static void tablet_wheel(SpiceTabletInstance *t, int dz, uint32_t b) { printf("tablet wheel dz=%d buttons=%u\n", dz, b); }
static void tablet_buttons(SpiceTabletInstance *t, uint32_t b) { printf("tablet buttons %u\n", b); }
static const SpiceTabletInterface tablet_if = {
    .base = { SPICE_INTERFACE_TABLET, "tablet", SPICE_INTERFACE_TABLET_MAJOR, SPICE_INTERFACE_TABLET_MINOR },
    .set_logical_size = tablet_size, .position = tablet_position, .wheel = tablet_wheel, .buttons = tablet_buttons,
};

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN); /* as QEMU does: a client that goes away must not kill the host */
    timestamps = getenv("HARNESS_TIMESTAMPS") != NULL;
    SpiceServer *s = spice_server_new();
    spice_server_set_port(s, atoi(argv[1]));
    spice_server_set_addr(s, "127.0.0.1", 0);
    if (harness_tls_from_env(s) != 0) { /* HARNESS_TLS_PORT, HARNESS_X509_DIR: scripts/bench-tls */
        return 1;
    }
    if (argc > 2) {
        spice_server_set_ticket(s, argv[2], 0, 0, 0);
    } else {
        spice_server_set_noauth(s);
    }
    if (spice_server_init(s, hostloop_core("inputs harness", channel_event)) != 0) {
        printf("init failed\n");
        return 1;
    }
    kbd.base.sif = &kbd_if.base;
    SpiceMouseInstance mouse = { .base = { .sif = &mouse_if.base } };
    spice_server_add_interface(s, &kbd.base);
    spice_server_add_interface(s, &mouse.base);
    SpiceTabletInstance tablet = { .base = { .sif = &tablet_if.base } };
    if (getenv("HARNESS_TABLET")) { /* a tablet allows the client mouse mode */
        spice_server_add_interface(s, &tablet.base);
    }
    printf("ready\n");
    long long end = hostloop_now_ms() + 1000LL * (getenv("HARNESS_SECONDS") ? atoi(getenv("HARNESS_SECONDS")) : 20);
    while (!finished && hostloop_now_ms() < end) {
        hostloop_once(20, -1);
    }
    printf(finished ? "done\n" : "TIMEOUT\n");
    return 0;
}
