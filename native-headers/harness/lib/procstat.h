#ifndef HARNESS_PROCSTAT_H
#define HARNESS_PROCSTAT_H

/* This process's resident set (VmRSS) in KiB, or -1. */
long procstat_rss_kb(void);

#endif
