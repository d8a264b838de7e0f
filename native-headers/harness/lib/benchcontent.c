/* Bench content: console text, a photo-like picture, a desktop and a video, all generated from fixed seeds so every run
 * (ours and the reference) sees the same frames. Each frame differs from the one before, so no image cache can make
 * it free; what a codec may still find is what a real screen offers (scrolled lines, a dragged window). */
#include "benchcontent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int kind, W, H;
static unsigned long frame;

/* ---------------------------------------------------------------- helpers */

static uint64_t mix(uint64_t x)
{ /* a 64-bit finalizer: deterministic pseudo-random values from any key */
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static int clamp255(int v) { return v < 0 ? 0 : v > 255 ? 255 : v; }
static uint32_t rgb(int r, int g, int b) { return (uint32_t) clamp255(r) << 16 | clamp255(g) << 8 | clamp255(b); }

static void fill_rect(uint32_t *buf, int stride, int x, int y, int w, int h, uint32_t color)
{
    for (int j = y; j < y + h; j++) {
        for (int i = x; i < x + w; i++) {
            buf[(size_t) j * stride + i] = color;
        }
    }
}

static void frame_rect(uint32_t *buf, int stride, int x, int y, int w, int h, uint32_t color)
{
    fill_rect(buf, stride, x, y, w, 1, color);
    fill_rect(buf, stride, x, y + h - 1, w, 1, color);
    fill_rect(buf, stride, x, y, 1, h, color);
    fill_rect(buf, stride, x + w - 1, y, 1, h, color);
}

static struct bench_rect whole_screen(void) { return (struct bench_rect) { 0, 0, W, H }; }

/* ---------------------------------------------------------------- glyphs: 8x16 cells of strokes, like a VGA font */

#define GLYPH_W 8
#define GLYPH_H 16
static uint8_t glyphs[128][GLYPH_H]; /* per row, bit 7 = leftmost column */

static void stroke(uint8_t *g, int x0, int y0, int x1, int y1)
{ /* a one-pixel line from (x0, y0) to (x1, y1), both inside the cell */
    int steps = abs(x1 - x0) > abs(y1 - y0) ? abs(x1 - x0) : abs(y1 - y0);
    for (int i = 0; i <= steps; i++) {
        int x = steps ? x0 + (x1 - x0) * i / steps : x0, y = steps ? y0 + (y1 - y0) * i / steps : y0;
        g[y] |= 0x80 >> x;
    }
}

static void make_glyph(int c)
{
    uint8_t *g = glyphs[c];
    uint64_t r = mix((uint64_t) c * 7919);
    int top = (c >= 'a' && c <= 'z') ? 6 : 3; /* lower case: x-height */
    int strokes = 0;
    for (int tries = 0; strokes < 2; tries++, r = mix(r)) {
        if (r & 1) { stroke(g, 1, top, 1, 12); strokes++; }
        if (r & 2) { stroke(g, 6, top, 6, 12); strokes++; }
        if (r & 4) { stroke(g, 1, top, 6, top); strokes++; }
        if (r & 8) { stroke(g, 1, 12, 6, 12); strokes++; }
        if (r & 16) { stroke(g, 2, (top + 12) / 2, 5, (top + 12) / 2); strokes++; }
        if ((r & 96) == 96) { stroke(g, 1, 12, 6, top); strokes++; }
        if ((r & 384) == 384) { stroke(g, 3, top, 3, 12); strokes++; }
    }
}

static void make_glyphs(void)
{
    memset(glyphs, 0, sizeof glyphs);
    for (int c = 33; c < 127; c++) {
        make_glyph(c);
    }
}

/* Draws text at (x, y) in fg; the background shows through. Clipped at the buffer's right edge (width w). */
static void draw_text(uint32_t *buf, int stride, int w, int x, int y, const char *s, uint32_t fg)
{
    for (; *s && x + GLYPH_W <= w; s++, x += GLYPH_W) {
        const uint8_t *g = glyphs[*s & 127];
        for (int j = 0; j < GLYPH_H; j++) {
            for (int i = 0; i < GLYPH_W; i++) {
                if (g[j] & (0x80 >> i)) {
                    buf[(size_t) (y + j) * stride + x + i] = fg;
                }
            }
        }
    }
}

/* Writes a deterministic word of 1..9 letters (key picks it) into out; returns its length. */
static int make_word(uint64_t key, char *out)
{
    uint64_t r = mix(key);
    int n = 1 + r % 9;
    for (int i = 0; i < n; i++) {
        r = mix(r);
        unsigned pick = (unsigned) (r >> 8);
        static const char punct[] = "./-_:=()";
        out[i] = r % 10 == 0 ? (char) ('0' + pick % 10) : r % 17 == 1 ? punct[pick % 8] : (char) ('a' + pick % 26);
    }
    out[n] = 0;
    return n;
}

/* ---------------------------------------------------------------- pattern: the bench's original frames */

static uint32_t *patterns[3];

static void pattern_init(void)
{
    for (int k = 0; k < 3; k++) {
        patterns[k] = malloc((size_t) W * H * 4);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                patterns[k][(size_t) y * W + x] = ((x + 200 * k) & 255) << 16 | (y & 255) << 8 | ((x ^ y) + 80 * k) % 256;
            }
        }
    }
}

