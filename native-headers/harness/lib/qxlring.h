/* A QXL command ring between a harness (producer) and the server's worker thread (consumer, via get_command). */
#ifndef HARNESS_QXLRING_H
#define HARNESS_QXLRING_H

#include <pthread.h>
#include <spice.h>

#define QXLRING_SIZE 1024

struct qxlring {
    QXLCommandExt cmds[QXLRING_SIZE];
    unsigned head, tail;
    pthread_mutex_t lock;
};

#define QXLRING_INIT { .lock = PTHREAD_MUTEX_INITIALIZER }

/* Queues a command; returns -1 (nothing queued) when the ring is full. */
int qxlring_push(struct qxlring *r, QXLPHYSICAL data, uint32_t type, uint32_t group_id);

/* Takes the oldest command into *out; returns 0 when the ring is empty. */
int qxlring_pop(struct qxlring *r, QXLCommandExt *out);

unsigned qxlring_len(struct qxlring *r);

#endif
