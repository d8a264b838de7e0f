/*
 * A fake QXL device for a real SPICE client, in the way QEMU's "-vga std" display (ui/spice-display.c) drives the
 * server: one host memslot, a 32-bit xRGB primary surface with a negative stride, QXL_CMD_DRAW drawables pushed
 * through a command ring, cursor commands through a cursor ring.
 *
 * Usage: display_harness PORT [EXPECTED.ppm]
 *   Draws known patterns (bitmaps in every format the client accepts, chunked data, a solid fill, a copy-bits, a
 *   moving square), keeps its own raster of what the screen must show and writes it as a binary PPM (the argument,
 *   or env HARNESS_PPM). Once the server has taken every command it calls update_area and writes the primary
 *   surface memory as rendered by the server (env HARNESS_SURFACE_PPM), then prints "frame-done".
 *   Serves until HARNESS_SECONDS (default 20) or SIGTERM/SIGINT, then destroys the surfaces, resets the cursor and
 *   prints "released N of M" (each command must be released exactly once).
 * Env: HARNESS_COMPRESSION=off (image compression off; default: the server's default),
 *      HARNESS_QEMU_SLOT=1 (register the memslot as QEMU does: virt_start 0, virt_end ~0),
 *      HARNESS_BENCH=1 (1920x1080 32-bit DRAW_COPY frames, one drawable each, as many in flight as the device
 *      memory holds, as fast as the server releases them once a display channel is up; prints "bench ..." with
 *      frames pushed, the CPU time of the whole process (server threads included) from then until the end minus
 *      the time spent drawing the content (gen=), the pixels pushed (updated=), and the OOM requests made when
 *      every frame was held; HARNESS_BENCH_FPS=n offers at most n frames per second instead;
 *      HARNESS_BENCH_WARMUP=s starts measuring s seconds later),
 *      HARNESS_BENCH_COMPRESSION=off|auto_glz|auto_lz|quic|glz|lz|lz4 (default off),
 *      HARNESS_BENCH_CONTENT=pattern|text|photo|desktop|video (default pattern: three full-screen synthetic images
 *      in turn; text: a console scrolling one line per frame; photo: a panned photo-like picture whose exposure
 *      changes every frame; desktop: windows and panels, one window dragged: the frame is the union of its old and
 *      new place; video: a desktop with a camera pan playing in one place, HARNESS_BENCH_VIDEO=WxH, default
 *      640x360, centred, its frame number in a bar code; the harness prints "bench-video X Y W H" and, with
 *      HARNESS_BENCH_TRUTH=dir, writes every 5th frame's video as dir/N.raw (N the frame number, 32-bit xRGB
 *      top-down, W*H*4 bytes; the file 250 frames older is removed) so a client can measure what it shows).
 *      HARNESS_BENCH_FRAMES=n stops after n frames, then writes the expected screen to HARNESS_PPM and
 *      prints "bench-frames-done",
 *      HARNESS_NAME=name names the VM as QEMU does (spice_server_set_name and set_uuid),
 *      HARNESS_STREAMING=off|all|filter (default off: no lossy video streams, pixel-exact images),
 *      HARNESS_WIDTH / HARNESS_HEIGHT override the surface size,
 *      HARNESS_AUDIO=1 adds a playback and a record interface, started at once, and in the bench loop hands the server
 *      a 10 ms frame of a tone every 10 ms and drains what was recorded, as QEMU's audio backend does (the AOT
 *      training's sound path),
 *      HARNESS_QEMU_START=1 also makes the calls of QEMU's start-up that the harness otherwise leaves out (WAN
 *      compression settings, the device's address, the device reset before the guest starts), so that the AOT
 *      training covers what a VM's start-up runs,
 *      HARNESS_LIVE_PPM=path: 300 ms after the Nth display channel is up (N = HARNESS_LIVE_AFTER, default 1), draw a second set of patterns (and
 *      cursor SET/MOVE/HIDE/SET/MOVE ending at 321,123) for the connected client, write the expected image there and
 *      print "live-done".
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <spice.h>

/* ---------------------------------------------------------------- the host's event loop (SpiceCoreInterface) */

#include "lib/benchcontent.h"
#include "lib/audiohost.h"
#include "lib/hostloop.h"
#include "lib/hostutil.h"
#include "lib/tlsopt.h"
#include "lib/qxlring.h"

static volatile sig_atomic_t finished;
static int wake_fd = -1; /* written by release_resource (worker thread) so the bench loop refills at once */

static atomic_llong live_due = -1; /* when to draw the live phase, once a display channel is up */
static int live_wanted;
static atomic_int display_up; /* a display channel was initialized (the bench starts pushing then) */
static void channel_event(int event, SpiceChannelEventInfo *info)
{
    long long none = -1;
    if (event == SPICE_CHANNEL_EVENT_INITIALIZED && info->type == SPICE_CHANNEL_DISPLAY) {
        atomic_store(&display_up, 1);
    }
    if (live_wanted && event == SPICE_CHANNEL_EVENT_INITIALIZED && info->type == SPICE_CHANNEL_DISPLAY
            && --live_wanted == 0) {
        atomic_compare_exchange_strong(&live_due, &none, hostloop_now_ms() + 300);
    }
}

/* ---------------------------------------------------------------- "guest" memory: one host buffer, one memslot */

/* bench mode needs more: the reference keeps each GLZ-encoded frame until the client's dictionary window drops it,
 * and partial frames until later ones cover them */
static size_t mem_size = 96u << 20;
#define BENCH_MEM_SIZE (256u << 20)
static uint8_t *mem;
static size_t mem_used;
static int qemu_slot;

static void *galloc(size_t n)
{
    mem_used = (mem_used + 15) & ~(size_t) 15;
    if (mem_used + n > mem_size) {
        printf("out of device memory\n");
        exit(2);
    }
    void *p = mem + mem_used;
    memset(p, 0, n);
    mem_used += n;
    return p;
}
/* slot 0, generation 0, addr_delta 0: the QXL address of a host pointer is the pointer itself */
static QXLPHYSICAL phys(const void *p) { return (QXLPHYSICAL) (uintptr_t) p; }

/* ---------------------------------------------------------------- the device: rings and release accounting */

#define MAX_CMDS 4096
static struct qxlring draw_ring = QXLRING_INIT, cursor_ring = QXLRING_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int release_count[MAX_CMDS]; /* by release id (normal mode) */
static unsigned cmds_made;            /* release ids handed out: 1..cmds_made */
static atomic_uint released_total, bad_releases, fetched;
static int bench;
/* frames in flight: as many as fit in the device memory (as QEMU's host-allocated updates, bounded) */
#define BENCH_MAX_SLOTS 64
static int bench_slots;
static atomic_int bench_in_flight[BENCH_MAX_SLOTS];