static struct bench_rect pattern_draw(uint32_t *screen)
{
    memcpy(screen, patterns[frame % 3], (size_t) W * H * 4);
    return whole_screen();
}

/* ---------------------------------------------------------------- text: a console scrolling one line per frame */

#define CONSOLE_BG 0x0c0c0cu
static const uint32_t console_fg[] = { 0xc0c0c0, 0xc0c0c0, 0xc0c0c0, 0x55ff55, 0xffff55, 0x55ffff, 0xff5555 };

static int text_rows(void) { return H / GLYPH_H; }

/* Console line number `line` (its words, their colours) drawn into text row `row`. */
static void text_line(uint32_t *screen, int row, unsigned long line)
{
    int y = row * GLYPH_H, cols = W / GLYPH_W;
    fill_rect(screen, W, 0, y, W, GLYPH_H, CONSOLE_BG);
    uint64_t r = mix(line * 104729 + 1);
    int len = r % 8 == 0 ? 0 : 8 + (int) ((r >> 8) % (cols - 8));
    int col = (r >> 40) % 3 == 0 ? 2 : 0; /* some lines indented */
    for (int word = 0; col < len; word++) {
        char s[16];
        int n = make_word(line * 131 + word, s);
        uint32_t fg = console_fg[mix(line * 31 + word) % (sizeof console_fg / sizeof console_fg[0])];
        draw_text(screen, W, W, col * GLYPH_W, y, s, fg);
        col += n + 1;
    }
}

static void text_init(uint32_t *screen)
{
    fill_rect(screen, W, 0, 0, W, H, CONSOLE_BG);
    for (int row = 0; row < text_rows(); row++) {
        text_line(screen, row, row);
    }
}

static struct bench_rect text_draw(uint32_t *screen)
{
    int rows = text_rows();
    memmove(screen, screen + (size_t) GLYPH_H * W, (size_t) (rows - 1) * GLYPH_H * W * 4);
    text_line(screen, rows - 1, frame + rows - 1);
    return (struct bench_rect) { 0, 0, W, rows * GLYPH_H };
}

/* ---------------------------------------------------------------- photo: smooth shapes, texture and grain */

static uint32_t *texture;
static int tex_w, tex_h;

/* Value noise in 0..255 at (x, y) with lattice spacing `scale` (bilinear between lattice values). */
static int value_noise(int x, int y, int scale, uint64_t seed)
{
    int ix = x / scale, iy = y / scale, fx = x % scale, fy = y % scale;
    int a = mix(seed ^ ((uint64_t) ix << 32 | iy)) & 255, b = mix(seed ^ ((uint64_t) (ix + 1) << 32 | iy)) & 255;
    int c = mix(seed ^ ((uint64_t) ix << 32 | (iy + 1))) & 255, d = mix(seed ^ ((uint64_t) (ix + 1) << 32 | (iy + 1))) & 255;
    int top = a * (scale - fx) + b * fx, bottom = c * (scale - fx) + d * fx;
    return (top * (scale - fy) + bottom * fy) / (scale * scale);
}

static uint32_t photo_pixel(int x, int y)
{
    int sky = 255 * y / tex_h;                           /* a vertical gradient, like sky to ground */
    int hills = value_noise(x, y, 256, 1) - 128;         /* large soft shapes */
    int detail = value_noise(x, y, 24, 2) - 128;         /* texture */
    int grain = (int) (mix((uint64_t) y * 65536 + x) & 15) - 8; /* sensor noise */
    int r = 60 + sky / 2 + hills / 2 + detail / 6 + grain;
    int g = 110 + hills / 3 - sky / 5 + detail / 5 + grain;
    int b = 200 - sky / 2 + hills / 4 + detail / 7 + grain;
    return rgb(r, g, b);
}

static void photo_init(void)
{
    tex_w = W + 640;
    tex_h = H + 360;
    texture = malloc((size_t) tex_w * tex_h * 4);
    for (int y = 0; y < tex_h; y++) {
        for (int x = 0; x < tex_w; x++) {
            texture[(size_t) y * tex_w + x] = photo_pixel(x, y);
        }
    }
}

