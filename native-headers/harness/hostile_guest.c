/*
 * A hostile guest: a fake QXL device that pushes one crafted bad command (or spice_qxl_* call) per named case and
 * checks that the server survives it, releases every command exactly once and still draws afterwards.
 *
 * Usage: hostile_guest [--list | --guard-check | CASE...]   (no CASE: every case, in order)
 *   --guard-check reads the byte just past a slot itself: it must die of SIGSEGV, or the guard proves nothing.
 *
 * Guest memory is two memslots, each its own mapping with an inaccessible page right before and right after it:
 * a read outside a slot kills the process with SIGSEGV. Slot 0 ("main", generation 0) holds the primary surface
 * and the well-formed structures; slot 1 ("edge", generation 1, 64 KiB) holds whatever must end exactly at a
 * slot's end. Guest addresses carry the slot id in bits 56..63 and the generation in bits 48..55.
 *
 * Per case it prints "case NAME begin" (on stderr too, before the server's log lines for the case), then
 * "case NAME survived released=R/N kept=K async=A probe=P ms=T RESULT" where N counts the commands that must be
 * back by now, K surface creates the server may keep until the final reset, A completed async calls of A expected,
 * P whether a valid fill drawn after the case reached the primary surface memory, T how long the case took, and
 * RESULT is "ok" or "FAIL(why)" (also when the case took more than STALL_MS). At the end, after a device reset,
 * "released N of M (never X, double Y, bad Z, unreadable-released U)" then "done".
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <spice.h>

#include "lib/hostloop.h"
#include "lib/qxlring.h"

/* ---------------------------------------------------------------- guest memory: guarded memslots */

#define PAGE 4096u
#define SLOT_ID_SHIFT 56
#define SLOT_GEN_SHIFT 48
#define GUEST_START 0x1000u /* the guest address of each slot's first byte (below it: not in the slot) */
#define MAIN_SIZE (48u << 20)
#define EDGE_SIZE (64u << 10)
#define EDGE_GEN 1

struct slot {
    uint8_t *base;
    size_t size, used;
    uint32_t id, generation;
};
static struct slot main_slot = { .id = 0, .generation = 0 }, edge_slot = { .id = 1, .generation = EDGE_GEN };

/* Maps the slot with an inaccessible page on either side. */
static void map_slot(struct slot *s, size_t size)
{
    uint8_t *p = mmap(NULL, size + 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || mprotect(p, PAGE, PROT_NONE) || mprotect(p + PAGE + size, PAGE, PROT_NONE)) {
        perror("map_slot");
        exit(2);
    }
    s->base = p + PAGE;
    s->size = size;
}

/* The QXL address of host byte offset `off` of slot s (off may be negative or past the end), with a generation. */
static QXLPHYSICAL addr_gen(const struct slot *s, int64_t off, uint32_t generation)
{
    return (uint64_t) s->id << SLOT_ID_SHIFT | (uint64_t) generation << SLOT_GEN_SHIFT | (uint64_t) (GUEST_START + off);
}
static QXLPHYSICAL addr_at(const struct slot *s, int64_t off) { return addr_gen(s, off, s->generation); }
static QXLPHYSICAL addr_of(const struct slot *s, const void *p) { return addr_at(s, (const uint8_t *) p - s->base); }
static QXLPHYSICAL gaddr(const void *p) { return addr_of(&main_slot, p); }
static QXLPHYSICAL eaddr(const void *p) { return addr_of(&edge_slot, p); }

/* Zeroed memory in the main slot. */
static void *galloc(size_t n)
{
    main_slot.used = (main_slot.used + 15) & ~(size_t) 15;
    if (main_slot.used + n > main_slot.size) {
        printf("out of guest memory\n");
        exit(2);
    }
    void *p = main_slot.base + main_slot.used;
    memset(p, 0, n);
    main_slot.used += n;
    return p;
}

/* Zeroed memory whose last byte is the edge slot's last byte (what follows is the guard page). */
static void *edge_tail(size_t n)
{
    uint8_t *p = edge_slot.base + edge_slot.size - n;
    memset(p, 0, n);
    return p;
}

/* ---------------------------------------------------------------- release accounting */

enum release_kind {
    RELEASE_NOW,        /* must be back when the case ends */
    RELEASE_AT_RESET,   /* a surface create the server may keep while the surface lives */
    RELEASE_NEVER,      /* its release info is itself outside every memslot: nothing may be read from it */
};

#define MAX_CMDS 1024
static struct { int case_idx; enum release_kind kind; atomic_int releases; } cmds[MAX_CMDS];
static atomic_uint cmds_made, bad_releases, fetched, pushed;
static atomic_int async_done[MAX_CMDS];
static unsigned async_asked;
static int current_case;

/* A new release id for a command of the current case. */
static uint64_t track(enum release_kind kind)
{
    unsigned id = atomic_load(&cmds_made) + 1;
    if (id >= MAX_CMDS) {
        printf("too many commands\n");
        exit(2);
    }
    cmds[id].case_idx = current_case;
    cmds[id].kind = kind;
    atomic_store(&cmds_made, id);
    return id;
}

/* ---------------------------------------------------------------- the device */

static struct qxlring draw_ring = QXLRING_INIT, cursor_ring = QXLRING_INIT;
static QXLInstance qxl;

static void attach_worker(QXLInstance *sin, QXLWorker *worker)
{
    const struct slot *slots[] = { &main_slot, &edge_slot };
    for (int i = 0; i < 2; i++) {
        const struct slot *s = slots[i];
        QXLDevMemSlot m = {
            .slot_group_id = 0, .slot_id = s->id, .generation = s->generation,
            .virt_start = (uintptr_t) s->base, .virt_end = (uintptr_t) s->base + s->size,
            .addr_delta = (uintptr_t) s->base - GUEST_START,
        };
        spice_qxl_add_memslot(sin, &m);
    }
}
static void set_compression_level(QXLInstance *sin, int level) { }
static void set_mm_time(QXLInstance *sin, uint32_t mm_time) { }
static void get_init_info(QXLInstance *sin, QXLDevInitInfo *info)
{
    memset(info, 0, sizeof *info);
    info->num_memslots_groups = 1;
    info->num_memslots = 4;
    info->memslot_gen_bits = 64 - SLOT_ID_SHIFT;
    info->memslot_id_bits = 64 - SLOT_ID_SHIFT;
    info->qxl_ram_size = MAIN_SIZE;
    info->internal_groupslot_id = 0;
    info->n_surfaces = 1024;
}
static int get_command(QXLInstance *sin, QXLCommandExt *cmd)
{
    int got = qxlring_pop(&draw_ring, cmd);
    atomic_fetch_add(&fetched, got);
    return got;
}
static int req_cmd_notification(QXLInstance *sin) { return qxlring_len(&draw_ring) == 0; }
static int get_cursor_command(QXLInstance *sin, QXLCommandExt *cmd)
{
    int got = qxlring_pop(&cursor_ring, cmd);
    atomic_fetch_add(&fetched, got);
    return got;
}
static int req_cursor_notification(QXLInstance *sin) { return qxlring_len(&cursor_ring) == 0; }
static void release_resource(QXLInstance *sin, QXLReleaseInfoExt ext)
{
    uint64_t id = ext.info ? ext.info->id : 0;
    if (id < 1 || id > atomic_load(&cmds_made) || ext.group_id != 0) {
        atomic_fetch_add(&bad_releases, 1);
        fprintf(stderr, "bad release id=%llu group=%u\n", (unsigned long long) id, ext.group_id);
        return;
    }
    atomic_fetch_add(&cmds[id].releases, 1);
}
static void notify_update(QXLInstance *sin, uint32_t update_id) { }
static int flush_resources(QXLInstance *sin) { return 0; }
static void async_complete(QXLInstance *sin, uint64_t cookie)
{
    if (cookie < MAX_CMDS) {
        atomic_fetch_add(&async_done[cookie], 1);
    }
}
static void update_area_complete(QXLInstance *sin, uint32_t surface_id, QXLRect *rects, uint32_t n) { }
static void set_client_capabilities(QXLInstance *sin, uint8_t present, uint8_t caps[SPICE_CAPABILITIES_SIZE]) { }
static int client_monitors_config(QXLInstance *sin, VDAgentMonitorsConfig *mc) { return 0; }