static QXLInstance qxl;
static int primary_w = 640, primary_h = 480;
static uint8_t *primary; /* the primary surface memory, stride -w*4 as QEMU uses */

static uint64_t new_release_id(void)
{
    if (cmds_made + 1 >= MAX_CMDS) {
        printf("too many commands\n");
        exit(2);
    }
    return ++cmds_made;
}

static void push(struct qxlring *r, QXLPHYSICAL data, uint32_t type)
{
    if (qxlring_push(r, data, type, 0) != 0) {
        printf("ring full\n");
        exit(2);
    }
}

static void attach_worker(QXLInstance *sin, QXLWorker *worker)
{
    /* as QEMU's interface_attached_worker: the host memslot is added from inside this callback */
    QXLDevMemSlot slot = { .slot_group_id = 0, .slot_id = 0, .generation = 0, .addr_delta = 0 };
    slot.virt_start = qemu_slot ? 0 : (uintptr_t) mem;
    slot.virt_end = qemu_slot ? ~(uintptr_t) 0 : (uintptr_t) mem + mem_size;
    spice_qxl_add_memslot(sin, &slot);
}
static void set_compression_level(QXLInstance *sin, int level) { }
static void set_mm_time(QXLInstance *sin, uint32_t mm_time) { }
static void get_init_info(QXLInstance *sin, QXLDevInitInfo *info)
{
    memset(info, 0, sizeof *info);
    info->num_memslots_groups = 1;
    info->num_memslots = 4;
    info->memslot_gen_bits = 8;
    info->memslot_id_bits = 8;
    info->qxl_ram_size = mem_size;
    info->internal_groupslot_id = 0;
    info->n_surfaces = 1024;
}
static int get_command(QXLInstance *sin, QXLCommandExt *cmd)
{
    int got = qxlring_pop(&draw_ring, cmd);
    if (got) {
        atomic_fetch_add(&fetched, 1);
    }
    return got;
}
static int req_cmd_notification(QXLInstance *sin) { return qxlring_len(&draw_ring) == 0; }
static int get_cursor_command(QXLInstance *sin, QXLCommandExt *cmd)
{
    int got = qxlring_pop(&cursor_ring, cmd);
    if (got) {
        atomic_fetch_add(&fetched, 1);
    }
    return got;
}
static int req_cursor_notification(QXLInstance *sin) { return qxlring_len(&cursor_ring) == 0; }
static void release_resource(QXLInstance *sin, QXLReleaseInfoExt ext)
{
    uint64_t id = ext.info ? ext.info->id : 0;
    if (bench) {
        if (id >= 1 && id <= (uint64_t) bench_slots && atomic_exchange(&bench_in_flight[id - 1], 0) == 1) {
            atomic_fetch_add(&released_total, 1);
        } else {
            atomic_fetch_add(&bad_releases, 1);
        }
        uint64_t one = 1;
        if (write(wake_fd, &one, sizeof one) < 0) { /* the loop polls again within 20 ms anyway */ }
        return;
    }
    pthread_mutex_lock(&lock);
    if (id < 1 || id > cmds_made || release_count[id] != 0 || ext.group_id != 0) {
        atomic_fetch_add(&bad_releases, 1);
        fprintf(stderr, "bad release id=%llu group=%u\n", (unsigned long long) id, ext.group_id);
    } else {
        release_count[id]++;
        atomic_fetch_add(&released_total, 1);
    }
    pthread_mutex_unlock(&lock);
}
static void notify_update(QXLInstance *sin, uint32_t update_id) { }
static int flush_resources(QXLInstance *sin) { return 0; } /* nothing is held back: releases are immediate */
static void async_complete(QXLInstance *sin, uint64_t cookie) { printf("async complete %llu\n", (unsigned long long) cookie); }
static void update_area_complete(QXLInstance *sin, uint32_t surface_id, QXLRect *rects, uint32_t n) { }
/* What the guest would find in the ROM: whether a client is there, the first capability byte, and "+" if any later
 * byte is set (the server passes on only the four display capabilities of the first byte). */
static void set_client_capabilities(QXLInstance *sin, uint8_t client_present, uint8_t caps[SPICE_CAPABILITIES_SIZE])
{
    int later = 0;
    for (size_t i = 1; i < SPICE_CAPABILITIES_SIZE; i++) {
        later |= caps[i];
    }
    printf("client-caps present=%u caps=%02x%s\n", client_present, caps[0], later ? "+" : "");
}
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

/* ---------------------------------------------------------------- drawing, with the expected raster kept alongside */

static uint32_t *expected; /* xRGB, top-down, primary_w x primary_h */
static uint64_t next_image_id = 1;

