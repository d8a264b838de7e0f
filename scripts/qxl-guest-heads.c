/*
 * Runs inside the guest that scripts/make-qxl-heads-guest builds (compiled there with gcc -static against Debian's
 * libdrm-dev headers; plain ioctls, no libdrm). It lights several displays of the qxl DRM driver through legacy KMS,
 * each with its own dumb framebuffer and a known picture, and later turns single heads off and on again, so a test
 * can check what a SPICE client sees of each head (one QXL device with several heads) or of each card (several
 * QXL devices).
 *
 * Usage: qxl-guest-heads  (commands on stdin, one per line; one "HEADS ..." line on stdout per command)
 *   show CARD CRTC W H    show a WxH framebuffer on CRTC (an index) of /dev/dri/cardCARD, through the connector of
 *                         the same index, with a mode of that size taken from any connector of the card (a head
 *                         the host has not announced has no modes of its own); the driver draws the whole framebuffer
 *                         on the mode set. Prints "HEADS shown CARD CRTC WxH".
 *   redraw CARD CRTC      sets a shown head's framebuffer and mode again. The driver keeps the dumb framebuffers of
 *                         all heads of a card side by side in one primary surface (its "dumb shadow"), recreates it
 *                         when a head is added or resized and then draws only the head being set, so the others need
 *                         this. (DIRTYFB is no help: the driver draws a dirty framebuffer at the shadow's left edge
 *                         whichever head shows it, and ignores it once the shadow was replaced.) Prints
 *                         "HEADS redrawn CARD CRTC".
 *   off CARD CRTC         turns the CRTC off (SETCRTC with no framebuffer). The driver announces the remaining heads,
 *                         then destroys the shared primary surface; it makes a new one when a head is set again
 *                         ("redraw"). Prints "HEADS off CARD CRTC".
 *   quit                  exits (the kernel then restores its console). Prints "HEADS bye".
 * A failure prints "HEADS error <what>: <errno text>" and the program goes on reading.
 *
 * The picture of display number D (D = CARD * 8 + CRTC, so each head of each card differs): 32x32 tiles, tile
 * (tx, ty) in colour heads_tile_rgb(D, tx, ty) below; tests compute the same colours (QemuMultiHeadIT.tileRgb).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm.h>
#include <drm_mode.h>

#define MAX_CARDS 4
#define MAX_HEADS 8
#define TILE 32

struct head {
    uint32_t fb, handle, width, height;
    struct drm_mode_modeinfo mode;
};

struct card {
    int fd;
    uint32_t crtcs[MAX_HEADS], connectors[MAX_HEADS];
    uint32_t n_crtcs, n_connectors;
    struct head heads[MAX_HEADS];
};

static struct card cards[MAX_CARDS];

static uint32_t heads_tile_rgb(uint32_t display, uint32_t tx, uint32_t ty)
{
    uint32_t r = (tx * 40 + display * 96) & 0xff;
    uint32_t g = (ty * 40 + display * 24) & 0xff;
    uint32_t b = ((tx + ty) * 24 + display * 152) & 0xff;
    return r << 16 | g << 8 | b;
}

static int try_ioctl(int fd, unsigned long request, void *arg, const char *name)
{
    int r;
    do {
        r = ioctl(fd, request, arg);
    } while (r != 0 && (errno == EINTR || errno == EAGAIN));
    if (r != 0) {
        printf("HEADS error %s: %s\n", name, strerror(errno));
        fflush(stdout);
    }
    return r;
}

static struct card *open_card(uint32_t index)
{
    if (index >= MAX_CARDS) {
        printf("HEADS error card %u: out of range\n", index);
        return NULL;
    }
    struct card *c = &cards[index];
    if (c->fd > 0) {
        return c;
    }
    char path[32];
    snprintf(path, sizeof path, "/dev/dri/card%u", index);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        printf("HEADS error open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    struct drm_mode_card_res res = {0};
    if (try_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res, "GETRESOURCES") != 0) {
        close(fd);
        return NULL;
    }
    res.count_crtcs = res.count_crtcs > MAX_HEADS ? MAX_HEADS : res.count_crtcs;
    res.count_connectors = res.count_connectors > MAX_HEADS ? MAX_HEADS : res.count_connectors;
    res.count_fbs = res.count_encoders = 0;
    res.crtc_id_ptr = (uintptr_t) c->crtcs;
    res.connector_id_ptr = (uintptr_t) c->connectors;
    if (try_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res, "GETRESOURCES") != 0) {
        close(fd);
        return NULL;
    }
    c->fd = fd;
    c->n_crtcs = res.count_crtcs;
    c->n_connectors = res.count_connectors;
    printf("HEADS card %u: %u crtcs, %u connectors\n", index, c->n_crtcs, c->n_connectors);
    return c;
}

/* A mode of exactly width x height from any connector of the card (probing each). */
static int find_mode(struct card *c, uint32_t width, uint32_t height, struct drm_mode_modeinfo *out)
{
    static struct drm_mode_modeinfo modes[128];
    for (uint32_t k = 0; k < c->n_connectors; k++) {
        struct drm_mode_get_connector conn = {.connector_id = c->connectors[k]};
        if (try_ioctl(c->fd, DRM_IOCTL_MODE_GETCONNECTOR, &conn, "GETCONNECTOR") != 0) {
            continue;
        }
        conn.count_modes = conn.count_modes > 128 ? 128 : conn.count_modes;
        conn.count_props = conn.count_encoders = 0;
        conn.modes_ptr = (uintptr_t) modes;
        if (try_ioctl(c->fd, DRM_IOCTL_MODE_GETCONNECTOR, &conn, "GETCONNECTOR") != 0) {
            continue;
        }
        for (uint32_t i = 0; i < conn.count_modes; i++) {
            if (modes[i].hdisplay == width && modes[i].vdisplay == height) {
                *out = modes[i];
                return 0;
            }
        }
    }
    printf("HEADS error no %ux%u mode on any connector\n", width, height);
    return -1;
}