static const QXLInterface qxl_if = {
    .base = { SPICE_INTERFACE_QXL, "qxl", SPICE_INTERFACE_QXL_MAJOR, SPICE_INTERFACE_QXL_MINOR },
    .attache_worker = attach_worker,
    .set_compression_level = set_compression_level,
    .set_mm_time = set_mm_time,
    .get_init_info = get_init_info,
    .get_command = get_command,
    .req_cmd_notification = req_cmd_notification,
    .release_resource = release_resource,
    .get_cursor_command = get_cursor_command,
    .req_cursor_notification = req_cursor_notification,
    .notify_update = notify_update,
    .flush_resources = flush_resources,
    .async_complete = async_complete,
    .update_area_complete = update_area_complete,
    .set_client_capabilities = set_client_capabilities,
    .client_monitors_config = client_monitors_config,
};

/* ---------------------------------------------------------------- sending commands */

static void push(struct qxlring *r, QXLPHYSICAL data, uint32_t type)
{
    if (qxlring_push(r, data, type, 0) != 0) {
        printf("ring full\n");
        exit(2);
    }
    atomic_fetch_add(&pushed, 1);
    spice_qxl_wakeup(&qxl);
}

static void send_draw(QXLDrawable *d) { push(&draw_ring, gaddr(d), QXL_CMD_DRAW); }
static void send_cursor(QXLCursorCmd *c) { push(&cursor_ring, gaddr(c), QXL_CMD_CURSOR); }
static void send_surface(QXLSurfaceCmd *s) { push(&draw_ring, gaddr(s), QXL_CMD_SURFACE); }

/* A drawable on the primary in the main slot; its release id says it must come back by the case's end. */
static QXLDrawable *init_drawable(QXLDrawable *d, uint8_t type, int left, int top, int right, int bottom)
{
    d->release_info.id = track(RELEASE_NOW);
    d->surface_id = 0;
    d->effect = QXL_EFFECT_OPAQUE;
    d->type = type;
    d->bbox = (QXLRect) { .top = top, .left = left, .bottom = bottom, .right = right };
    d->clip.type = SPICE_CLIP_TYPE_NONE;
    for (int i = 0; i < 3; i++) {
        d->surfaces_dest[i] = -1;
    }
    return d;
}
static QXLDrawable *new_drawable(uint8_t type, int left, int top, int right, int bottom)
{
    return init_drawable(galloc(sizeof(QXLDrawable)), type, left, top, right, bottom);
}

static QXLDrawable *fill(int left, int top, int right, int bottom, uint32_t color)
{
    QXLDrawable *d = new_drawable(QXL_DRAW_FILL, left, top, right, bottom);
    d->u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
    d->u.fill.brush.u.color = color;
    d->u.fill.rop_descriptor = SPICE_ROPD_OP_PUT;
    return d;
}

/* A DRAW_COPY of the image at `image` (w x h source area) to (x, y) on the primary. */
static QXLDrawable *copy_from(QXLPHYSICAL image, int x, int y, int w, int h)
{
    QXLDrawable *d = new_drawable(QXL_DRAW_COPY, x, y, x + w, y + h);
    d->u.copy.src_bitmap = image;
    d->u.copy.src_area = (QXLRect) { .top = 0, .left = 0, .bottom = h, .right = w };
    d->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
    d->u.copy.scale_mode = SPICE_IMAGE_SCALE_MODE_NEAREST;
    return d;
}

static uint64_t next_image_id = 1;

/* A bitmap image header (in the main slot unless `at` is given) with no data and no palette yet. */
static QXLImage *bitmap_image(QXLImage *at, uint8_t format, uint32_t w, uint32_t h, uint32_t stride, uint8_t flags)
{
    QXLImage *img = at ? at : galloc(sizeof *img);
    img->descriptor.id = next_image_id++ << 32 | QXL_IMAGE_GROUP_DEVICE;
    img->descriptor.type = SPICE_IMAGE_TYPE_BITMAP;
    img->descriptor.width = w;
    img->descriptor.height = h;
    img->bitmap.format = format;
    img->bitmap.flags = flags;
    img->bitmap.x = w;
    img->bitmap.y = h;
    img->bitmap.stride = stride;
    return img;
}

/* A well-formed direct 32-bit top-down bitmap image in the main slot, one colour. */
static QXLImage *solid_image(uint32_t w, uint32_t h, uint32_t color)
{
    QXLImage *img = bitmap_image(NULL, SPICE_BITMAP_FMT_32BIT, w, h, w * 4, QXL_BITMAP_DIRECT | QXL_BITMAP_TOP_DOWN);
    uint32_t *px = galloc((size_t) w * h * 4);
    for (size_t i = 0; i < (size_t) w * h; i++) {
        px[i] = color;
    }
    img->bitmap.data = gaddr(px);
    return img;
}

static QXLImage *surface_image(uint32_t surface_id, uint32_t w, uint32_t h)
{
    QXLImage *img = galloc(sizeof *img);
    img->descriptor.type = SPICE_IMAGE_TYPE_SURFACE;
    img->descriptor.width = w;
    img->descriptor.height = h;
    img->surface_image.surface_id = surface_id;
    return img;
}