static QXLDrawable *new_drawable(uint8_t type, int left, int top, int right, int bottom)
{
    QXLDrawable *d = galloc(sizeof *d);
    d->release_info.id = new_release_id();
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

static uint32_t expand5(uint32_t v) { return (v << 3) | (v >> 2); }

struct bitmap_spec {
    int fmt, w, h, stride, top_down, chunks;  /* chunks: 0 = QXL_BITMAP_DIRECT, else that many QXLDataChunks */
    const uint32_t *pal;                     /* palette (xRGB) for the palettized formats */
    int pal_n;
    uint64_t pal_unique;
};

/* what a source value looks like on screen */
static uint32_t to_rgb(const struct bitmap_spec *b, uint32_t v)
{
    switch (b->fmt) {
    case SPICE_BITMAP_FMT_1BIT_LE: case SPICE_BITMAP_FMT_1BIT_BE:
    case SPICE_BITMAP_FMT_4BIT_LE: case SPICE_BITMAP_FMT_4BIT_BE:
    case SPICE_BITMAP_FMT_8BIT:
        return b->pal[v] & 0xffffff;
    case SPICE_BITMAP_FMT_16BIT:
        return expand5((v >> 10) & 31) << 16 | expand5((v >> 5) & 31) << 8 | expand5(v & 31);
    default:
        return v & 0xffffff;
    }
}

static void encode(uint8_t *row, int fmt, int x, uint32_t v)
{
    switch (fmt) {
    case SPICE_BITMAP_FMT_1BIT_LE: row[x / 8] |= (v & 1) << (x % 8); break;
    case SPICE_BITMAP_FMT_1BIT_BE: row[x / 8] |= (v & 1) << (7 - x % 8); break;
    case SPICE_BITMAP_FMT_4BIT_LE: row[x / 2] |= (v & 15) << ((x % 2) ? 4 : 0); break;
    case SPICE_BITMAP_FMT_4BIT_BE: row[x / 2] |= (v & 15) << ((x % 2) ? 0 : 4); break;
    case SPICE_BITMAP_FMT_8BIT: row[x] = v; break;
    case SPICE_BITMAP_FMT_16BIT: row[2 * x] = v; row[2 * x + 1] = v >> 8; break;
    case SPICE_BITMAP_FMT_24BIT: row[3 * x] = v; row[3 * x + 1] = v >> 8; row[3 * x + 2] = v >> 16; break;
    default: row[4 * x] = v; row[4 * x + 1] = v >> 8; row[4 * x + 2] = v >> 16; row[4 * x + 3] = 0; break;
    }
}

typedef uint32_t (*pixel_fn)(int x, int y);
static int row_aligned_chunks;
static uint64_t cache_id; /* when set, images are made with this id and QXL_IMAGE_CACHE, as drivers mark icons */

/* A QXLImage holding b's bitmap with pixel values f(x, y) (x, y counted from the image's top-left). */
static QXLImage *make_image(const struct bitmap_spec *b, pixel_fn f)
{
    size_t size = (size_t) b->stride * b->h;
    uint8_t *pixels = malloc(size);
    memset(pixels, 0, size);
    for (int y = 0; y < b->h; y++) {
        uint8_t *row = pixels + (size_t) (b->top_down ? y : b->h - 1 - y) * b->stride;
        for (int x = 0; x < b->w; x++) {
            encode(row, b->fmt, x, f(x, y));
        }
    }
    QXLImage *img = galloc(sizeof *img);
    img->descriptor.id = cache_id ? cache_id : next_image_id++ << 32 | QXL_IMAGE_GROUP_DEVICE;
    img->descriptor.type = SPICE_IMAGE_TYPE_BITMAP;
    img->descriptor.flags = cache_id ? QXL_IMAGE_CACHE : 0;
    img->descriptor.width = b->w;
    img->descriptor.height = b->h;
    img->bitmap.format = b->fmt;
    img->bitmap.flags = b->top_down ? QXL_BITMAP_TOP_DOWN : 0;
    img->bitmap.x = b->w;
    img->bitmap.y = b->h;
    img->bitmap.stride = b->stride;
    if (b->pal) {
        QXLPalette *p = galloc(sizeof *p + 4 * b->pal_n);
        p->unique = b->pal_unique;
        p->num_ents = b->pal_n;
        memcpy(p->ents, b->pal, 4 * b->pal_n);
        img->bitmap.palette = phys(p);
    }
    if (b->chunks == 0) {
        img->bitmap.flags |= QXL_BITMAP_DIRECT;
        uint8_t *data = galloc(size);
        memcpy(data, pixels, size);
        img->bitmap.data = phys(data);
    } else {
        /* Before any client is connected: split at uneven byte offsets, across row boundaries (the reference's
         * canvas accepts it). While a client is connected, whole rows per chunk as the guest drivers do: the
         * reference's LZ encoder fails ("more lines failed") and aborts the process on a row split across chunks. */
        QXLDataChunk *prev = NULL;
        size_t done = 0;
        for (int i = 0; i < b->chunks; i++) {
            size_t part = i == b->chunks - 1 ? size - done
                        : row_aligned_chunks ? (size_t) (b->h / b->chunks) * b->stride
                        : size / b->chunks + 7 * (i + 1);
            QXLDataChunk *c = galloc(sizeof *c + part);
            c->data_size = part;
            memcpy(c->data, pixels + done, part);
            done += part;
            if (prev) {
                prev->next_chunk = phys(c);
                c->prev_chunk = phys(prev);
            } else {
                img->bitmap.data = phys(c);
            }
            prev = c;
        }
    }
    free(pixels);
    return img;
}

/* DRAW_COPY of the image's src area (sx, sy, w, h) to (dx, dy) on the primary. */
static void draw_copy_area(const struct bitmap_spec *b, pixel_fn f, int sx, int sy, int w, int h, int dx, int dy)
{
    QXLImage *img = make_image(b, f);
    QXLDrawable *d = new_drawable(QXL_DRAW_COPY, dx, dy, dx + w, dy + h);
    d->u.copy.src_bitmap = phys(img);
    d->u.copy.src_area = (QXLRect) { .top = sy, .left = sx, .bottom = sy + h, .right = sx + w };
    d->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
    d->u.copy.scale_mode = SPICE_IMAGE_SCALE_MODE_NEAREST;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            expected[(dy + y) * primary_w + dx + x] = to_rgb(b, f(sx + x, sy + y));
        }
    }
    push(&draw_ring, phys(d), QXL_CMD_DRAW);
}
static void draw_copy(const struct bitmap_spec *b, pixel_fn f, int dx, int dy)
{
    draw_copy_area(b, f, 0, 0, b->w, b->h, dx, dy);
}

static void draw_fill(int left, int top, int right, int bottom, uint32_t color)
{
    QXLDrawable *d = new_drawable(QXL_DRAW_FILL, left, top, right, bottom);
    d->u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
    d->u.fill.brush.u.color = color;
    d->u.fill.rop_descriptor = SPICE_ROPD_OP_PUT;
    for (int y = top; y < bottom; y++) {
        for (int x = left; x < right; x++) {
            expected[y * primary_w + x] = color & 0xffffff;
        }
    }
    push(&draw_ring, phys(d), QXL_CMD_DRAW);
}

static void copy_bits(int src_x, int src_y, int left, int top, int right, int bottom)
{
    QXLDrawable *d = new_drawable(QXL_COPY_BITS, left, top, right, bottom);
    d->u.copy_bits.src_pos = (QXLPoint) { .x = src_x, .y = src_y };
    int w = right - left, h = bottom - top;
    uint32_t *tmp = malloc(sizeof(uint32_t) * w * h);
    for (int y = 0; y < h; y++) {
        memcpy(tmp + y * w, expected + (src_y + y) * primary_w + src_x, 4 * w);
    }
    for (int y = 0; y < h; y++) {
        memcpy(expected + (top + y) * primary_w + left, tmp + y * w, 4 * w);
    }
    free(tmp);
    push(&draw_ring, phys(d), QXL_CMD_DRAW);
}

