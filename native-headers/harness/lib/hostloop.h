/* The C harnesses' host main loop: a poll(2) loop implementing SpiceCoreInterface (timers and watches). */
#ifndef HARNESS_HOSTLOOP_H
#define HARNESS_HOSTLOOP_H

#include <spice.h>

/* The core interface to pass to spice_server_init; channel events go to on_event (may be NULL). */
SpiceCoreInterface *hostloop_core(const char *description, void (*on_event)(int event, SpiceChannelEventInfo *info));

/* Called first in every core callback (the bridge harness checks the calling thread there); NULL by default. */
extern void (*hostloop_on_core_call)(void);

/* One iteration: poll the watches (and extra_fd, an eventfd drained when readable; -1 for none), run due timers. */
void hostloop_once(int timeout_ms, int extra_fd);

long long hostloop_now_ms(void);

/*
 * Called after a watch or timer callback that took over 5 ms (the server held the host's loop that long), with the
 * callback's start on CLOCK_MONOTONIC and its duration in ns; NULL (the default) for none.
 */
extern void (*hostloop_on_slow_callback)(const char *kind, long long start_ns, long long ns);

/* The longest watch or timer callback so far, in ns. */
long long hostloop_longest_callback_ns(void);

/* Watches that currently wait for reading. */
int hostloop_read_watches(void);

#endif