/* A chunk in `mem` holding `size` data bytes (the declared data_size may lie: it is set by the caller). */
static QXLDataChunk *chunk_at(void *mem, uint32_t data_size)
{
    QXLDataChunk *c = mem;
    c->data_size = data_size;
    c->prev_chunk = 0;
    c->next_chunk = 0;
    return c;
}
static QXLDataChunk *new_chunk(uint32_t bytes) { return chunk_at(galloc(sizeof(QXLDataChunk) + bytes), bytes); }

static QXLSurfaceCmd *surface_cmd(uint32_t surface_id, uint8_t type, enum release_kind kind)
{
    QXLSurfaceCmd *s = galloc(sizeof *s);
    s->release_info.id = track(kind);
    s->surface_id = surface_id;
    s->type = type;
    return s;
}

static QXLSurfaceCmd *surface_create(uint32_t surface_id, uint32_t w, uint32_t h, int32_t stride, QXLPHYSICAL data,
                                     enum release_kind kind)
{
    QXLSurfaceCmd *s = surface_cmd(surface_id, QXL_SURFACE_CMD_CREATE, kind);
    s->u.surface_create = (QXLSurface) { .format = SPICE_SURFACE_FMT_32_xRGB, .width = w, .height = h,
                                         .stride = stride, .data = data };
    return s;
}

static QXLCursorCmd *cursor_set(QXLPHYSICAL shape)
{
    QXLCursorCmd *c = galloc(sizeof *c);
    c->release_info.id = track(RELEASE_NOW);
    c->type = QXL_CURSOR_SET;
    c->u.set.position = (QXLPoint16) { .x = 10, .y = 10 };
    c->u.set.visible = 1;
    c->u.set.shape = shape;
    return c;
}

/* An ALPHA cursor header w x h that declares `data_size` bytes; the chunk's own size is set by the caller. */
static QXLCursor *cursor_shape(void *mem, uint16_t w, uint16_t h, uint32_t data_size, uint32_t chunk_size)
{
    QXLCursor *c = mem;
    memset(c, 0, sizeof *c);
    c->header.unique = 0;
    c->header.type = SPICE_CURSOR_TYPE_ALPHA;
    c->header.width = w;
    c->header.height = h;
    c->data_size = data_size;
    c->chunk.data_size = chunk_size;
    return c;
}

/* A new cookie for an async call; its completion is counted by async_complete. */
static uint64_t new_cookie(void) { return ++async_asked; }

static void monitors_config(QXLPHYSICAL mc) { spice_qxl_monitors_config_async(&qxl, mc, 0, new_cookie()); }

/* ---------------------------------------------------------------- the primary surface */

#define PRIMARY_W 640
#define PRIMARY_H 480
static uint8_t *primary;

/* As QEMU's host primary: xRGB, stride -width*4, mem = start of the buffer (row 0 is the buffer's last row). */
static void create_valid_primary(void)
{
    QXLDevSurfaceCreate surface = {
        .width = PRIMARY_W, .height = PRIMARY_H, .stride = -PRIMARY_W * 4, .format = SPICE_SURFACE_FMT_32_xRGB,
        .mouse_mode = 1, .mem = gaddr(primary), .group_id = 0,
    };
    spice_qxl_create_primary_surface(&qxl, 0, &surface);
}

static uint32_t primary_pixel(int x, int y)
{
    uint32_t v;
    memcpy(&v, primary + (size_t) (PRIMARY_H - 1 - y) * PRIMARY_W * 4 + 4 * x, 4);
    return v & 0xffffff;
}

/* Replaces the primary with one made of the given (hostile) parameters, then restores the valid one. */
static void hostile_primary(uint32_t w, uint32_t h, int32_t stride, QXLPHYSICAL mem)
{
    spice_qxl_destroy_surfaces(&qxl);
    QXLDevSurfaceCreate surface = {
        .width = w, .height = h, .stride = stride, .format = SPICE_SURFACE_FMT_32_xRGB, .mouse_mode = 1, .mem = mem,
    };
    spice_qxl_create_primary_surface(&qxl, 0, &surface);
    spice_qxl_destroy_surfaces(&qxl);
    create_valid_primary();
}

/* ---------------------------------------------------------------- the cases */

static void settle(int c);

/* Where a case that draws something valid puts it, and the colour it must have there (0: nothing to check). */
static int check_x, check_y;
static uint32_t check_color;

static void expect_pixel(int x, int y, uint32_t color)
{
    check_x = x;
    check_y = y;
    check_color = color;
}

static void draw_target_surface_out_of_range(void)
{
    QXLDrawable *d = fill(0, 0, 8, 8, 0xff0000);
    d->surface_id = 100000;
    send_draw(d);
}

static void draw_target_surface_missing(void)
{
    QXLDrawable *d = fill(0, 0, 8, 8, 0xff0000);
    d->surface_id = 5;
    send_draw(d);
}

static void draw_surfaces_dest_out_of_range(void)
{
    QXLDrawable *d = fill(0, 0, 8, 8, 0xff0000);
    d->surfaces_dest[0] = 100000;
    send_draw(d);
}

static void copy_source_surface_out_of_range(void)
{
    send_draw(copy_from(gaddr(surface_image(100000, 8, 8)), 0, 0, 8, 8));
}

static void copy_source_surface_missing(void)
{
    send_draw(copy_from(gaddr(surface_image(7, 8, 8)), 0, 0, 8, 8));
}

static void surface_create_out_of_range(void)
{
    uint8_t *mem = galloc(64 * 64 * 4);
    send_surface(surface_create(100000, 64, 64, 64 * 4, gaddr(mem), RELEASE_NOW));
}

static void surface_destroy_out_of_range(void)
{
    send_surface(surface_cmd(100000, QXL_SURFACE_CMD_DESTROY, RELEASE_NOW));
}

static void surface_destroy_missing(void)
{
    send_surface(surface_cmd(9, QXL_SURFACE_CMD_DESTROY, RELEASE_NOW));
}

static void surface_create_size_overflow(void)
{
    /* stride * height = 2^34: 0 in 32 bits; the data is 16 bytes at the edge slot's end */
    send_surface(surface_create(3, 0x10000, 0x10000, 0x40000, eaddr(edge_tail(16)), RELEASE_NOW));
}

static void surface_create_stride_min(void)
{
    send_surface(surface_create(3, 16, 16, INT32_MIN, eaddr(edge_tail(16)), RELEASE_NOW));
}

static void surface_create_past_slot(void)
{
    /* 64x64x4 = 16 KiB declared, 100 bytes before the edge slot's end */
    send_surface(surface_create(3, 64, 64, 64 * 4, eaddr(edge_tail(100)), RELEASE_NOW));
}

static void surface_create_existing(void)
{
    uint8_t *mem = galloc(32 * 32 * 4);
    send_surface(surface_create(4, 32, 32, 32 * 4, gaddr(mem), RELEASE_AT_RESET));
    send_surface(surface_create(4, 32, 32, 32 * 4, gaddr(mem), RELEASE_AT_RESET));
}