static int bounce(unsigned long n, int step, int range)
{ /* a position moving by step per frame back and forth over 0..range */
    if (range <= 0) {
        return 0;
    }
    unsigned long p = (n * step) % (2 * (unsigned long) range);
    return p < (unsigned long) range ? (int) p : (int) (2 * range - p);
}

static struct bench_rect photo_draw(uint32_t *screen)
{
    int ox = bounce(frame, 6, tex_w - W), oy = bounce(frame, 2, tex_h - H);
    int exposure = (int) ((frame * 5) % 61) - 30; /* changes every frame: no pixel repeats the previous frame's */
    uint8_t lut[256];
    for (int v = 0; v < 256; v++) {
        lut[v] = clamp255(v + exposure);
    }
    for (int y = 0; y < H; y++) {
        const uint32_t *src = texture + (size_t) (oy + y) * tex_w + ox;
        uint32_t *dst = screen + (size_t) y * W;
        for (int x = 0; x < W; x++) {
            uint32_t p = src[x];
            dst[x] = (uint32_t) lut[p >> 16 & 255] << 16 | lut[p >> 8 & 255] << 8 | lut[p & 255];
        }
    }
    return whole_screen();
}

/* ---------------------------------------------------------------- desktop: panels, windows, one being dragged */

#define PANEL_H 36
#define TITLE_H 28
#define DESK_BG 0x3a6ea5u
#define DRAG_DX 14 /* the moving window's steps per frame */
#define DRAG_DY 6
static uint32_t *desk;            /* everything but the moving window */
static uint32_t *win;             /* the moving window */
static int win_w = 720, win_h = 480, win_x, win_y;

static void window_text(uint32_t *buf, int stride, int x, int y, int w, int h, uint64_t seed, uint32_t fg)
{ /* lines of words in a document area, left aligned */
    for (int line = 0; (line + 1) * 20 <= h; line++) {
        int col = 0, len = (int) (mix(seed + line) % (unsigned) (w / GLYPH_W));
        for (int word = 0; col < len; word++) {
            char s[16];
            int n = make_word(seed * 977 + line * 61 + word, s);
            draw_text(buf, stride, x + w, x + col * GLYPH_W, y + line * 20, s, fg);
            col += n + 1;
        }
    }
}

/* A window of w x h at (x, y) in buf: frame, title bar with buttons, toolbar icons, sidebar and a document. */
static void draw_window(uint32_t *buf, int stride, int x, int y, int w, int h, const char *title, uint64_t seed)
{
    fill_rect(buf, stride, x, y, w, h, 0xffffff);
    fill_rect(buf, stride, x, y, w, TITLE_H, 0x3465a4);
    draw_text(buf, stride, x + w - 80, x + 12, y + 6, title, 0xffffff);
    for (int i = 0; i < 3; i++) {
        fill_rect(buf, stride, x + w - 26 - 24 * i, y + 7, 14, 14, i == 0 ? 0xcc3333 : 0xdddddd);
    }
    fill_rect(buf, stride, x + 1, y + TITLE_H, w - 2, 32, 0xf0efee);
    for (int i = 0; i < 8; i++) { /* toolbar icons: small coloured squares with a dark outline */
        uint32_t c = rgb(mix(seed + i) & 255, mix(seed + i) >> 8 & 255, mix(seed + i) >> 16 & 255);
        fill_rect(buf, stride, x + 10 + 28 * i, y + TITLE_H + 8, 16, 16, c);
        frame_rect(buf, stride, x + 10 + 28 * i, y + TITLE_H + 8, 16, 16, 0x404040);
    }
    int body_y = y + TITLE_H + 32, body_h = h - TITLE_H - 32 - 1;
    fill_rect(buf, stride, x + 1, body_y, 160, body_h, 0xe8e8e7);
    window_text(buf, stride, x + 10, body_y + 10, 140, body_h - 20, seed + 1000, 0x303030);
    window_text(buf, stride, x + 176, body_y + 10, w - 190, body_h - 20, seed, 0x202020);
    frame_rect(buf, stride, x, y, w, h, 0x202020);
}

static void draw_icon(uint32_t *buf, int x, int y, int i)
{
    uint32_t c = i % 2 ? 0xe9b96e : 0xeeeeec;
    fill_rect(buf, W, x, y, 48, 40, c);
    fill_rect(buf, W, x, y - 6, 20, 6, c);
    frame_rect(buf, W, x, y, 48, 40, 0x2e3436);
    char label[16];
    snprintf(label, sizeof label, "item%d", i);
    draw_text(buf, W, W, x, y + 46, label, 0xffffff);
}