/* the patterns (x, y relative to each image) */
static int grad_w, grad_h;
static uint32_t gradient(int x, int y)
{
    return (x * 255 / (grad_w - 1)) << 16 | (y * 255 / (grad_h - 1)) << 8 | ((x + y) & 255);
}
static uint32_t solid_red(int x, int y) { return 0xdd2211; }
static uint32_t solid_white(int x, int y) { return 0xffffff; }
static uint32_t rgb24(int x, int y) { return ((x * 4) & 255) << 16 | ((y * 5) & 255) << 8 | (y < 8 ? 0xff : 0x80); }
static uint32_t rgb555(int x, int y) { return (x % 32) << 10 | (y % 32) << 5 | ((x + y) % 32); }
static uint32_t index8(int x, int y) { return (x + 2 * y) & 255; }
static uint32_t index4(int x, int y) { return (x / 3 + y / 4) & 15; }
static uint32_t checker(int x, int y) { return ((x / 4) ^ (y / 4) ^ (x == y)) & 1; }
static uint32_t rings32(int x, int y) { return ((x * x + y * y) / 16 & 255) << 16 | (x * 3) << 8 | (y * 3); }
static uint32_t stripes24(int x, int y) { return (y / 3) % 2 ? 0x0080ff : (x * 2) << 8; }
static uint32_t framed(int x, int y)
{ /* an 80x80 image whose inner 50x50 (from 10,10) is blue-ish; the frame must not appear */
    return (x < 10 || y < 10 || x >= 60 || y >= 60) ? 0xff00ff : (0x000040 | (x * 4) << 8 | (y * 4));
}
static int sq_x, sq_y;       /* the moving square, in primary coordinates */
static int area_x, area_y;   /* the area being drawn from the expected raster */
static uint32_t from_expected(int x, int y) { return expected[(area_y + y) * primary_w + area_x + x]; }

static uint32_t pal8[256], pal4[16];
static const uint32_t pal1a[2] = { 0x000000, 0xffcc00 };
static const uint32_t pal1b[2] = { 0x2040ff, 0xf0f0f0 };

static void draw_moving_square(int frames)
{
    const int size = 40, step = 30;
    static int f0;
    if (f0 == 0) {
        sq_x = 20;
        sq_y = 300;
    }
    for (int f = f0; f < f0 + frames; f++) {
        int nx = 20 + step * (f + 1), ny = 300 + (f % 3) * 10;
        /* the union of the old and new position: the gradient where the square was, the square where it is */
        int left = sq_x < nx ? sq_x : nx, top = sq_y < ny ? sq_y : ny;
        int right = (sq_x > nx ? sq_x : nx) + size, bottom = (sq_y > ny ? sq_y : ny) + size;
        grad_w = primary_w;
        grad_h = primary_h;
        for (int y = sq_y; y < sq_y + size; y++) {
            for (int x = sq_x; x < sq_x + size; x++) {
                expected[y * primary_w + x] = gradient(x, y);
            }
        }
        for (int y = ny; y < ny + size; y++) {
            for (int x = nx; x < nx + size; x++) {
                expected[y * primary_w + x] = 0xffff00 - (uint32_t) (f * 0x100000);
            }
        }
        area_x = left;
        area_y = top;
        struct bitmap_spec b = { SPICE_BITMAP_FMT_32BIT, right - left, bottom - top, (right - left) * 4, 1, 0, NULL, 0, 0 };
        draw_copy(&b, from_expected, left, top);
        sq_x = nx;
        sq_y = ny;
        spice_qxl_wakeup(&qxl);
        hostloop_once(10, wake_fd);
    }
    f0 += frames;
}

static void cursor_cmd(uint8_t type, int x, int y, QXLCursor *shape)
{
    QXLCursorCmd *c = galloc(sizeof *c);
    c->release_info.id = new_release_id();
    c->type = type;
    if (type == QXL_CURSOR_SET) {
        c->u.set.position = (QXLPoint16) { .x = x, .y = y };
        c->u.set.visible = 1;
        c->u.set.shape = phys(shape);
    } else if (type == QXL_CURSOR_MOVE) {
        c->u.position = (QXLPoint16) { .x = x, .y = y };
    }
    push(&cursor_ring, phys(c), QXL_CMD_CURSOR);
    spice_qxl_wakeup(&qxl);
}

static QXLCursor *alpha_cursor(uint64_t unique, int w, int h, int hot_x, int hot_y, uint32_t color)
{
    uint32_t size = 4u * w * h;
    QXLCursor *c = galloc(sizeof *c + size);
    c->header.unique = unique;
    c->header.type = SPICE_CURSOR_TYPE_ALPHA;
    c->header.width = w;
    c->header.height = h;
    c->header.hot_spot_x = hot_x;
    c->header.hot_spot_y = hot_y;
    c->data_size = size;
    c->chunk.data_size = size;
    uint8_t *px = c->chunk.data; /* unaligned: written byte-wise */
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) { /* a triangle, opaque inside, half transparent edge, clear outside */
            uint32_t v = x < y ? 0xff000000 | color : x == y ? 0x80000000 | (color >> 1 & 0x7f7f7f) : 0;
            memcpy(px + 4 * (y * w + x), &v, 4);
        }
    }
    return c;
}