static void primary_size_overflow(void)
{
    hostile_primary(0x10000, 0x10000, -0x40000, eaddr(edge_tail(16)));
}

static void primary_row_overflow(void)
{
    hostile_primary(0x40000000, 1, 4, eaddr(edge_tail(16))); /* width * 4 is 0 in 32 bits */
}

static void primary_stride_min(void)
{
    hostile_primary(16, 16, INT32_MIN, eaddr(edge_tail(16)));
}

static void primary_past_slot(void)
{
    hostile_primary(PRIMARY_W, PRIMARY_H, -PRIMARY_W * 4, eaddr(edge_tail(4096)));
}

/* A 16x16 32-bit chunked bitmap whose first chunk is `first`. */
static void send_chunked_copy(QXLPHYSICAL first)
{
    QXLImage *img = bitmap_image(NULL, SPICE_BITMAP_FMT_32BIT, 16, 16, 64, QXL_BITMAP_TOP_DOWN);
    img->bitmap.data = first;
    send_draw(copy_from(gaddr(img), 0, 0, 16, 16));
}

static void chunks_loop_self(void)
{
    QXLDataChunk *c = new_chunk(16);
    c->next_chunk = gaddr(c);
    send_chunked_copy(gaddr(c));
}

static void chunks_loop_two(void)
{
    QXLDataChunk *a = new_chunk(16), *b = new_chunk(16);
    a->next_chunk = gaddr(b);
    b->prev_chunk = gaddr(a);
    b->next_chunk = gaddr(a);
    send_chunked_copy(gaddr(a));
}

static void chunk_size_lies(void)
{
    /* declares 4 GiB - 1 data bytes; 16 follow before the slot ends */
    QXLDataChunk *c = chunk_at(edge_tail(sizeof(QXLDataChunk) + 16), 0xffffffff);
    send_chunked_copy(eaddr(c));
}

static void chunk_chain_past_slot(void)
{
    /* the second chunk's header starts 8 bytes before the slot's end */
    QXLDataChunk *a = new_chunk(64);
    edge_tail(8);
    a->next_chunk = addr_at(&edge_slot, edge_slot.size - 8);
    send_chunked_copy(gaddr(a));
}

static void chunk_chain_short(void)
{
    QXLDataChunk *a = new_chunk(64), *b = new_chunk(64); /* 128 of the 1024 bytes needed */
    a->next_chunk = gaddr(b);
    send_chunked_copy(gaddr(a));
}

static void stale_generation_image(void)
{
    QXLImage *img = bitmap_image(edge_tail(sizeof(QXLImage) + 64), SPICE_BITMAP_FMT_32BIT, 4, 4, 16,
                                 QXL_BITMAP_DIRECT | QXL_BITMAP_TOP_DOWN);
    img->bitmap.data = eaddr(img + 1);
    send_draw(copy_from(addr_gen(&edge_slot, (uint8_t *) img - edge_slot.base, EDGE_GEN - 1), 0, 0, 4, 4));
}

static void stale_generation_command(void)
{
    QXLDrawable *d = init_drawable(edge_tail(sizeof(QXLDrawable)), QXL_DRAW_FILL, 0, 0, 8, 8);
    d->u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
    d->u.fill.rop_descriptor = SPICE_ROPD_OP_PUT;
    cmds[d->release_info.id].kind = RELEASE_NEVER;
    push(&draw_ring, addr_gen(&edge_slot, (uint8_t *) d - edge_slot.base, EDGE_GEN - 1), QXL_CMD_DRAW);
}

static void slot_unregistered(void)
{
    send_draw(copy_from((uint64_t) 2 << SLOT_ID_SHIFT | GUEST_START, 0, 0, 4, 4));
}

static void slot_id_out_of_range(void)
{
    send_draw(copy_from((uint64_t) 200 << SLOT_ID_SHIFT | GUEST_START, 0, 0, 4, 4));
}

static void address_below_slot(void)
{
    send_draw(copy_from(addr_at(&edge_slot, -0x800), 0, 0, 4, 4));
}

/* A 16x16 direct 32-bit bitmap whose pixel data ends `past` bytes after the edge slot's end. */
static void edge_bitmap(int past, uint32_t color)
{
    uint8_t *px = edge_tail(16 * 16 * 4) + past;
    for (int i = 0; i < 16 * 16 - (past + 3) / 4; i++) {
        memcpy(px + 4 * i, &color, 4);
    }
    QXLImage *img = bitmap_image(NULL, SPICE_BITMAP_FMT_32BIT, 16, 16, 64, QXL_BITMAP_DIRECT | QXL_BITMAP_TOP_DOWN);
    img->bitmap.data = eaddr(px);
    send_draw(copy_from(gaddr(img), 600, 10, 16, 16));
}

static void edge_last_byte_in(void)
{
    edge_bitmap(0, 0x123456);
    expect_pixel(615, 25, 0x123456);
}

static void edge_first_byte_out(void)
{
    edge_bitmap(1, 0x654321);
}

static void edge_image_straddles(void)
{
    uint8_t *tail = edge_tail(20); /* a QXLImage is 48 bytes */
    send_draw(copy_from(eaddr(tail), 0, 0, 4, 4));
}

static void edge_command_straddles(void)
{
    /* the release info is in the slot, the rest of the drawable is not */
    QXLDrawable *d = edge_tail(16);
    d->release_info.id = track(RELEASE_NOW);
    push(&draw_ring, eaddr(d), QXL_CMD_DRAW);
}

static void bitmap_stride_too_small(void)
{
    QXLImage *img = solid_image(100, 10, 0xff);
    img->bitmap.stride = 4;
    send_draw(copy_from(gaddr(img), 0, 0, 100, 10));
}

static void bitmap_stride_overflow(void)
{
    /* stride * (height - 1) overflows 32 bits; 64 bytes of data at the slot's end */
    QXLImage *img = bitmap_image(NULL, SPICE_BITMAP_FMT_32BIT, 16, 16384, 0x40000,
                                 QXL_BITMAP_DIRECT | QXL_BITMAP_TOP_DOWN);
    img->bitmap.data = eaddr(edge_tail(64));
    send_draw(copy_from(gaddr(img), 0, 0, 16, 16));
}

/* An 8-bit 16x16 direct bitmap using every index up to 255, with the given palette address. */
static void send_8bit(QXLPHYSICAL palette)
{
    QXLImage *img = bitmap_image(NULL, SPICE_BITMAP_FMT_8BIT, 16, 16, 16, QXL_BITMAP_DIRECT | QXL_BITMAP_TOP_DOWN);
    uint8_t *px = galloc(256);
    for (int i = 0; i < 256; i++) {
        px[i] = i;
    }
    img->bitmap.data = gaddr(px);
    img->bitmap.palette = palette;
    send_draw(copy_from(gaddr(img), 0, 0, 16, 16));
}

