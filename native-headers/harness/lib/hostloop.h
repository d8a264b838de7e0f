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

/* Watches that currently wait for reading. */
int hostloop_read_watches(void);

#endif
