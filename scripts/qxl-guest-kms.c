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
 * With "animate SECONDS [HOLDS HOLD_MS [STILL_S]]" it instead shows a framebuffer of its own at fbcon's mode and
 * redraws a 320x240 photo-like region at (100,80) 25 times a second for SECONDS (SECONDS * 25 frames), each frame a
 * dirty rectangle (a DRAW_COPY of the same box: a video stream for the server). The picture is a landscape (sky
 * with clouds, a ridge of hills, textured ground, sensor grain) panned a few pixels per frame under a moving soft
 * light, so every pixel changes every frame as in a camera pan. HOLDS times, evenly spread over the run, the motion
 * holds still for HOLD_MS after a frame (no redraw: shorter than the server's 1 s stream timeout, the stream stays and
 * the client keeps showing that frame as the codec sent it), between the serial lines "KMS hold N frame F" and
 * "KMS resume N". After the last frame it prints "KMS animate still", keeps the picture for STILL_S seconds (default
 * 2: the server ends its stream and sends the region losslessly), shows fbcon's framebuffer again and prints
 * "KMS animate done N frames".
 * With "scroll SECONDS [WIDTH]" it shows text-like content instead: sharp black glyphs on white in a WIDTH x 384
 * region at the left edge (default: the whole width, so the qxl driver's bitmap has no extra stride), scrolled up
 * 4 pixels per frame, 25 frames a second, each frame a dirty rectangle of the whole region; then "KMS scroll still",
 * 2 s, fbcon's framebuffer again and "KMS scroll done N frames".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
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

/* ---------------------------------------------------------------- timing and deterministic noise */

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Sleeps until frame t's due time (25 per second from start); a late frame is not made up by a burst. */
static void pace(long long *due)
{
    *due += 40000;
    long long now = now_us();
    if (*due > now) {
        usleep((useconds_t) (*due - now));
    } else {
        *due = now;
    }
}

static uint32_t mix32(uint32_t x)
{ /* a 32-bit integer hash: deterministic pseudo-random values from any key */
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    return x ^ (x >> 16);
}

static int clamp255(int v) { return v < 0 ? 0 : v > 255 ? 255 : v; }

/* Value noise in 0..255 at (x, y) with lattice spacing `scale`, smoothly interpolated (smoothstep weights, so no
 * lattice creases show). */
static int value_noise(int x, int y, int scale, uint32_t seed)
{
    int ix = x / scale, iy = y / scale, fx = x % scale, fy = y % scale;
    int a = mix32(seed ^ mix32((uint32_t) ix * 7919u + (uint32_t) iy * 104729u)) & 255;
    int b = mix32(seed ^ mix32((uint32_t) (ix + 1) * 7919u + (uint32_t) iy * 104729u)) & 255;
    int c = mix32(seed ^ mix32((uint32_t) ix * 7919u + (uint32_t) (iy + 1) * 104729u)) & 255;
    int d = mix32(seed ^ mix32((uint32_t) (ix + 1) * 7919u + (uint32_t) (iy + 1) * 104729u)) & 255;
    int sx = fx * fx * (3 * scale - 2 * fx) / scale, sy = fy * fy * (3 * scale - 2 * fy) / scale; /* 0..scale^2 */
    int s2 = scale * scale;
    long top = (long) a * (s2 - sx) + (long) b * sx, bottom = (long) c * (s2 - sx) + (long) d * sx;
    return (int) ((top * (s2 - sy) + bottom * sy) / ((long) s2 * s2));
}

/* Fractal noise in about 0..255: octaves of value noise from `scale` down, each half as strong as the one before. */
static int fractal(int x, int y, int scale, int octaves, uint32_t seed)
{
    int sum = 0, weight = 0;
    for (int o = 0, amp = 256; o < octaves && scale >= 2; o++, amp /= 2, scale /= 2) {
        sum += amp * value_noise(x, y, scale, seed + (uint32_t) o);
        weight += amp;
    }
    return sum / weight;
}

/* A framebuffer of our own at the current mode, filled with background, on the screen. */
static void own_screen(struct drm_mode_crtc *saved, uint32_t *connectors, struct buffer *screen, uint32_t background)
{
    *screen = dumb(saved->mode.hdisplay, saved->mode.vdisplay, 1);
    fill(screen, 0, 0, screen->width, screen->height, background);
    struct drm_mode_crtc mode = {.crtc_id = saved->crtc_id, .fb_id = screen->fb,
                                 .set_connectors_ptr = (uintptr_t) connectors, .count_connectors = 1,
                                 .mode = saved->mode, .mode_valid = 1};
    xioctl(DRM_IOCTL_MODE_SETCRTC, &mode, "SETCRTC own framebuffer");
}

static void fbcon_back(struct drm_mode_crtc *saved, uint32_t *connectors)
{
    struct drm_mode_crtc back = {.crtc_id = saved->crtc_id, .fb_id = saved->fb_id,
                                 .set_connectors_ptr = (uintptr_t) connectors, .count_connectors = 1,
                                 .mode = saved->mode, .mode_valid = saved->mode_valid};
    xioctl(DRM_IOCTL_MODE_SETCRTC, &back, "SETCRTC back");
}

static void dirty(struct buffer *screen, uint32_t x0, uint32_t y0, uint32_t w, uint32_t h)
{
    struct drm_clip_rect clip = {.x1 = x0, .y1 = y0, .x2 = x0 + w, .y2 = y0 + h};
    struct drm_mode_fb_dirty_cmd cmd = {.fb_id = screen->fb, .num_clips = 1, .clips_ptr = (uintptr_t) &clip};
    xioctl(DRM_IOCTL_MODE_DIRTYFB, &cmd, "DIRTYFB");
}

/* ---------------------------------------------------------------- animate: a photo-like camera pan */

#define TEX_W 640
#define TEX_H 480
#define LIGHT 128 /* the soft light's diameter */

static uint32_t texture[TEX_H][TEX_W];
static uint8_t light[LIGHT][LIGHT]; /* brightness added by the light, 0..48, a smooth bump */

/* A landscape: sky with soft clouds over a ridge of hills, textured ground below, sensor grain everywhere. */
static void make_landscape(void)
{
    for (int x = 0; x < TEX_W; x++) {
        int ridge = TEX_H * 45 / 100 + (fractal(x, 0, 160, 4, 7) - 128) / 2; /* the horizon's height here */
        for (int y = 0; y < TEX_H; y++) {
            int r, g, b;
            if (y < ridge) { /* sky: deep blue overhead, pale at the horizon, clouds */
                int t = 255 * y / (ridge > 0 ? ridge : 1);
                int cloud = fractal(x, 2 * y, 96, 4, 11) - 120; /* flattened: wider than tall */
                cloud = cloud < 0 ? 0 : cloud * 3;
                r = 40 + t / 2 + cloud;
                g = 80 + t / 3 + cloud;
                b = 170 + t / 5 + cloud;
            } else { /* ground: meadow and rock, darker and finer towards the horizon */
                int depth = y - ridge;
                int patch = fractal(x, y, 64, 3, 23), fine = fractal(x, y, 8, 2, 29);
                int shade = depth < 40 ? 40 - depth : 0;
                r = 60 + patch / 3 + fine / 5 - shade;
                g = 90 + patch / 4 + fine / 4 - shade;
                b = 30 + patch / 8 + fine / 8 - shade / 2;
            }
            int grain = (int) (mix32((uint32_t) (y * TEX_W + x)) & 15) - 8;
            texture[y][x] = 0xff000000u | (uint32_t) clamp255(r + grain) << 16 | (uint32_t) clamp255(g + grain) << 8
                            | (uint32_t) clamp255(b + grain);
        }
    }
    for (int y = 0; y < LIGHT; y++) {
        for (int x = 0; x < LIGHT; x++) {
            int dx = 2 * x - LIGHT, dy = 2 * y - LIGHT, d2 = dx * dx + dy * dy, r2 = LIGHT * LIGHT;
            light[y][x] = d2 >= r2 ? 0 : (uint8_t) (48 * (r2 - d2) / r2 * (r2 - d2) / r2);
        }
    }
}

static int bounce(int n, int step, int range)
{ /* a position moving by step per frame back and forth over 0..range */
    int p = (n * step) % (2 * range);
    return p < range ? p : 2 * range - p;
}

/* Frame t of the pan into the w x h region at (x0, y0). */
static void landscape_frame(struct buffer *screen, uint32_t x0, uint32_t y0, uint32_t w, uint32_t h, int t)
{
    int ox = bounce(t, 3, TEX_W - (int) w), oy = bounce(t, 1, TEX_H - (int) h);
    int lx = bounce(t, 5, (int) w - LIGHT), ly = bounce(t, 2, (int) h - LIGHT);
    for (uint32_t y = 0; y < h; y++) {
        uint32_t *row = screen->pixels + (y0 + y) * (screen->pitch / 4) + x0;
        const uint32_t *src = &texture[oy + y][ox];
        memcpy(row, src, 4 * w);
        int j = (int) y - ly;
        if (j < 0 || j >= LIGHT) {
            continue;
        }
        for (int i = 0; i < LIGHT; i++) {
            uint32_t p = row[lx + i], add = light[j][i];
            if (add) {
                uint32_t r = (p >> 16 & 255) + add, g = (p >> 8 & 255) + add, b = (p & 255) + add;
                row[lx + i] = 0xff000000u | (r > 255 ? 255 : r) << 16 | (g > 255 ? 255 : g) << 8 | (b > 255 ? 255 : b);
            }
        }
    }
}

static int animate(struct drm_mode_crtc *saved, uint32_t *connectors, int seconds, int holds, int hold_ms,
                   int still_s)
{
    make_landscape();
    struct buffer screen;
    own_screen(saved, connectors, &screen, 0xff203040);
    printf("KMS animate start %ux%u\n", screen.width, screen.height);
    fflush(stdout);
    const uint32_t x0 = 100, y0 = 80, w = 320, h = 240;
    int frames = seconds * 25, held = 0;
    long long due = now_us();
    for (int t = 0; t < frames; t++) {
        landscape_frame(&screen, x0, y0, w, h, t);
        dirty(&screen, x0, y0, w, h);
        /* hold after frames (k + 1) * frames / (holds + 1) - 1, k = 0 .. holds - 1: evenly spread, never the last */
        if (held < holds && t == (held + 1) * frames / (holds + 1) - 1) {
            held++;
            printf("KMS hold %d frame %d\n", held, t);
            fflush(stdout);
            usleep((useconds_t) hold_ms * 1000);
            printf("KMS resume %d\n", held);
            fflush(stdout);
            due = now_us();
            continue;
        }
        pace(&due);
    }
    printf("KMS animate still\n");
    fflush(stdout);
    sleep((unsigned) still_s); /* the motion stops: the server ends its stream */
    fbcon_back(saved, connectors);
    printf("KMS animate done %d frames\n", frames);
    fflush(stdout);
    return 0;
}

/* ---------------------------------------------------------------- scroll: text-like content, scrolled */

#define GLYPH_W 8
#define GLYPH_H 16
#define LINE_H 20
static uint8_t glyphs[128][GLYPH_H]; /* per row, bit 7 = leftmost column */

static void stroke(uint8_t *g, int x0, int y0, int x1, int y1)
{
    int steps = abs(x1 - x0) > abs(y1 - y0) ? abs(x1 - x0) : abs(y1 - y0);
    for (int i = 0; i <= steps; i++) {
        g[steps ? y0 + (y1 - y0) * i / steps : y0] |= 0x80 >> (steps ? x0 + (x1 - x0) * i / steps : x0);
    }
}

static void make_glyphs(void)
{ /* a VGA-like font of strokes: verticals, bars, a diagonal; lower case keeps to the x-height */
    for (int c = 33; c < 127; c++) {
        uint32_t r = mix32((uint32_t) c * 7919u);
        int top = (c >= 'a' && c <= 'z') ? 6 : 3, strokes = 0;
        for (; strokes < 2; r = mix32(r)) {
            if (r & 1) { stroke(glyphs[c], 1, top, 1, 12); strokes++; }
            if (r & 2) { stroke(glyphs[c], 6, top, 6, 12); strokes++; }
            if (r & 4) { stroke(glyphs[c], 1, top, 6, top); strokes++; }
            if (r & 8) { stroke(glyphs[c], 1, 12, 6, 12); strokes++; }
            if (r & 16) { stroke(glyphs[c], 2, (top + 12) / 2, 5, (top + 12) / 2); strokes++; }
            if ((r & 96) == 96) { stroke(glyphs[c], 1, 12, 6, top); strokes++; }
        }
    }
}

/* Pixel row `row` (counted from the top of an endless page of text lines) into dst (w pixels). */
static void text_row(uint32_t *dst, uint32_t w, int row)
{
    int line = row / LINE_H, gy = row % LINE_H;
    for (uint32_t x = 0; x < w; x++) {
        dst[x] = 0xffffffff;
    }
    if (gy >= GLYPH_H) {
        return;
    }
    uint32_t r = mix32((uint32_t) line * 104729u + 1);
    uint32_t len = r % 8 == 0 ? 0 : 8 + (r >> 8) % (w / GLYPH_W - 10);
    for (uint32_t col = 1; col < len; col++) {
        uint32_t k = mix32((uint32_t) line * 131u + col);
        int c = k % 7 == 0 ? ' ' : 'a' + (int) (k >> 8) % 26 - (k % 11 == 0 ? 32 : 0);
        uint8_t bits = glyphs[c & 127][gy];
        for (int i = 0; i < GLYPH_W; i++) {
            if (bits & (0x80 >> i)) {
                dst[col * GLYPH_W + i] = 0xff000000;
            }
        }
    }
}

static int scroll(struct drm_mode_crtc *saved, uint32_t *connectors, int seconds, uint32_t w)
{
    make_glyphs();
    struct buffer screen;
    own_screen(saved, connectors, &screen, 0xffd0d0d0);
    const uint32_t x0 = 0, y0 = 192, h = 384, step = 4;
    if (w == 0 || w > screen.width) {
        w = screen.width;
    }
    uint32_t stride = screen.pitch / 4;
    for (uint32_t y = 0; y < h; y++) {
        text_row(screen.pixels + (y0 + y) * stride + x0, w, (int) y);
    }
    printf("KMS scroll start %ux%u region %ux%u\n", screen.width, screen.height, w, h);
    fflush(stdout);
    int frames = seconds * 25;
    long long due = now_us();
    for (int t = 1; t <= frames; t++) {
        for (uint32_t y = 0; y + step < h; y++) { /* up by `step` rows, then the new rows at the bottom */
            memcpy(screen.pixels + (y0 + y) * stride + x0, screen.pixels + (y0 + y + step) * stride + x0, 4 * w);
        }
        for (uint32_t y = h - step; y < h; y++) {
            text_row(screen.pixels + (y0 + y) * stride + x0, w, (int) (t * step + y));
        }
        dirty(&screen, x0, y0, w, h);
        pace(&due);
    }
    printf("KMS scroll still\n");
    fflush(stdout);
    sleep(2);
    fbcon_back(saved, connectors);
    printf("KMS scroll done %d frames\n", frames);
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
        return animate(&saved, connectors, atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 0,
                       argc > 4 ? atoi(argv[4]) : 0, argc > 5 ? atoi(argv[5]) : 2);
    }
    if (argc > 2 && strcmp(argv[1], "scroll") == 0) {
        return scroll(&saved, connectors, atoi(argv[2]), argc > 3 ? (uint32_t) atoi(argv[3]) : 0);
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