static void palette_missing(void) { send_8bit(0); }

static void palette_too_short(void)
{
    /* two entries, ending at the slot's end: entry 2 and up would be past it */
    QXLPalette *p = edge_tail(sizeof(QXLPalette) + 2 * 4);
    p->num_ents = 2;
    send_8bit(eaddr(p));
}

static void palette_count_lies(void)
{
    QXLPalette *p = edge_tail(sizeof(QXLPalette) + 2 * 4);
    p->num_ents = 256;
    send_8bit(eaddr(p));
}

/* A 16384x16384 bitmap of `format` over 16 bytes of data at the edge slot's end, copied from its top-left
 * `area` x `area` pixels. */
static void huge_bitmap(uint8_t format, int direct, int area)
{
    uint32_t bpp = format == SPICE_BITMAP_FMT_8BIT ? 1 : 4;
    QXLImage *img = bitmap_image(NULL, format, 16384, 16384, 16384 * bpp, QXL_BITMAP_TOP_DOWN
                                 | (direct ? QXL_BITMAP_DIRECT : 0));
    if (direct) {
        img->bitmap.data = eaddr(edge_tail(16));
    } else {
        img->bitmap.data = eaddr(chunk_at(edge_tail(sizeof(QXLDataChunk) + 16), 16));
    }
    if (format == SPICE_BITMAP_FMT_8BIT) {
        QXLPalette *p = galloc(sizeof *p + 256 * 4);
        p->num_ents = 256;
        img->bitmap.palette = gaddr(p);
    }
    send_draw(copy_from(gaddr(img), 0, 0, area, area));
}

static void huge_bitmap_direct(void) { huge_bitmap(SPICE_BITMAP_FMT_32BIT, 1, 16); }
static void huge_bitmap_chunked(void) { huge_bitmap(SPICE_BITMAP_FMT_32BIT, 0, 16); }
static void huge_bitmap_chunked_8bit(void) { huge_bitmap(SPICE_BITMAP_FMT_8BIT, 0, 16); }
static void huge_bitmap_chunked_full_area(void) { huge_bitmap(SPICE_BITMAP_FMT_32BIT, 0, 16384); }

static void cursor_larger_than_data(void)
{
    /* 64x64 ALPHA declares 16 KiB; its chunk holds 16 bytes and ends at the slot's end */
    QXLCursor *c = cursor_shape(edge_tail(sizeof(QXLCursor) + 16), 64, 64, 64 * 64 * 4, 16);
    send_cursor(cursor_set(eaddr(c)));
}

static void cursor_chunk_size_lies(void)
{
    QXLCursor *c = cursor_shape(edge_tail(sizeof(QXLCursor) + 16), 64, 64, 64 * 64 * 4, 64 * 64 * 4);
    send_cursor(cursor_set(eaddr(c)));
}

static void cursor_data_size_too_small(void)
{
    QXLCursor *c = cursor_shape(galloc(sizeof(QXLCursor) + 32 * 32 * 4), 32, 32, 16, 32 * 32 * 4);
    send_cursor(cursor_set(gaddr(c)));
}

static void cursor_huge(void)
{
    QXLCursor *c = cursor_shape(edge_tail(sizeof(QXLCursor) + 16), 0xffff, 0xffff, 0xffffffff, 16);
    send_cursor(cursor_set(eaddr(c)));
}

static void cursor_chunk_loop(void)
{
    QXLCursor *c = cursor_shape(galloc(sizeof(QXLCursor) + 16), 32, 32, 32 * 32 * 4, 16);
    c->chunk.next_chunk = gaddr(&c->chunk);
    send_cursor(cursor_set(gaddr(c)));
}

static void monitors_count_past_max(void)
{
    /* claims 65535 heads; one follows before the slot's end */
    QXLMonitorsConfig *mc = edge_tail(sizeof *mc + sizeof(QXLHead));
    mc->count = 0xffff;
    mc->max_allowed = 16;
    mc->heads[0] = (QXLHead) { .id = 0, .surface_id = 0, .width = PRIMARY_W, .height = PRIMARY_H };
    monitors_config(eaddr(mc));
}

static void monitors_count_over_allowed(void)
{
    QXLMonitorsConfig *mc = galloc(sizeof *mc + 17 * sizeof(QXLHead));
    mc->count = 17;
    mc->max_allowed = 16;
    for (int i = 0; i < 17; i++) {
        mc->heads[i] = (QXLHead) { .id = i, .surface_id = 0, .width = 32, .height = 32, .x = 32 * i };
    }
    monitors_config(gaddr(mc));
}

static void monitors_heads_past_slot(void)
{
    QXLMonitorsConfig *mc = edge_tail(sizeof *mc + sizeof(QXLHead));
    mc->count = 2;
    mc->max_allowed = 2;
    monitors_config(eaddr(mc));
}

static void clip_count_lies(void)
{
    QXLClipRects *clip = edge_tail(sizeof *clip + sizeof(QXLRect));
    clip->num_rects = 0xffffffff;
    clip->chunk.data_size = sizeof(QXLRect);
    QXLDrawable *d = fill(0, 0, 8, 8, 0xff0000);
    d->clip.type = SPICE_CLIP_TYPE_RECTS;
    d->clip.data = eaddr(clip);
    send_draw(d);
}

static void draw_type_unknown(void)
{
    send_draw(new_drawable(200, 0, 0, 8, 8));
}

static void command_type_unknown(void)
{
    QXLDrawable *d = fill(0, 0, 8, 8, 0xff0000);
    push(&draw_ring, gaddr(d), 99);
}

static void bbox_huge(void)
{
    send_draw(fill(INT32_MIN, INT32_MIN, INT32_MAX, INT32_MAX, 0xff0000));
}

static void bbox_inverted(void)
{
    send_draw(fill(100, 100, 10, 10, 0xff0000));
}

static void copy_bits_source_outside(void)
{
    QXLDrawable *d = new_drawable(QXL_COPY_BITS, 0, 0, 8, 8);
    d->u.copy_bits.src_pos = (QXLPoint) { .x = 100000, .y = -100000 };
    send_draw(d);
}

static void update_surface_out_of_range(void)
{
    QXLUpdateCmd *u = galloc(sizeof *u);
    u->release_info.id = track(RELEASE_NOW);
    u->area = (QXLRect) { .top = 0, .left = 0, .bottom = 8, .right = 8 };
    u->surface_id = 100000;
    push(&draw_ring, gaddr(u), QXL_CMD_UPDATE);
}

static void message_unterminated(void)
{
    /* text without a terminating NUL up to the slot's last byte */
    QXLMessage *m = edge_tail(sizeof *m + 32);
    m->release_info.id = track(RELEASE_NOW);
    memset(m->data, 'x', 32);
    push(&draw_ring, eaddr(m), QXL_CMD_MESSAGE);
}