static void draw_all(void)
{
    grad_w = primary_w;
    grad_h = primary_h;
    struct bitmap_spec full = { SPICE_BITMAP_FMT_32BIT, primary_w, primary_h, primary_w * 4, 1, 0, NULL, 0, 0 };
    draw_copy(&full, gradient, 0, 0);
    spice_qxl_wakeup(&qxl);

    struct bitmap_spec red = { SPICE_BITMAP_FMT_32BIT, 100, 80, 400, 1, 0, NULL, 0, 0 };
    draw_copy(&red, solid_red, 20, 20);
    struct bitmap_spec white = { SPICE_BITMAP_FMT_32BIT, 30, 30, 120, 0, 0, NULL, 0, 0 };
    draw_copy(&white, solid_white, 45, 45);
    struct bitmap_spec b24 = { SPICE_BITMAP_FMT_24BIT, 64, 48, 64 * 3, 0, 0, NULL, 0, 0 };           /* bottom-up */
    draw_copy(&b24, rgb24, 140, 20);
    struct bitmap_spec b16 = { SPICE_BITMAP_FMT_16BIT, 64, 48, 64 * 2, 1, 0, NULL, 0, 0 };
    draw_copy(&b16, rgb555, 220, 20);
    struct bitmap_spec b8 = { SPICE_BITMAP_FMT_8BIT, 64, 48, 68, 1, 0, pal8, 256, 0x1234 };  /* padded rows */
    draw_copy(&b8, index8, 300, 20);
    struct bitmap_spec b4 = { SPICE_BITMAP_FMT_4BIT_BE, 48, 48, 24, 0, 0, pal4, 16, 0 };
    draw_copy(&b4, index4, 380, 20);
    /* only the MSB-first 1-bit and 4-bit formats: the reference's canvas aborts the process on 1BIT_LE/4BIT_LE */
    struct bitmap_spec b1a = { SPICE_BITMAP_FMT_1BIT_BE, 61, 48, 8, 1, 0, pal1a, 2, 0 };
    draw_copy(&b1a, checker, 440, 20);
    struct bitmap_spec b1b = { SPICE_BITMAP_FMT_1BIT_BE, 61, 48, 8, 0, 0, pal1b, 2, 0x99 };
    draw_copy(&b1b, checker, 510, 20);
    spice_qxl_wakeup(&qxl);

    struct bitmap_spec c32 = { SPICE_BITMAP_FMT_32BIT, 100, 60, 400, 1, 3, NULL, 0, 0 };            /* 3 chunks */
    draw_copy(&c32, rings32, 20, 120);
    struct bitmap_spec c24 = { SPICE_BITMAP_FMT_24BIT, 70, 60, 212, 0, 2, NULL, 0, 0 };             /* 2 chunks, bottom-up */
    draw_copy(&c24, stripes24, 140, 120);
    struct bitmap_spec c8 = { SPICE_BITMAP_FMT_8BIT, 50, 40, 52, 0, 2, pal8, 256, 0 };
    draw_copy(&c8, index8, 230, 120);
    struct bitmap_spec fr = { SPICE_BITMAP_FMT_32BIT, 80, 80, 320, 1, 0, NULL, 0, 0 };
    draw_copy_area(&fr, framed, 10, 10, 50, 50, 300, 200);                                 /* src_area inside */
    spice_qxl_wakeup(&qxl);

    draw_fill(300, 120, 400, 180, 0x00336699);
    copy_bits(20, 20, 420, 120, 520, 200);                                                 /* from the red block */
    copy_bits(430, 130, 440, 140, 540, 220);                                               /* overlapping */
    spice_qxl_wakeup(&qxl);

    draw_moving_square(8);

    QXLCursor *arrow = alpha_cursor(0x1001, 32, 32, 3, 4, 0x20c040);
    QXLCursor *other = alpha_cursor(0, 16, 24, 1, 2, 0xc02040);
    cursor_cmd(QXL_CURSOR_SET, 100, 100, arrow);
    cursor_cmd(QXL_CURSOR_MOVE, 150, 120, NULL);
    cursor_cmd(QXL_CURSOR_HIDE, 0, 0, NULL);
    cursor_cmd(QXL_CURSOR_SET, 200, 150, other);
    cursor_cmd(QXL_CURSOR_MOVE, 210, 160, NULL);
}

/* Drawn while a client is connected: it must arrive as incremental draw messages. Ends with a cursor move to
 * (321,123), which a client can wait for. */
static void draw_live(void)
{
    row_aligned_chunks = 1;
    draw_moving_square(5);
    struct bitmap_spec b8 = { SPICE_BITMAP_FMT_8BIT, 64, 48, 64, 0, 3, pal8, 256, 0x1234 };  /* the cached palette */
    draw_copy(&b8, index8, 520, 300);
    struct bitmap_spec b16 = { SPICE_BITMAP_FMT_16BIT, 33, 20, 68, 0, 2, NULL, 0, 0 };
    draw_copy(&b16, rgb555, 560, 400);
    draw_fill(480, 380, 540, 470, 0x00f0a000);
    copy_bits(500, 390, 10, 400, 70, 470);
    spice_qxl_wakeup(&qxl);
    /* One icon three times under one cacheable id: the client gets its pixels once, then from its pixmap cache. */
    struct bitmap_spec icon = { SPICE_BITMAP_FMT_32BIT, 24, 24, 96, 1, 0, NULL, 0, 0 };
    cache_id = 0xC0FFEE00000001ull;
    draw_copy(&icon, rings32, 440, 300);
    draw_copy(&icon, rings32, 470, 300);
    draw_copy(&icon, rings32, 500, 330);
    cache_id = 0;
    spice_qxl_wakeup(&qxl);
    QXLCursor *arrow = alpha_cursor(0x1001, 32, 32, 3, 4, 0x20c040); /* same unique: the client may have it cached */
    QXLCursor *third = alpha_cursor(0x2002, 24, 24, 12, 12, 0x4040f0);
    cursor_cmd(QXL_CURSOR_SET, 50, 60, arrow);
    cursor_cmd(QXL_CURSOR_MOVE, 70, 80, NULL);
    cursor_cmd(QXL_CURSOR_HIDE, 0, 0, NULL);
    cursor_cmd(QXL_CURSOR_SET, 90, 100, third);
    cursor_cmd(QXL_CURSOR_MOVE, 321, 123, NULL);
}

static int write_ppm(const char *path, const uint8_t *px, int stride)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return -1;
    }
    fprintf(f, "P6\n%d %d\n255\n", primary_w, primary_h);
    for (int y = 0; y < primary_h; y++) {
        const uint8_t *row = px + (ptrdiff_t) y * stride;
        for (int x = 0; x < primary_w; x++) {
            uint32_t v = row[4 * x] | row[4 * x + 1] << 8 | row[4 * x + 2] << 16;
            fputc(v >> 16 & 255, f);
            fputc(v >> 8 & 255, f);
            fputc(v & 255, f);
        }
    }
    return fclose(f);
}

/* ---------------------------------------------------------------- sound (HARNESS_AUDIO=1) */

static SpicePlaybackInstance playback;
static SpiceRecordInstance record;
static long long audio_next_ns; /* 0: no sound */
static unsigned audio_phase;

static void audio_add(SpiceServer *s)
{
    audiohost_add(s, &playback, &record);
    spice_server_playback_start(&playback);
    spice_server_record_start(&record);
    audio_next_ns = hostutil_now_ns();
}

/* The frames due since the last call (a 10 ms stereo triangle wave each, at most ten at once), then the record drain. */
static void audio_poll(void)
{
    if (!audio_next_ns) {
        return;
    }
    long long now = hostutil_now_ns();
    for (int n = 0; now >= audio_next_ns && n < 10; n++, audio_next_ns += 10000000LL) {
        uint32_t *frame = NULL;
        uint32_t count = 0;
        spice_server_playback_get_buffer(&playback, &frame, &count);
        if (!frame) {
            continue; /* no client yet */
        }
        for (uint32_t i = 0; i < count; i++, audio_phase += 600) {
            uint16_t v = (uint16_t) (int16_t) ((audio_phase & 0x10000 ? 0x1ffff - (audio_phase & 0x1ffff)
                                                                      : audio_phase & 0x1ffff) / 4 - 8192);
            frame[i] = v | (uint32_t) v << 16;
        }
        spice_server_playback_put_samples(&playback, frame);
    }
    if (now >= audio_next_ns) {
        audio_next_ns = now + 10000000LL; /* behind by more than ten frames: start again from now */
    }
    uint32_t recorded[480];
    while (spice_server_record_get_samples(&record, recorded, 480) == 480) {
    }
}

