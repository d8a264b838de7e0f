/*
 * A do-nothing host for benchmarks of the Java->C path: a SpiceCoreInterface whose timer and watch functions
 * only count calls, and a keyboard instance whose callbacks do the same. Built as libbenchhost.so.
 */
#include <spice.h>

static volatile long calls;
static int timer_token;

static SpiceTimer *timer_add(SpiceTimerFunc func, void *opaque) { calls++; return (SpiceTimer *) &timer_token; }
static void timer_start(SpiceTimer *timer, uint32_t ms) { calls++; }
static void timer_cancel(SpiceTimer *timer) { calls++; }
static void timer_remove(SpiceTimer *timer) { calls++; }
static SpiceWatch *watch_add(int fd, int mask, SpiceWatchFunc func, void *opaque) { calls++; return (SpiceWatch *) &timer_token; }
static void watch_update_mask(SpiceWatch *watch, int mask) { calls++; }
static void watch_remove(SpiceWatch *watch) { calls++; }
static void channel_event(int event, SpiceChannelEventInfo *info) { calls++; }

SpiceCoreInterface bench_core_interface = {
    .base = { .type = SPICE_INTERFACE_CORE, .description = "bench", .major_version = 1, .minor_version = 3 },
    .timer_add = timer_add, .timer_start = timer_start, .timer_cancel = timer_cancel, .timer_remove = timer_remove,
    .watch_add = watch_add, .watch_update_mask = watch_update_mask, .watch_remove = watch_remove,
    .channel_event = channel_event,
};

static void push_scan_freg(SpiceKbdInstance *sin, uint8_t frag) { calls++; }
static uint8_t get_leds(SpiceKbdInstance *sin) { return 0; }

static const SpiceKbdInterface kbd_interface = {
    .base = { .type = SPICE_INTERFACE_KEYBOARD, .description = "bench", .major_version = 1, .minor_version = 1 },
    .push_scan_freg = push_scan_freg, .get_leds = get_leds,
};
SpiceKbdInstance bench_kbd_instance = { .base = { .sif = &kbd_interface.base } };

long bench_calls(void) { return calls; }