/* A stroke along the path at `path` with a solid brush. */
static void send_stroke(QXLPHYSICAL path)
{
    QXLDrawable *d = new_drawable(QXL_DRAW_STROKE, 0, 0, 8, 8);
    d->u.stroke.path = path;
    d->u.stroke.brush.type = SPICE_BRUSH_TYPE_SOLID;
    d->u.stroke.fore_mode = SPICE_ROPD_OP_PUT;
    send_draw(d);
}

static void stroke_segment_count_lies(void)
{
    /* one segment claiming 2^32-1 points in a 16-byte path */
    QXLPath *p = galloc(sizeof *p + 16);
    p->data_size = 16;
    p->chunk.data_size = 16;
    QXLPathSeg *seg = (QXLPathSeg *) p->chunk.data;
    seg->flags = QXL_PATH_BEGIN | QXL_PATH_END;
    seg->count = 0xffffffff;
    send_stroke(gaddr(p));
}

static void stroke_path_size_lies(void)
{
    QXLPath *p = edge_tail(sizeof *p + 16);
    p->data_size = 0xffffffff;
    p->chunk.data_size = 0xffffffff;
    send_stroke(eaddr(p));
}

static void text_glyph_size_lies(void)
{
    /* one 1-bit glyph of 65535x65535 in a string of 24 bytes */
    QXLString *str = galloc(sizeof *str + 24);
    str->data_size = 24;
    str->length = 1;
    str->flags = 1;
    str->chunk.data_size = 24;
    QXLRasterGlyph *g = (QXLRasterGlyph *) str->chunk.data;
    g->width = 0xffff;
    g->height = 0xffff;
    QXLDrawable *d = new_drawable(QXL_DRAW_TEXT, 0, 0, 8, 8);
    d->u.text.str = gaddr(str);
    d->u.text.back_area = (QXLRect) { .top = 0, .left = 0, .bottom = 8, .right = 8 };
    d->u.text.fore_brush.type = SPICE_BRUSH_TYPE_SOLID;
    d->u.text.back_brush.type = SPICE_BRUSH_TYPE_NONE;
    d->u.text.fore_mode = SPICE_ROPD_OP_PUT;
    d->u.text.back_mode = SPICE_ROPD_OP_PUT;
    send_draw(d);
}

static void mask_bitmap_past_slot(void)
{
    /* a 64x64 1-bit mask whose 512 bytes start 100 bytes before the slot's end */
    QXLImage *mask = bitmap_image(NULL, SPICE_BITMAP_FMT_1BIT_BE, 64, 64, 8, QXL_BITMAP_DIRECT | QXL_BITMAP_TOP_DOWN);
    mask->bitmap.data = eaddr(edge_tail(100));
    QXLDrawable *d = fill(0, 0, 64, 64, 0xff0000);
    d->u.fill.mask.bitmap = gaddr(mask);
    send_draw(d);
}

static void brush_pattern_surface_missing(void)
{
    QXLDrawable *d = fill(0, 0, 8, 8, 0);
    d->u.fill.brush.type = SPICE_BRUSH_TYPE_PATTERN;
    d->u.fill.brush.u.pattern.pat = gaddr(surface_image(7, 8, 8));
    send_draw(d);
}

static void surface_at_slot_edge(void)
{
    /* a valid 16x16 surface whose last byte is the slot's last byte: drawn on, then destroyed */
    send_surface(surface_create(6, 16, 16, 64, eaddr(edge_tail(16 * 16 * 4)), RELEASE_AT_RESET));
    QXLDrawable *d = fill(0, 0, 16, 16, 0x00ff00);
    d->surface_id = 6;
    send_draw(d);
    send_surface(surface_cmd(6, QXL_SURFACE_CMD_DESTROY, RELEASE_NOW));
}

static void loadvm_bad_commands(void)
{
    /* saved commands as a migration hands them over: a chunk loop and a draw on a missing surface */
    QXLDataChunk *c = new_chunk(16);
    c->next_chunk = gaddr(c);
    QXLImage *img = bitmap_image(NULL, SPICE_BITMAP_FMT_32BIT, 16, 16, 64, QXL_BITMAP_TOP_DOWN);
    img->bitmap.data = gaddr(c);
    QXLDrawable *looped = copy_from(gaddr(img), 0, 0, 16, 16);
    QXLDrawable *missing = fill(0, 0, 8, 8, 0xff0000);
    missing->surface_id = 100000;
    QXLCommandExt ext[2] = {
        { .cmd = { .data = gaddr(looped), .type = QXL_CMD_DRAW }, .group_id = 0 },
        { .cmd = { .data = gaddr(missing), .type = QXL_CMD_DRAW }, .group_id = 0 },
    };
    spice_qxl_loadvm_commands(&qxl, ext, 2);
}

static void primary_async_overflow(void)
{
    /* as the synchronous one, through the async call: its completion must still come, once */
    spice_qxl_destroy_surfaces(&qxl);
    QXLDevSurfaceCreate surface = {
        .width = 0x10000, .height = 0x10000, .stride = -0x40000, .format = SPICE_SURFACE_FMT_32_xRGB,
        .mouse_mode = 1, .mem = eaddr(edge_tail(16)),
    };
    uint64_t cookie = new_cookie();
    spice_qxl_create_primary_surface_async(&qxl, 0, &surface, cookie);
    long long deadline = hostloop_now_ms() + 2000;
    while (atomic_load(&async_done[cookie]) == 0 && hostloop_now_ms() < deadline) {
        hostloop_once(2, -1);
    }
    spice_qxl_destroy_surfaces(&qxl);
    create_valid_primary();
}

/* QEMU passes the guest's update_area surface id and rectangle through (after checking the id's range). */
static void update_area_surface_missing(void)
{
    QXLRect area = { .top = 0, .left = 0, .bottom = 8, .right = 8 };
    spice_qxl_update_area(&qxl, 5, &area, NULL, 0, 1);
}

static void update_area_rect_huge(void)
{
    QXLRect area = { .top = INT32_MIN, .left = INT32_MIN, .bottom = INT32_MAX, .right = INT32_MAX };
    QXLRect dirty[4];
    spice_qxl_update_area(&qxl, 0, &area, dirty, 0, 4);
}

static void update_area_rect_inverted(void)
{
    QXLRect area = { .top = 400, .left = 600, .bottom = 10, .right = 10 };
    spice_qxl_update_area(&qxl, 0, &area, NULL, 0, 1);
}

static void destroy_surface_wait_missing(void)
{
    spice_qxl_destroy_surface_wait(&qxl, 5);
}