/* ---------------------------------------------------------------- benchmark mode */

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double thread_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The compression named by HARNESS_BENCH_COMPRESSION (default off: the bench's original setting). */
static SpiceImageCompression bench_compression(void)
{
    static const char *names[] = { "off", "auto_glz", "auto_lz", "quic", "glz", "lz", "lz4" };
    static const SpiceImageCompression values[] = {
        SPICE_IMAGE_COMPRESSION_OFF, SPICE_IMAGE_COMPRESSION_AUTO_GLZ, SPICE_IMAGE_COMPRESSION_AUTO_LZ,
        SPICE_IMAGE_COMPRESSION_QUIC, SPICE_IMAGE_COMPRESSION_GLZ, SPICE_IMAGE_COMPRESSION_LZ,
        SPICE_IMAGE_COMPRESSION_LZ4,
    };
    const char *name = getenv("HARNESS_BENCH_COMPRESSION");
    for (int i = 0; name && i < 7; i++) {
        if (strcmp(name, names[i]) == 0) {
            return values[i];
        }
    }
    if (name) {
        fprintf(stderr, "unknown HARNESS_BENCH_COMPRESSION %s\n", name);
        exit(1);
    }
    return SPICE_IMAGE_COMPRESSION_OFF;
}

struct bench_slot {
    QXLDrawable *drawable;
    QXLImage *image;
    uint32_t *pixels; /* the changed rectangle, top-down, stride = its width */
};

/* Loads slot k with rectangle r of the screen (the expected raster) and pushes it as one DRAW_COPY. */
static void push_bench_frame(struct bench_slot *slot, int k, struct bench_rect r)
{
    int w = r.right - r.left, h = r.bottom - r.top;
    for (int y = 0; y < h; y++) {
        memcpy(slot->pixels + (size_t) y * w, expected + (size_t) (r.top + y) * primary_w + r.left, (size_t) w * 4);
    }
    QXLImage *img = slot->image;
    memset(img, 0, sizeof *img);
    img->descriptor.id = next_image_id++ << 32 | QXL_IMAGE_GROUP_DEVICE;
    img->descriptor.type = SPICE_IMAGE_TYPE_BITMAP;
    img->descriptor.width = w;
    img->descriptor.height = h;
    img->bitmap.format = SPICE_BITMAP_FMT_32BIT;
    img->bitmap.flags = QXL_BITMAP_DIRECT | QXL_BITMAP_TOP_DOWN;
    img->bitmap.x = w;
    img->bitmap.y = h;
    img->bitmap.stride = w * 4;
    img->bitmap.data = phys(slot->pixels);
    QXLDrawable *d = slot->drawable;
    memset(d, 0, sizeof *d);
    d->release_info.id = k + 1;
    d->effect = QXL_EFFECT_OPAQUE;
    d->type = QXL_DRAW_COPY;
    d->bbox = (QXLRect) { .top = r.top, .left = r.left, .bottom = r.bottom, .right = r.right };
    for (int i = 0; i < 3; i++) {
        d->surfaces_dest[i] = -1;
    }
    d->u.copy.src_bitmap = phys(img);
    d->u.copy.src_area = (QXLRect) { .top = 0, .left = 0, .bottom = h, .right = w };
    d->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
    atomic_store(&bench_in_flight[k], 1);
    push(&draw_ring, phys(d), QXL_CMD_DRAW);
}

static int free_bench_slot(void)
{
    for (int k = 0; k < bench_slots; k++) {
        if (atomic_load(&bench_in_flight[k]) == 0) {
            return k;
        }
    }
    return -1;
}

/* Every slot held by the server: after 50 ms, ask it to free what it keeps (as a QXL guest driver does when its
 * device memory runs out), at most every 50 ms. Returns 1 when it asked. */
static long long stuck_since = -1, last_oom;
static int starved_of_memory(void)
{
    long long now = hostloop_now_ms();
    if (stuck_since < 0) {
        stuck_since = now;
    }
    if (now - stuck_since < 50 || now - last_oom < 50) {
        return 0;
    }
    last_oom = now;
    spice_qxl_oom(&qxl);
    return 1;
}

/* Once the last of HARNESS_BENCH_FRAMES frames is pushed: the expected screen goes to HARNESS_PPM. */
static void bench_frames_done(void)
{
    const char *ppm = getenv("HARNESS_PPM");
    if (ppm && write_ppm(ppm, (const uint8_t *) expected, primary_w * 4) != 0) {
        exit(1);
    }
    printf("bench-frames-done\n");
}

/* What the bench measures, from the end of the warm-up (HARNESS_BENCH_WARMUP seconds) until it stops. */
struct bench_tally {
    unsigned pushed, released0, ooms;
    unsigned long long updated; /* pixels of the frames pushed */
    double gen_cpu;             /* drawing the content: the host's work, not the server's */
    double cpu0;
    long long t0;
};

static struct bench_tally bench_tally_start(void)
{
    return (struct bench_tally) {
        .released0 = atomic_load(&released_total), .cpu0 = cpu_seconds(), .t0 = hostloop_now_ms(),
    };
}

static void bench_tally_print(const struct bench_tally *t)
{
    double secs = (hostloop_now_ms() - t->t0) / 1000.0;
    double cpu = cpu_seconds() - t->cpu0 - t->gen_cpu;
    printf("bench pushed=%u released=%u seconds=%.3f cpu=%.3f bad-releases=%u updated=%llu gen=%.3f slots=%d ooms=%u\n",
           t->pushed, atomic_load(&released_total) - t->released0, secs, cpu, atomic_load(&bad_releases), t->updated,
           t->gen_cpu, bench_slots, t->ooms);
}

/* The video of frame n as dir/n.raw (written whole, then renamed); removes the one of frame n - 250. */
static void write_truth(const char *dir, unsigned long n)
{
    struct bench_rect v = benchcontent_video_rect();
    char path[4096], tmp[4096];
    snprintf(path, sizeof path, "%s/%lu.raw", dir, n);
    snprintf(tmp, sizeof tmp, "%s/%lu.tmp", dir, n);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        return;
    }
    for (int y = v.top; y < v.bottom; y++) {
        fwrite(expected + (size_t) y * primary_w + v.left, 4, (size_t) (v.right - v.left), f);
    }
    fclose(f);
    rename(tmp, path);
    if (n >= 250) {
        snprintf(path, sizeof path, "%s/%lu.raw", dir, n - 250);
        unlink(path);
    }
}

/* what the primary was created with, for a mode switch */
static QXLDevSurfaceCreate primary_create;

