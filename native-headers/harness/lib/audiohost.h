#ifndef HARNESS_AUDIOHOST_H
#define HARNESS_AUDIOHOST_H

#include <spice.h>

/* Adds a playback and a record interface at their best rates, as QEMU's audio backend does; neither is started. */
void audiohost_add(SpiceServer *s, SpicePlaybackInstance *playback, SpiceRecordInstance *record);

#endif
