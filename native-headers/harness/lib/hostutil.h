#ifndef HARNESS_HOSTUTIL_H
#define HARNESS_HOSTUTIL_H

/* CLOCK_MONOTONIC in nanoseconds (a Java client's System.nanoTime on Linux). */
long long hostutil_now_ns(void);

/* The environment variable as a number, or fallback when unset or empty. */
long hostutil_env_long(const char *name, long fallback);

/* This process's resident set (VmRSS) in KiB, or -1. */
long hostutil_rss_kb(void);

#endif