static void huge_bitmap_1bit_with_data(void)
{
    /* 16384x16384 at one bit per pixel: 32 MiB of real data, 1 GiB once expanded to 32-bit pixels */
    QXLImage *img = bitmap_image(NULL, SPICE_BITMAP_FMT_1BIT_BE, 16384, 16384, 16384 / 8,
                                 QXL_BITMAP_DIRECT | QXL_BITMAP_TOP_DOWN);
    img->bitmap.data = gaddr(galloc((size_t) 16384 / 8 * 16384));
    QXLPalette *p = galloc(sizeof *p + 2 * 4);
    p->num_ents = 2;
    p->ents[1] = 0xffffff;
    img->bitmap.palette = gaddr(p);
    send_draw(copy_from(gaddr(img), 0, 0, 16, 16));
}

/* Adds the edge slot again (QEMU adds a slot back with a new generation; the edge cases use this one). */
static void add_edge_slot(void)
{
    QXLDevMemSlot m = {
        .slot_group_id = 0, .slot_id = edge_slot.id, .generation = edge_slot.generation,
        .virt_start = (uintptr_t) edge_slot.base, .virt_end = (uintptr_t) edge_slot.base + edge_slot.size,
        .addr_delta = (uintptr_t) edge_slot.base - GUEST_START,
    };
    spice_qxl_add_memslot(&qxl, &m);
}

static void memslot_deleted_under_surface(void)
{
    /* A surface lives in the edge slot; the guest deletes the slot (QXL_IO_MEMSLOT_DEL), then draws on the
     * surface and destroys it. While the slot is gone its memory is made inaccessible: the server may no longer
     * touch it. */
    send_surface(surface_create(8, 16, 16, 64, eaddr(edge_tail(16 * 16 * 4)), RELEASE_AT_RESET));
    settle(current_case);
    spice_qxl_del_memslot(&qxl, 0, edge_slot.id);
    mprotect(edge_slot.base, edge_slot.size, PROT_NONE);
    QXLDrawable *d = fill(0, 0, 16, 16, 0x00ff00);
    d->surface_id = 8;
    send_draw(d);
    send_surface(surface_cmd(8, QXL_SURFACE_CMD_DESTROY, RELEASE_NOW));
    settle(current_case);
    mprotect(edge_slot.base, edge_slot.size, PROT_READ | PROT_WRITE);
    add_edge_slot();
}

static void cursor_type_unknown(void)
{
    QXLCursor *c = cursor_shape(galloc(sizeof(QXLCursor) + 16 * 16 * 4), 16, 16, 16 * 16 * 4, 16 * 16 * 4);
    c->header.type = 99;
    send_cursor(cursor_set(gaddr(c)));
}

static void surface_create_format_unknown(void)
{
    QXLSurfaceCmd *s = surface_create(3, 16, 16, 64, gaddr(galloc(16 * 64)), RELEASE_NOW);
    s->u.surface_create.format = 99;
    send_surface(s);
}

static void surface_create_zero_size(void)
{
    send_surface(surface_create(3, 0, 0, 0, gaddr(galloc(64)), RELEASE_NOW));
}

static void composite_source_missing(void)
{
    QXLDrawable *d = new_drawable(QXL_DRAW_COMPOSITE, 0, 0, 8, 8);
    d->u.composite.flags = QXL_OP_OVER;
    d->u.composite.src = 0;
    send_draw(d);
}

struct hcase { const char *name; void (*run)(void); };
#define CASE(f) { #f, f }
static const struct hcase cases[] = {
    CASE(draw_target_surface_out_of_range), CASE(draw_target_surface_missing), CASE(draw_surfaces_dest_out_of_range),
    CASE(copy_source_surface_out_of_range), CASE(copy_source_surface_missing),
    CASE(surface_create_out_of_range), CASE(surface_destroy_out_of_range), CASE(surface_destroy_missing),
    CASE(surface_create_size_overflow), CASE(surface_create_stride_min), CASE(surface_create_past_slot),
    CASE(surface_create_existing), CASE(surface_create_format_unknown), CASE(surface_create_zero_size),
    CASE(primary_size_overflow), CASE(primary_row_overflow), CASE(primary_stride_min), CASE(primary_past_slot),
    CASE(chunks_loop_self), CASE(chunks_loop_two), CASE(chunk_size_lies), CASE(chunk_chain_past_slot),
    CASE(chunk_chain_short),
    CASE(stale_generation_image), CASE(stale_generation_command), CASE(slot_unregistered),
    CASE(slot_id_out_of_range), CASE(address_below_slot),
    CASE(edge_last_byte_in), CASE(edge_first_byte_out), CASE(edge_image_straddles), CASE(edge_command_straddles),
    CASE(bitmap_stride_too_small), CASE(bitmap_stride_overflow), CASE(palette_missing), CASE(palette_too_short),
    CASE(palette_count_lies), CASE(huge_bitmap_direct), CASE(huge_bitmap_chunked), CASE(huge_bitmap_chunked_8bit),
    CASE(huge_bitmap_chunked_full_area), CASE(huge_bitmap_1bit_with_data),
    CASE(cursor_larger_than_data), CASE(cursor_chunk_size_lies), CASE(cursor_data_size_too_small),
    CASE(cursor_huge), CASE(cursor_chunk_loop), CASE(cursor_type_unknown),
    CASE(monitors_count_past_max), CASE(monitors_count_over_allowed), CASE(monitors_heads_past_slot),
    CASE(clip_count_lies), CASE(draw_type_unknown), CASE(command_type_unknown), CASE(composite_source_missing),
    CASE(bbox_huge), CASE(bbox_inverted), CASE(copy_bits_source_outside), CASE(update_surface_out_of_range),
    CASE(message_unterminated), CASE(stroke_segment_count_lies), CASE(stroke_path_size_lies),
    CASE(text_glyph_size_lies), CASE(mask_bitmap_past_slot), CASE(brush_pattern_surface_missing),
    CASE(surface_at_slot_edge), CASE(loadvm_bad_commands),
    CASE(primary_async_overflow), CASE(update_area_surface_missing), CASE(update_area_rect_huge),
    CASE(update_area_rect_inverted), CASE(destroy_surface_wait_missing), CASE(memslot_deleted_under_surface),
};
#define N_CASES ((int) (sizeof cases / sizeof cases[0]))

/* ---------------------------------------------------------------- running a case */

/* Commands of case c (of the given kind) and how many of them came back. */
static void count_releases(int c, enum release_kind kind, unsigned *total, unsigned *once, unsigned *twice)
{
    *total = *once = *twice = 0;
    for (unsigned id = 1; id <= atomic_load(&cmds_made); id++) {
        if (cmds[id].case_idx == c && cmds[id].kind == kind) {
            int r = atomic_load(&cmds[id].releases);
            (*total)++;
            *once += r == 1;
            *twice += r > 1;
        }
    }
}

