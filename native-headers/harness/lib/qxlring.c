#include <string.h>

#include "qxlring.h"

int qxlring_push(struct qxlring *r, QXLPHYSICAL data, uint32_t type, uint32_t group_id)
{
    pthread_mutex_lock(&r->lock);
    if (r->head - r->tail >= QXLRING_SIZE) {
        pthread_mutex_unlock(&r->lock);
        return -1;
    }
    QXLCommandExt *c = &r->cmds[r->head++ % QXLRING_SIZE];
    memset(c, 0, sizeof *c);
    c->cmd.data = data;
    c->cmd.type = type;
    c->group_id = group_id;
    pthread_mutex_unlock(&r->lock);
    return 0;
}

int qxlring_pop(struct qxlring *r, QXLCommandExt *out)
{
    pthread_mutex_lock(&r->lock);
    int got = r->head != r->tail;
    if (got) {
        *out = r->cmds[r->tail++ % QXLRING_SIZE];
    }
    pthread_mutex_unlock(&r->lock);
    return got;
}

unsigned qxlring_len(struct qxlring *r)
{
    pthread_mutex_lock(&r->lock);
    unsigned n = r->head - r->tail;
    pthread_mutex_unlock(&r->lock);
    return n;
}