static void show(uint32_t card, uint32_t crtc, uint32_t width, uint32_t height)
{
    struct card *c = open_card(card);
    if (c == NULL) {
        return;
    }
    if (crtc >= c->n_crtcs || crtc >= c->n_connectors) {
        printf("HEADS error crtc %u: the card has %u\n", crtc, c->n_crtcs);
        return;
    }
    struct drm_mode_modeinfo mode;
    if (find_mode(c, width, height, &mode) != 0) {
        return;
    }
    struct drm_mode_create_dumb create = {.width = width, .height = height, .bpp = 32};
    if (try_ioctl(c->fd, DRM_IOCTL_MODE_CREATE_DUMB, &create, "CREATE_DUMB") != 0) {
        return;
    }
    struct drm_mode_map_dumb map = {.handle = create.handle};
    if (try_ioctl(c->fd, DRM_IOCTL_MODE_MAP_DUMB, &map, "MAP_DUMB") != 0) {
        return;
    }
    uint32_t *pixels = mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, map.offset);
    if (pixels == MAP_FAILED) {
        printf("HEADS error mmap: %s\n", strerror(errno));
        return;
    }
    uint32_t display = card * 8 + crtc;
    for (uint32_t y = 0; y < height; y++) {
        for (uint32_t x = 0; x < width; x++) {
            pixels[y * (create.pitch / 4) + x] = 0xff000000 | heads_tile_rgb(display, x / TILE, y / TILE);
        }
    }
    munmap(pixels, create.size);
    struct drm_mode_fb_cmd fb = {.width = width, .height = height, .pitch = create.pitch, .bpp = 32, .depth = 24,
                                 .handle = create.handle};
    if (try_ioctl(c->fd, DRM_IOCTL_MODE_ADDFB, &fb, "ADDFB") != 0) {
        return;
    }
    struct drm_mode_crtc set = {.crtc_id = c->crtcs[crtc], .fb_id = fb.fb_id,
                                .set_connectors_ptr = (uintptr_t) &c->connectors[crtc], .count_connectors = 1,
                                .mode = mode, .mode_valid = 1};
    if (try_ioctl(c->fd, DRM_IOCTL_MODE_SETCRTC, &set, "SETCRTC") != 0) {
        return;
    }
    struct head old = c->heads[crtc];
    c->heads[crtc] = (struct head) {.fb = fb.fb_id, .handle = create.handle, .width = width, .height = height,
                                    .mode = mode};
    if (old.fb != 0) {
        try_ioctl(c->fd, DRM_IOCTL_MODE_RMFB, &old.fb, "RMFB");
        struct drm_mode_destroy_dumb destroy = {.handle = old.handle};
        try_ioctl(c->fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy, "DESTROY_DUMB");
    }
    printf("HEADS shown %u %u %ux%u\n", card, crtc, width, height);
}

static void redraw(uint32_t card, uint32_t crtc)
{
    struct card *c = open_card(card);
    if (c == NULL) {
        return;
    }
    if (crtc >= MAX_HEADS || c->heads[crtc].fb == 0) {
        printf("HEADS error redraw %u %u: not shown\n", card, crtc);
        return;
    }
    struct head *h = &c->heads[crtc];
    struct drm_mode_crtc set = {.crtc_id = c->crtcs[crtc], .fb_id = h->fb,
                                .set_connectors_ptr = (uintptr_t) &c->connectors[crtc], .count_connectors = 1,
                                .mode = h->mode, .mode_valid = 1};
    if (try_ioctl(c->fd, DRM_IOCTL_MODE_SETCRTC, &set, "SETCRTC redraw") != 0) {
        return;
    }
    printf("HEADS redrawn %u %u\n", card, crtc);
}

static void off(uint32_t card, uint32_t crtc)
{
    struct card *c = open_card(card);
    if (c == NULL) {
        return;
    }
    if (crtc >= c->n_crtcs) {
        printf("HEADS error crtc %u: the card has %u\n", crtc, c->n_crtcs);
        return;
    }
    struct drm_mode_crtc set = {.crtc_id = c->crtcs[crtc]};
    if (try_ioctl(c->fd, DRM_IOCTL_MODE_SETCRTC, &set, "SETCRTC off") != 0) {
        return;
    }
    printf("HEADS off %u %u\n", card, crtc);
}

int main(void)
{
    char line[256];
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("HEADS ready\n");
    while (fgets(line, sizeof line, stdin) != NULL) {
        uint32_t card, crtc, width, height;
        if (sscanf(line, "show %u %u %u %u", &card, &crtc, &width, &height) == 4) {
            show(card, crtc, width, height);
        } else if (sscanf(line, "redraw %u %u", &card, &crtc) == 2) {
            redraw(card, crtc);
        } else if (sscanf(line, "off %u %u", &card, &crtc) == 2) {
            off(card, crtc);
        } else if (strncmp(line, "quit", 4) == 0) {
            printf("HEADS bye\n");
            return 0;
        } else if (line[0] != '\n' && line[0] != '\r') {
            printf("HEADS error unknown command: %s", line);
        }
        fflush(stdout);
    }
    return 0;
}