/* QEMU's display mode switch (qemu_spice_display_switch): the primary destroyed and created again, then redrawn */
static void switch_mode(void)
{
    spice_qxl_destroy_primary_surface(&qxl, 0);
    QXLDevSurfaceCreate again = primary_create;
    spice_qxl_create_primary_surface(&qxl, 0, &again);
}

static void run_bench(long long end)
{
    const char *content_name = getenv("HARNESS_BENCH_CONTENT") ? getenv("HARNESS_BENCH_CONTENT") : "pattern";
    int content = benchcontent_parse(content_name);
    if (content < 0) {
        fprintf(stderr, "unknown HARNESS_BENCH_CONTENT %s\n", content_name);
        exit(1);
    }
    const char *video_size = getenv("HARNESS_BENCH_VIDEO");
    int video_w, video_h;
    if (video_size && sscanf(video_size, "%dx%d", &video_w, &video_h) == 2) {
        benchcontent_video_size(video_w, video_h);
    }
    struct bench_rect next = benchcontent_init(content, expected, primary_w, primary_h);
    if (content == BENCH_CONTENT_VIDEO) {
        struct bench_rect v = benchcontent_video_rect();
        printf("bench-video %d %d %d %d\n", v.left, v.top, v.right - v.left, v.bottom - v.top);
    }
    const char *truth_dir = content == BENCH_CONTENT_VIDEO ? getenv("HARNESS_BENCH_TRUTH") : NULL;
    static struct bench_slot slots[BENCH_MAX_SLOTS];
    /* slot 0 (the first one used) holds the whole first frame; the others the largest later change */
    size_t full_bytes = (size_t) primary_w * primary_h * 4, slot_bytes = (size_t) benchcontent_max_pixels() * 4;
    bench_slots = 1 + (int) ((mem_size - mem_used - full_bytes - (8u << 20)) / slot_bytes);
    bench_slots = bench_slots > BENCH_MAX_SLOTS ? BENCH_MAX_SLOTS : bench_slots;
    for (int k = 0; k < bench_slots; k++) {
        slots[k].drawable = galloc(sizeof(QXLDrawable));
        slots[k].image = galloc(sizeof(QXLImage));
        slots[k].pixels = galloc(k == 0 ? full_bytes : slot_bytes);
    }
    /* measure only while a client watches: wait for its display channel (at most 10 s) */
    long long wait_until = hostloop_now_ms() + 10000;
    while (!finished && !atomic_load(&display_up) && hostloop_now_ms() < wait_until) {
        hostloop_once(audio_next_ns ? 10 : 20, wake_fd);
        audio_poll();
    }
    if (!atomic_load(&display_up)) {
        printf("bench: no display channel event within 10 s; measuring anyway\n");
    }
    unsigned pushed = 0, limit = getenv("HARNESS_BENCH_FRAMES") ? atoi(getenv("HARNESS_BENCH_FRAMES")) : 0;
    int limit_reported = 0;
    long long t0 = hostloop_now_ms();
    long long warm_until = t0 + (long long) (1000 * (getenv("HARNESS_BENCH_WARMUP") ? atof(getenv("HARNESS_BENCH_WARMUP")) : 0));
    struct bench_tally tally = bench_tally_start();
    int fps = getenv("HARNESS_BENCH_FPS") ? atoi(getenv("HARNESS_BENCH_FPS")) : 0;
    /* HARNESS_BENCH_SWITCH_EVERY=N: a mode switch after every N frames (the AOT training covers that path) */
    unsigned switch_every = getenv("HARNESS_BENCH_SWITCH_EVERY") ? atoi(getenv("HARNESS_BENCH_SWITCH_EVERY")) : 0;
    unsigned switched_at = 0;
    while (!finished && hostloop_now_ms() < end) {
        if (switch_every && pushed >= switched_at + switch_every) {
            switched_at = pushed;
            switch_mode();
        }
        int any = 0;
        if (warm_until > t0 && hostloop_now_ms() >= warm_until) {
            warm_until = t0; /* the warm-up is over: measure from here */
            tally = bench_tally_start();
        }
        while (!(limit && pushed >= limit) && (fps <= 0 || pushed < (hostloop_now_ms() - t0) * fps / 1000 + 1)) {
            int k = free_bench_slot();
            if (k < 0) {
                tally.ooms += starved_of_memory();
                break;
            }
            stuck_since = -1;
            double g0 = thread_cpu_seconds();
            if (pushed > 0) {
                next = benchcontent_next(expected);
            }
            push_bench_frame(&slots[k], k, next);
            if (truth_dir && benchcontent_frame() % 5 == 0) {
                write_truth(truth_dir, benchcontent_frame());
            }
            tally.gen_cpu += thread_cpu_seconds() - g0;
            tally.updated += (unsigned long long) (next.right - next.left) * (next.bottom - next.top);
            tally.pushed++;
            pushed++;
            any = 1;
        }
        if (any) {
            spice_qxl_wakeup(&qxl);
        }
        if (limit && pushed >= limit && !limit_reported) {
            limit_reported = 1;
            bench_frames_done();
        }
        hostloop_once(fps > 0 ? 2 : audio_next_ns ? 10 : 20, wake_fd);
        audio_poll();
    }
    bench_tally_print(&tally);
}

/* ---------------------------------------------------------------- main */