static void draw_panel(uint32_t *buf)
{
    int y = H - PANEL_H;
    fill_rect(buf, W, 0, y, W, PANEL_H, 0x2b2b2b);
    fill_rect(buf, W, 6, y + 5, 90, PANEL_H - 10, 0x4e9a06);
    draw_text(buf, W, W, 18, y + 10, "Start", 0xffffff);
    const char *tasks[] = { "Editor", "Mail", "Copying files", "Terminal" };
    for (int i = 0; i < 4; i++) {
        fill_rect(buf, W, 110 + 190 * i, y + 5, 180, PANEL_H - 10, 0x444444);
        draw_text(buf, W, W, 120 + 190 * i, y + 10, tasks[i], 0xeeeeee);
    }
    draw_text(buf, W, W, W - 60, y + 10, "12:34", 0xffffff);
}

/* The moving window's contents for this frame: a progress bar and a status line. */
static void update_moving_window(void)
{
    int bar_w = win_w - 220, done = (int) ((frame * 3) % (unsigned long) bar_w);
    int y = TITLE_H + 32 + 300;
    fill_rect(win, win_w, 176, y, bar_w, 18, 0xdddddd);
    fill_rect(win, win_w, 176, y, done, 18, 0x73d216);
    frame_rect(win, win_w, 176, y, bar_w, 18, 0x888a85);
    char status[64];
    snprintf(status, sizeof status, "copied %lu of 4000 files", frame % 4000);
    fill_rect(win, win_w, 176, y + 30, bar_w, GLYPH_H, 0xffffff);
    draw_text(win, win_w, win_w, 176, y + 30, status, 0x202020);
}

static void desktop_compose(uint32_t *screen, struct bench_rect r)
{
    for (int y = r.top; y < r.bottom; y++) {
        memcpy(screen + (size_t) y * W + r.left, desk + (size_t) y * W + r.left, (size_t) (r.right - r.left) * 4);
    }
    for (int y = 0; y < win_h; y++) {
        memcpy(screen + (size_t) (win_y + y) * W + win_x, win + (size_t) y * win_w, (size_t) win_w * 4);
    }
}

static void desktop_init(uint32_t *screen)
{
    if (win_w > W || win_h > H - PANEL_H) {
        win_w = W / 2;
        win_h = (H - PANEL_H) / 2;
    }
    desk = malloc((size_t) W * H * 4);
    fill_rect(desk, W, 0, 0, W, H, DESK_BG);
    for (int i = 0; i < 6 && 110 + 90 * i < H - PANEL_H; i++) {
        draw_icon(desk, 24, 30 + 90 * i, i);
    }
    if (W >= 1800 && H >= 1000) {
        draw_window(desk, W, 1000, 160, 820, 700, "Mail - Inbox", 7);
        draw_window(desk, W, 200, 60, 900, 640, "Report.txt - Editor", 3);
    }
    draw_panel(desk);
    win = malloc((size_t) win_w * win_h * 4);
    draw_window(win, win_w, 0, 0, win_w, win_h, "Copying files", 11);
    update_moving_window();
    desktop_compose(screen, whole_screen());
}

static struct bench_rect desktop_draw(uint32_t *screen)
{
    int old_x = win_x, old_y = win_y;
    win_x = bounce(frame, DRAG_DX, W - win_w);
    win_y = bounce(frame, DRAG_DY, H - PANEL_H - win_h);
    update_moving_window();
    struct bench_rect r = {
        old_x < win_x ? old_x : win_x, old_y < win_y ? old_y : win_y,
        (old_x > win_x ? old_x : win_x) + win_w, (old_y > win_y ? old_y : win_y) + win_h,
    };
    desktop_compose(screen, r);
    return r;
}

/* ---------------------------------------------------------------- video: a camera pan in one place */

static int video_w = 640, video_h = 360;
static struct bench_rect video;
static uint32_t *video_tex;
static int video_tex_w, video_tex_h;

void benchcontent_video_size(int w, int h)
{
    video_w = w;
    video_h = h;
}

struct bench_rect benchcontent_video_rect(void) { return video; }