/* Lets the server take every pushed command, render, and give back what it will give back. */
static void settle(int c)
{
    long long deadline = hostloop_now_ms() + 5000;
    while (atomic_load(&fetched) < atomic_load(&pushed) && hostloop_now_ms() < deadline) {
        spice_qxl_wakeup(&qxl);
        hostloop_once(2, -1);
    }
    QXLRect all = { .top = 0, .left = 0, .bottom = PRIMARY_H, .right = PRIMARY_W };
    spice_qxl_update_area(&qxl, 0, &all, NULL, 0, 1);
    deadline = hostloop_now_ms() + 1000;
    unsigned total, once, twice;
    do {
        hostloop_once(2, -1);
        count_releases(c, RELEASE_NOW, &total, &once, &twice);
    } while (once < total && hostloop_now_ms() < deadline);
    while (hostloop_now_ms() < deadline && atomic_load(&async_done[async_asked]) == 0 && async_asked > 0) {
        hostloop_once(2, -1);
    }
}

/* A case (its commands taken, drawn and released) taking longer than this stalls the display: a guest could
 * repeat it forever. */
#define STALL_MS 5000

/* A valid fill in the case's own cell of the primary: the server must still draw. */
static int probe(int c)
{
    int x = (c % 32) * 20, y = 300 + (c / 32) * 20;
    uint32_t color = 0x100000u * (c % 15 + 1) | 0x00a000 | (c * 37 & 0xff);
    send_draw(fill(x, y, x + 8, y + 8, color));
    settle(c);
    return primary_pixel(x + 4, y + 4) == color;
}

/* Why a case failed, as a comma-separated list (empty: it passed). */
struct verdict { char why[256]; size_t n; };

static void fail_if(struct verdict *v, int failed, const char *fmt, ...)
{
    if (!failed || v->n >= sizeof v->why) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    v->n += snprintf(v->why + v->n, sizeof v->why - v->n, "%s", v->n ? "," : "");
    v->n += vsnprintf(v->why + v->n, sizeof v->why - v->n, fmt, ap);
    va_end(ap);
}

/* Async calls made since cookie `first` that completed once (*completed), or more than once (*twice). */
static void count_async(unsigned first, unsigned *completed, unsigned *twice)
{
    *completed = *twice = 0;
    for (unsigned k = first; k <= async_asked; k++) {
        *completed += atomic_load(&async_done[k]) >= 1;
        *twice += atomic_load(&async_done[k]) > 1;
    }
}

static void run_case(int c)
{
    const struct hcase *hc = &cases[c];
    printf("case %s begin\n", hc->name);
    fprintf(stderr, "case %s begin\n", hc->name); /* the server's log lines for the case follow it */
    current_case = c;
    check_color = 0;
    unsigned first_cookie = async_asked + 1;
    long long t0 = hostloop_now_ms();
    hc->run();
    settle(c);
    long long ms = hostloop_now_ms() - t0;
    int drawn = !check_color || primary_pixel(check_x, check_y) == check_color;
    int probed = probe(c);

    unsigned total, once, twice, kept, kept_once, kept_twice, never, never_once, never_twice, completed, async_twice;
    count_releases(c, RELEASE_NOW, &total, &once, &twice);
    count_releases(c, RELEASE_AT_RESET, &kept, &kept_once, &kept_twice);
    count_releases(c, RELEASE_NEVER, &never, &never_once, &never_twice);
    count_async(first_cookie, &completed, &async_twice);
    unsigned asked = async_asked + 1 - first_cookie;
    struct verdict v = { .n = 0 };
    fail_if(&v, once < total || twice, "%u not released once", total - once + twice);
    fail_if(&v, kept_twice, "kept released twice");
    fail_if(&v, never_once || never_twice, "unreadable released");
    fail_if(&v, completed < asked || async_twice, "async");
    fail_if(&v, !drawn, "not drawn");
    fail_if(&v, !probed, "probe not drawn");
    fail_if(&v, ms > STALL_MS, "stalled %lld ms", ms);
    printf("case %s survived released=%u/%u kept=%u async=%u/%u probe=%s ms=%lld %s%s%s\n", hc->name, once, total,
           kept, completed, asked, probed ? "drawn" : "missing", ms, v.n ? "FAIL(" : "ok", v.why, v.n ? ")" : "");
}

/* ---------------------------------------------------------------- main */

static int case_index(const char *name)
{
    for (int i = 0; i < N_CASES; i++) {
        if (strcmp(cases[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

/* A device reset: everything the server still holds must come back now; prints the whole accounting. */
static void final_accounting(SpiceServer *s)
{
    spice_server_vm_stop(s);
    spice_qxl_destroy_surfaces(&qxl);
    spice_qxl_reset_cursor(&qxl);
    spice_qxl_reset_image_cache(&qxl);
    unsigned total = 0, released = 0, never = 0, twice = 0, unreadable = 0;
    for (unsigned id = 1; id <= atomic_load(&cmds_made); id++) {
        int r = atomic_load(&cmds[id].releases);
        if (cmds[id].kind == RELEASE_NEVER) {
            unreadable += r > 0;
            continue;
        }
        total++;
        released += r == 1;
        never += r == 0;
        twice += r > 1;
    }
    printf("released %u of %u (never %u, double %u, bad %u, unreadable-released %u)\n", released, total, never,
           twice, atomic_load(&bad_releases), unreadable);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        for (int i = 0; i < N_CASES; i++) {
            printf("%s\n", cases[i].name);
        }
        return 0;
    }
    int order[N_CASES], n = 0;
    for (int i = 1; i < argc && strcmp(argv[1], "--guard-check") != 0; i++) {
        int c = case_index(argv[i]);
        if (c < 0 || n >= N_CASES) {
            fprintf(stderr, "unknown case %s (see --list)\n", argv[i]);
            return 1;
        }
        order[n++] = c;
    }
    for (; argc == 1 && n < N_CASES; n++) {
        order[n] = n;
    }
    map_slot(&main_slot, MAIN_SIZE);
    map_slot(&edge_slot, EDGE_SIZE);
    if (argc > 1 && strcmp(argv[1], "--guard-check") == 0) {
        printf("reading the byte after the edge slot\n");
        return *(volatile uint8_t *) (edge_slot.base + edge_slot.size);
    }
    main_slot.used = 64; /* nothing at the slot's first bytes: no command is at the slot's guest address 0x1000 */
    primary = galloc((size_t) PRIMARY_W * PRIMARY_H * 4);

    SpiceServer *s = spice_server_new();
    spice_server_set_addr(s, "127.0.0.1", 0);
    spice_server_set_noauth(s);
    if (spice_server_init(s, hostloop_core("hostile guest", NULL)) != 0) {
        printf("init failed\n");
        return 1;
    }
    qxl.base.sif = &qxl_if.base;
    qxl.id = 0;
    spice_server_add_interface(s, &qxl.base);
    create_valid_primary();
    spice_server_vm_start(s);
    printf("ready\n");
    for (int i = 0; i < n; i++) {
        run_case(order[i]);
    }
    final_accounting(s);
    printf("done\n");
    return 0;
}
