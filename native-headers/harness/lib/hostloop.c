#define _GNU_SOURCE
#include <poll.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "hostloop.h"

#define MAX_ITEMS 256

struct SpiceTimer { int used; SpiceTimerFunc func; void *opaque; long long due_ms; };
struct SpiceWatch { int used; int fd; int mask; SpiceWatchFunc func; void *opaque; unsigned generation; };
static struct SpiceTimer timers[MAX_ITEMS];
static struct SpiceWatch watches[MAX_ITEMS];
static void (*channel_event_sink)(int event, SpiceChannelEventInfo *info);
void (*hostloop_on_core_call)(void);
void (*hostloop_on_slow_callback)(const char *kind, long long start_ns, long long ns);
static long long longest_callback_ns;

#define SLOW_CALLBACK_NS 5000000LL

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void callback_took(const char *kind, long long start)
{
    long long ns = now_ns() - start;
    if (ns > longest_callback_ns) {
        longest_callback_ns = ns;
    }
    if (ns > SLOW_CALLBACK_NS && hostloop_on_slow_callback) {
        hostloop_on_slow_callback(kind, start, ns);
    }
}

long long hostloop_longest_callback_ns(void)
{
    return longest_callback_ns;
}

long long hostloop_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void core_call(void)
{
    if (hostloop_on_core_call) {
        hostloop_on_core_call();
    }
}

static SpiceTimer *timer_add(SpiceTimerFunc func, void *opaque)
{
    core_call();
    for (int i = 0; i < MAX_ITEMS; i++) {
        if (!timers[i].used) {
            timers[i] = (struct SpiceTimer) { 1, func, opaque, -1 };
            return &timers[i];
        }
    }
    return NULL;
}
static void timer_start(SpiceTimer *t, uint32_t ms) { core_call(); t->due_ms = hostloop_now_ms() + ms; }
static void timer_cancel(SpiceTimer *t) { core_call(); t->due_ms = -1; }
static void timer_remove(SpiceTimer *t) { core_call(); t->used = 0; }

static SpiceWatch *watch_add(int fd, int mask, SpiceWatchFunc func, void *opaque)
{
    core_call();
    for (int i = 0; i < MAX_ITEMS; i++) {
        if (!watches[i].used) {
            /* a new generation: events polled for a removed watch must not reach its successor */
            watches[i] = (struct SpiceWatch) { 1, fd, mask, func, opaque, watches[i].generation + 1 };
            return &watches[i];
        }
    }
    return NULL;
}
static void watch_update_mask(SpiceWatch *w, int mask) { core_call(); w->mask = mask; }
static void watch_remove(SpiceWatch *w) { core_call(); w->used = 0; }

static void channel_event(int event, SpiceChannelEventInfo *info)
{
    core_call();
    if (channel_event_sink) {
        channel_event_sink(event, info);
    }
}

static SpiceCoreInterface core = {
    .base = { SPICE_INTERFACE_CORE, "harness", SPICE_INTERFACE_CORE_MAJOR, SPICE_INTERFACE_CORE_MINOR },
    .timer_add = timer_add, .timer_start = timer_start, .timer_cancel = timer_cancel, .timer_remove = timer_remove,
    .watch_add = watch_add, .watch_update_mask = watch_update_mask, .watch_remove = watch_remove,
    .channel_event = channel_event,
};

SpiceCoreInterface *hostloop_core(const char *description, void (*on_event)(int event, SpiceChannelEventInfo *info))
{
    core.base.description = description;
    channel_event_sink = on_event;
    return &core;
}

void hostloop_once(int timeout_ms, int extra_fd)
{
    struct pollfd fds[MAX_ITEMS + 1];
    int idx[MAX_ITEMS], n = 0;
    unsigned gen[MAX_ITEMS];
    for (int i = 0; i < MAX_ITEMS; i++) {
        if (watches[i].used) {
            fds[n] = (struct pollfd) { watches[i].fd,
                (short) (((watches[i].mask & SPICE_WATCH_EVENT_READ) ? POLLIN : 0) |
                         ((watches[i].mask & SPICE_WATCH_EVENT_WRITE) ? POLLOUT : 0)), 0 };
            gen[n] = watches[i].generation;
            idx[n++] = i;
        }
    }
    int polled = n;
    if (extra_fd >= 0) {
        fds[polled++] = (struct pollfd) { extra_fd, POLLIN, 0 };
    }
    poll(fds, polled, timeout_ms);
    if (extra_fd >= 0 && (fds[n].revents & POLLIN)) {
        uint64_t v;
        if (read(extra_fd, &v, sizeof v) < 0) { /* already drained */ }
    }
    for (int i = 0; i < n; i++) {
        struct SpiceWatch *w = &watches[idx[i]];
        if (fds[i].revents && w->used && w->generation == gen[i]) {
            long long start = now_ns();
            w->func(w->fd, ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) ? SPICE_WATCH_EVENT_READ : 0) |
                           ((fds[i].revents & POLLOUT) ? SPICE_WATCH_EVENT_WRITE : 0), w->opaque);
            callback_took("watch", start);
        }
    }
    for (int i = 0; i < MAX_ITEMS; i++) {
        if (timers[i].used && timers[i].due_ms >= 0 && timers[i].due_ms <= hostloop_now_ms()) {
            timers[i].due_ms = -1;
            long long start = now_ns();
            timers[i].func(timers[i].opaque);
            callback_took("timer", start);
        }
    }
}

int hostloop_read_watches(void)
{
    int n = 0;
    for (int i = 0; i < MAX_ITEMS; i++) {
        n += watches[i].used && (watches[i].mask & SPICE_WATCH_EVENT_READ);
    }
    return n;
}
