/*
 * Runs inside the guest that scripts/make-qxl-guest builds (compiled there with gcc -static against Debian's
 * libdrm-dev headers; plain ioctls, no libdrm). It drives the qxl DRM driver through KMS so the guest sends more
 * than fbcon's DRAW_COPYs:
 *   - a 64x64 ARGB cursor (cursor ring: SET, then MOVEs),
 *   - an 800x600 mode with its own framebuffer (QEMU destroys and recreates the primary surface through spice),
 *     then a dirty rectangle drawn into it (a DRAW_COPY of part of the screen),
 *   - back to fbcon's framebuffer and mode (the primary surface is recreated at 1024x768 again).
 * Then it stays in the background holding the device open, so the cursor stays set; it prints one "KMS ..." line
 * per step on stdout and "KMS done" when the screen is fbcon's again.
 * With "animate SECONDS" it instead shows a framebuffer of its own at fbcon's mode and redraws a 320x240 photo-like
 * region (smooth gradients that move) 25 times a second for SECONDS, each frame a dirty rectangle (a DRAW_COPY of
 * the same box: a video stream for the server), then shows fbcon's framebuffer again and prints "KMS animate done".
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

static int fd;

static void xioctl(unsigned long request, void *arg, const char *name)
{
    int r;
    do {
        r = ioctl(fd, request, arg);
    } while (r != 0 && (errno == EINTR || errno == EAGAIN));
    if (r != 0) {
        printf("KMS %s failed: %s\n", name, strerror(errno));
        fflush(stdout);
        exit(1);
    }
}

struct buffer {
    uint32_t width, height, pitch, handle, fb;
    uint32_t *pixels;
};

static struct buffer dumb(uint32_t width, uint32_t height, int with_fb)
{
    struct buffer b = {.width = width, .height = height};
    struct drm_mode_create_dumb create = {.width = width, .height = height, .bpp = 32};
    xioctl(DRM_IOCTL_MODE_CREATE_DUMB, &create, "CREATE_DUMB");
    struct drm_mode_map_dumb map = {.handle = create.handle};
    xioctl(DRM_IOCTL_MODE_MAP_DUMB, &map, "MAP_DUMB");
    void *p = mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, map.offset);
    if (p == MAP_FAILED) {
        printf("KMS mmap failed: %s\n", strerror(errno));
        exit(1);
    }
    b.pitch = create.pitch;
    b.handle = create.handle;
    b.pixels = p;
    if (with_fb) {
        struct drm_mode_fb_cmd fb = {.width = width, .height = height, .pitch = create.pitch, .bpp = 32,
                                     .depth = 24, .handle = create.handle};
        xioctl(DRM_IOCTL_MODE_ADDFB, &fb, "ADDFB");
        b.fb = fb.fb_id;
    }
    return b;
}

static void fill(struct buffer *b, uint32_t x0, uint32_t y0, uint32_t w, uint32_t h, uint32_t argb)
{
    for (uint32_t y = y0; y < y0 + h && y < b->height; y++) {
        for (uint32_t x = x0; x < x0 + w && x < b->width; x++) {
            b->pixels[y * (b->pitch / 4) + x] = argb;
        }
    }
}

static int animate(struct drm_mode_crtc *saved, uint32_t *connectors, int seconds)
{
    struct buffer screen = dumb(saved->mode.hdisplay, saved->mode.vdisplay, 1);
    fill(&screen, 0, 0, screen.width, screen.height, 0xff203040);
    struct drm_mode_crtc mode = {.crtc_id = saved->crtc_id, .fb_id = screen.fb,
                                 .set_connectors_ptr = (uintptr_t) connectors, .count_connectors = 1,
                                 .mode = saved->mode, .mode_valid = 1};
    xioctl(DRM_IOCTL_MODE_SETCRTC, &mode, "SETCRTC animate");
    printf("KMS animate start %ux%u\n", screen.width, screen.height);
    fflush(stdout);
    const uint32_t x0 = 100, y0 = 80, w = 320, h = 240;
    int frames = seconds * 25;
    for (int t = 0; t < frames; t++) {
        for (uint32_t y = 0; y < h; y++) {
            uint32_t *row = screen.pixels + (y0 + y) * (screen.pitch / 4) + x0;
            for (uint32_t x = 0; x < w; x++) {
                uint32_t r = (x + 4 * t) & 0xff, g = (y + 2 * t) & 0xff, b = ((x + y) / 2 + t) & 0xff;
                row[x] = 0xff000000 | r << 16 | g << 8 | b;
            }
        }
        struct drm_clip_rect clip = {.x1 = x0, .y1 = y0, .x2 = x0 + w, .y2 = y0 + h};
        struct drm_mode_fb_dirty_cmd dirty = {.fb_id = screen.fb, .num_clips = 1, .clips_ptr = (uintptr_t) &clip};
        xioctl(DRM_IOCTL_MODE_DIRTYFB, &dirty, "DIRTYFB");
        usleep(40000);
    }
    sleep(2); /* the motion stops: the server ends its stream */
    struct drm_mode_crtc back = {.crtc_id = saved->crtc_id, .fb_id = saved->fb_id,
                                 .set_connectors_ptr = (uintptr_t) connectors, .count_connectors = 1,
                                 .mode = saved->mode, .mode_valid = saved->mode_valid};
    xioctl(DRM_IOCTL_MODE_SETCRTC, &back, "SETCRTC back");
    printf("KMS animate done %d frames\n", frames);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        printf("KMS open /dev/dri/card0 failed: %s\n", strerror(errno));
        return 1;
    }

    uint32_t crtcs[8], connectors[8];
    struct drm_mode_card_res res = {0};
    xioctl(DRM_IOCTL_MODE_GETRESOURCES, &res, "GETRESOURCES");
    if (res.count_crtcs == 0 || res.count_connectors == 0) {
        printf("KMS no crtc or connector\n");
        return 1;
    }
    res.count_crtcs = res.count_crtcs > 8 ? 8 : res.count_crtcs;
    res.count_connectors = res.count_connectors > 8 ? 8 : res.count_connectors;
    res.count_fbs = res.count_encoders = 0;
    res.crtc_id_ptr = (uintptr_t) crtcs;
    res.connector_id_ptr = (uintptr_t) connectors;
    xioctl(DRM_IOCTL_MODE_GETRESOURCES, &res, "GETRESOURCES");

    struct drm_mode_crtc saved = {.crtc_id = crtcs[0]};
    xioctl(DRM_IOCTL_MODE_GETCRTC, &saved, "GETCRTC");
    printf("KMS crtc %u fb %u mode %ux%u connector %u\n", saved.crtc_id, saved.fb_id, saved.mode.hdisplay,
           saved.mode.vdisplay, connectors[0]);
    if (argc > 2 && strcmp(argv[1], "animate") == 0) {
        return animate(&saved, connectors, atoi(argv[2]));
    }

    struct drm_mode_modeinfo modes[64];
    struct drm_mode_get_connector conn = {.connector_id = connectors[0]};
    xioctl(DRM_IOCTL_MODE_GETCONNECTOR, &conn, "GETCONNECTOR");
    conn.count_modes = conn.count_modes > 64 ? 64 : conn.count_modes;
    conn.count_props = conn.count_encoders = 0;
    conn.modes_ptr = (uintptr_t) modes;
    xioctl(DRM_IOCTL_MODE_GETCONNECTOR, &conn, "GETCONNECTOR");
    int small = -1;
    for (uint32_t i = 0; i < conn.count_modes; i++) {
        if (modes[i].hdisplay == 800 && modes[i].vdisplay == 600) {
            small = (int) i;
            break;
        }
    }

    /* The cursor: a white square with a black frame, transparent elsewhere. */
    struct buffer cursor = dumb(64, 64, 0);
    fill(&cursor, 0, 0, 64, 64, 0x00000000);
    fill(&cursor, 0, 0, 24, 24, 0xff000000);
    fill(&cursor, 2, 2, 20, 20, 0xffffffff);
    struct drm_mode_cursor set = {.flags = DRM_MODE_CURSOR_BO, .crtc_id = saved.crtc_id, .width = 64,
                                  .height = 64, .handle = cursor.handle};
    xioctl(DRM_IOCTL_MODE_CURSOR, &set, "CURSOR set");
    for (int i = 0; i < 4; i++) {
        struct drm_mode_cursor move = {.flags = DRM_MODE_CURSOR_MOVE, .crtc_id = saved.crtc_id,
                                       .x = 600 + 40 * i, .y = 500 + 20 * i};
        xioctl(DRM_IOCTL_MODE_CURSOR, &move, "CURSOR move");
        usleep(50000);
    }
    printf("KMS cursor set and moved\n");
    fflush(stdout);

    if (small >= 0) {
        struct buffer screen = dumb(800, 600, 1);
        fill(&screen, 0, 0, 400, 300, 0xffaa0000);
        fill(&screen, 400, 0, 400, 300, 0xff00aa00);
        fill(&screen, 0, 300, 400, 300, 0xff0000aa);
        fill(&screen, 400, 300, 400, 300, 0xffaaaaaa);
        struct drm_mode_crtc mode = {.crtc_id = saved.crtc_id, .fb_id = screen.fb,
                                     .set_connectors_ptr = (uintptr_t) connectors, .count_connectors = 1,
                                     .mode = modes[small], .mode_valid = 1};
        xioctl(DRM_IOCTL_MODE_SETCRTC, &mode, "SETCRTC 800x600");
        usleep(300000);
        fill(&screen, 300, 200, 200, 200, 0xffffff55);
        struct drm_clip_rect clip = {.x1 = 300, .y1 = 200, .x2 = 500, .y2 = 400};
        struct drm_mode_fb_dirty_cmd dirty = {.fb_id = screen.fb, .num_clips = 1, .clips_ptr = (uintptr_t) &clip};
        xioctl(DRM_IOCTL_MODE_DIRTYFB, &dirty, "DIRTYFB");
        usleep(300000);
        printf("KMS 800x600 framebuffer shown, dirty rectangle drawn\n");
    } else {
        printf("KMS no 800x600 mode among %u\n", conn.count_modes);
    }

    struct drm_mode_crtc back = {.crtc_id = saved.crtc_id, .fb_id = saved.fb_id,
                                 .set_connectors_ptr = (uintptr_t) connectors, .count_connectors = 1,
                                 .mode = saved.mode, .mode_valid = saved.mode_valid};
    xioctl(DRM_IOCTL_MODE_SETCRTC, &back, "SETCRTC back");
    printf("KMS done\n");
    fflush(stdout);
    if (fork() == 0) {
        for (;;) {
            pause(); /* keep the device open so the cursor stays */
        }
    }
    return 0;
}