static void on_signal(int sig) { finished = 1; }

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [EXPECTED.ppm]\n", argv[0]);
        return 1;
    }
    bench = getenv("HARNESS_BENCH") && atoi(getenv("HARNESS_BENCH"));
    qemu_slot = getenv("HARNESS_QEMU_SLOT") && atoi(getenv("HARNESS_QEMU_SLOT"));
    if (bench) {
        primary_w = 1920;
        primary_h = 1080;
    }
    if (getenv("HARNESS_WIDTH")) {
        primary_w = atoi(getenv("HARNESS_WIDTH"));
    }
    if (getenv("HARNESS_HEIGHT")) {
        primary_h = atoi(getenv("HARNESS_HEIGHT"));
    }
    if (!bench && (primary_w < 640 || primary_h < 480)) {
        fprintf(stderr, "the patterns need at least 640x480\n");
        return 1;
    }
    const char *ppm = argc > 2 ? argv[2] : getenv("HARNESS_PPM");
    const char *surface_ppm = getenv("HARNESS_SURFACE_PPM");
    const char *live_ppm = getenv("HARNESS_LIVE_PPM");
    live_wanted = !live_ppm ? 0 : getenv("HARNESS_LIVE_AFTER") ? atoi(getenv("HARNESS_LIVE_AFTER")) : 1;
    wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (bench) {
        mem_size = BENCH_MEM_SIZE;
    }
    mem = aligned_alloc(4096, mem_size);
    memset(mem, 0, mem_size);
    expected = calloc((size_t) primary_w * primary_h, 4);

    SpiceServer *s = spice_server_new();
    spice_server_set_port(s, atoi(argv[1]));
    spice_server_set_addr(s, "127.0.0.1", 0);
    if (harness_tls_from_env(s) != 0) { /* HARNESS_TLS_PORT, HARNESS_X509_DIR: scripts/bench-tls */
        return 1;
    }
    spice_server_set_noauth(s);
    if (getenv("HARNESS_NAME")) { /* as QEMU names the VM: the main channel sends NAME and UUID */
        static const uint8_t uuid[16] = { 0x5b, 0x1d, 0x0e, 0x9c, 0x4a, 0x7f, 0x41, 0x2e,
                                          0x9a, 0x33, 0x60, 0x0c, 0x2b, 0x5d, 0x71, 0x08 };
        spice_server_set_name(s, getenv("HARNESS_NAME"));
        spice_server_set_uuid(s, uuid);
    }
    const char *comp = getenv("HARNESS_COMPRESSION");
    if (bench) {
        spice_server_set_image_compression(s, bench_compression());
    } else if (comp && strcmp(comp, "off") == 0) {
        spice_server_set_image_compression(s, SPICE_IMAGE_COMPRESSION_OFF);
    }
    int qemu_start = getenv("HARNESS_QEMU_START") && atoi(getenv("HARNESS_QEMU_START"));
    if (qemu_start) { /* QEMU's defaults, set before init */
        spice_server_set_jpeg_compression(s, SPICE_WAN_COMPRESSION_AUTO);
        spice_server_set_zlib_glz_compression(s, SPICE_WAN_COMPRESSION_AUTO);
    }
    const char *streaming = getenv("HARNESS_STREAMING");
    spice_server_set_streaming_video(s, !streaming || strcmp(streaming, "off") == 0 ? SPICE_STREAM_VIDEO_OFF
                                        : strcmp(streaming, "all") == 0 ? SPICE_STREAM_VIDEO_ALL
                                        : SPICE_STREAM_VIDEO_FILTER); /* off: no lossy video streams, exact images */
    if (spice_server_init(s, hostloop_core("display harness", channel_event)) != 0) {
        printf("init failed\n");
        return 1;
    }
    qxl.base.sif = &qxl_if.base;
    qxl.id = 0;
    spice_server_add_interface(s, &qxl.base);
    if (getenv("HARNESS_AUDIO") && atoi(getenv("HARNESS_AUDIO"))) {
        audio_add(s);
    }
    if (qemu_start) {
        spice_qxl_set_device_info(&qxl, "pci/0000/02.0", 0, 1);
        /* the device reset QEMU makes before its guest starts (qxl_hard_reset, then VGA mode) */
        spice_qxl_reset_cursor(&qxl);
        spice_qxl_reset_image_cache(&qxl);
        spice_qxl_destroy_surfaces(&qxl);
        spice_qxl_reset_memslots(&qxl);
        attach_worker(&qxl, NULL);
        spice_qxl_driver_unload(&qxl);
    }

    /* the primary as QEMU's qemu_spice_create_host_primary: xRGB, stride -width*4, mem = start of the buffer */
    primary = galloc((size_t) primary_w * primary_h * 4);
    QXLDevSurfaceCreate surface = {
        .width = primary_w, .height = primary_h, .stride = -primary_w * 4, .format = SPICE_SURFACE_FMT_32_xRGB,
        .position = 0, .mouse_mode = 1, .flags = 0, .type = 0, .mem = phys(primary), .group_id = 0,
    };
    primary_create = surface;
    spice_qxl_create_primary_surface(&qxl, 0, &surface);
    spice_server_vm_start(s);
    printf("ready\n");

    long long end = hostloop_now_ms() + 1000LL * (getenv("HARNESS_SECONDS") ? atoi(getenv("HARNESS_SECONDS")) : 20);
    if (bench) {
        run_bench(end);
        return 0;
    }

    for (int i = 0; i < 256; i++) {
        pal8[i] = (uint32_t) (i * 7 & 255) << 16 | (uint32_t) (255 - i) << 8 | (uint32_t) (i * 3 & 255);
    }
    for (int i = 0; i < 16; i++) {
        pal4[i] = (uint32_t) (i * 16) << 16 | (uint32_t) (i * 9) << 8 | (uint32_t) (240 - i * 15);
    }
    draw_all();
    unsigned total = cmds_made;
    long long deadline = hostloop_now_ms() + 10000;
    while (!finished && atomic_load(&fetched) < total && hostloop_now_ms() < deadline) {
        spice_qxl_wakeup(&qxl);
        hostloop_once(10, wake_fd);
    }
    if (atomic_load(&fetched) < total) {
        printf("server took only %u of %u commands\n", atomic_load(&fetched), total);
    }
    QXLRect all = { .top = 0, .left = 0, .bottom = primary_h, .right = primary_w };
    spice_qxl_update_area(&qxl, 0, &all, NULL, 0, 1);
    if (ppm && write_ppm(ppm, (const uint8_t *) expected, primary_w * 4) != 0) {
        return 1;
    }
    if (surface_ppm && write_ppm(surface_ppm, primary + (size_t) (primary_h - 1) * primary_w * 4, -primary_w * 4) != 0) {
        return 1;
    }
    printf("frame-done commands=%u\n", total);

    while (!finished && hostloop_now_ms() < end) {
        hostloop_once(20, wake_fd);
        long long due = atomic_load(&live_due);
        if (due >= 0 && hostloop_now_ms() >= due) {
            atomic_store(&live_due, 1LL << 62);
            unsigned before = cmds_made;
            draw_live();
            if (write_ppm(live_ppm, (const uint8_t *) expected, primary_w * 4) != 0) {
                return 1;
            }
            printf("live-done commands=%u\n", cmds_made - before);
        }
    }
    total = cmds_made;
    /* a device reset: every command still held by the server must come back now */
    spice_server_vm_stop(s);
    spice_qxl_destroy_surfaces(&qxl);
    spice_qxl_reset_cursor(&qxl);
    spice_qxl_reset_image_cache(&qxl);
    unsigned never = 0;
    pthread_mutex_lock(&lock);
    for (unsigned id = 1; id <= total; id++) {
        never += release_count[id] == 0;
    }
    pthread_mutex_unlock(&lock);
    printf("released %u of %u (never %u, bad %u)\n", atomic_load(&released_total), total, never,
           atomic_load(&bad_releases));
    return 0;
}