static void video_init(uint32_t *screen)
{
    if (video_w > W || video_h > H || video_w < VIDEO_CODE_BITS * VIDEO_CODE_BLOCK_W || video_h < 2 * VIDEO_CODE_BLOCK_H) {
        video_w = W < 640 ? W : 640;
        video_h = H < 360 ? H : 360;
    }
    video = (struct bench_rect) { (W - video_w) / 2 & ~7, (H - video_h) / 2 & ~7, 0, 0 };
    video.right = video.left + video_w;
    video.bottom = video.top + video_h;
    /* the desktop around it: the bench's desktop picture without the moving window */
    desk = malloc((size_t) W * H * 4);
    fill_rect(desk, W, 0, 0, W, H, DESK_BG);
    for (int i = 0; i < 6 && 110 + 90 * i < H - PANEL_H; i++) {
        draw_icon(desk, 24, 30 + 90 * i, i);
    }
    draw_panel(desk);
    memcpy(screen, desk, (size_t) W * H * 4);
    /* the scene: the photo's landscape, half as large again as the video, which pans over it */
    video_tex_w = video_w + video_w / 2;
    video_tex_h = video_h + video_h / 2;
    tex_h = video_tex_h; /* photo_pixel's sky gradient spans the scene's height */
    video_tex = malloc((size_t) video_tex_w * video_tex_h * 4);
    for (int y = 0; y < video_tex_h; y++) {
        for (int x = 0; x < video_tex_w; x++) {
            video_tex[(size_t) y * video_tex_w + x] = photo_pixel(x, y);
        }
    }
}

static struct bench_rect video_draw(uint32_t *screen)
{
    int ox = bounce(frame, 3, video_tex_w - video_w), oy = bounce(frame, 1, video_tex_h - video_h);
    int light_x = bounce(frame, 5, video_w - 128), light_y = bounce(frame, 2, video_h - 128);
    for (int y = 0; y < video_h; y++) {
        const uint32_t *src = video_tex + (size_t) (oy + y) * video_tex_w + ox;
        uint32_t *dst = screen + (size_t) (video.top + y) * W + video.left;
        memcpy(dst, src, (size_t) video_w * 4);
        int j = 2 * (y - light_y) - 128;
        if (j <= -128 || j >= 128) {
            continue;
        }
        for (int i = 0; i < 128; i++) { /* a soft light moving over the scene: a smooth bump of up to +48 */
            int d = 2 * i - 128, d2 = d * d + j * j;
            if (d2 < 128 * 128) {
                int add = 48 * (128 * 128 - d2) / (128 * 128) * (128 * 128 - d2) / (128 * 128);
                uint32_t p = dst[light_x + i];
                dst[light_x + i] = rgb((p >> 16 & 255) + add, (p >> 8 & 255) + add, (p & 255) + add);
            }
        }
    }
    for (int i = 0; i < VIDEO_CODE_BITS; i++) {
        uint32_t c = frame >> i & 1 ? 0xf0f0f0 : 0x101010;
        for (int y = 0; y < VIDEO_CODE_BLOCK_H; y++) {
            for (int x = 0; x < VIDEO_CODE_BLOCK_W; x++) {
                screen[(size_t) (video.top + y) * W + video.left + i * VIDEO_CODE_BLOCK_W + x] = c;
            }
        }
    }
    return video;
}

/* ---------------------------------------------------------------- dispatch */

int benchcontent_parse(const char *name)
{
    static const char *names[] = { "pattern", "text", "photo", "desktop", "video" };
    for (int i = 0; i < 5; i++) {
        if (strcmp(name, names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

struct bench_rect benchcontent_init(int content, uint32_t *screen, int w, int h)
{
    kind = content;
    W = w;
    H = h;
    frame = 0;
    make_glyphs();
    switch (kind) {
    case BENCH_CONTENT_TEXT: text_init(screen); break;
    case BENCH_CONTENT_PHOTO: photo_init(); photo_draw(screen); break;
    case BENCH_CONTENT_DESKTOP: desktop_init(screen); break;
    case BENCH_CONTENT_VIDEO: video_init(screen); video_draw(screen); break;
    default: pattern_init(); pattern_draw(screen); break;
    }
    return whole_screen();
}

long benchcontent_max_pixels(void)
{
    if (kind == BENCH_CONTENT_DESKTOP) {
        return (long) (win_w + DRAG_DX) * (win_h + DRAG_DY);
    }
    if (kind == BENCH_CONTENT_VIDEO) {
        return (long) video_w * video_h;
    }
    return (long) W * H;
}

struct bench_rect benchcontent_next(uint32_t *screen)
{
    frame++;
    switch (kind) {
    case BENCH_CONTENT_TEXT: return text_draw(screen);
    case BENCH_CONTENT_PHOTO: return photo_draw(screen);
    case BENCH_CONTENT_DESKTOP: return desktop_draw(screen);
    case BENCH_CONTENT_VIDEO: return video_draw(screen);
    default: return pattern_draw(screen);
    }
}

unsigned long benchcontent_frame(void) { return frame; }
