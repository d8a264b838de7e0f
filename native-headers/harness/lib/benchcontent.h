/* Deterministic screen content for the display harness's bench mode: a screen raster (32-bit xRGB, top-down,
 * stride = width) advanced one frame at a time, each frame changing one rectangle. */
#ifndef HARNESS_BENCHCONTENT_H
#define HARNESS_BENCHCONTENT_H

#include <stdint.h>

enum bench_content_kind {
    BENCH_CONTENT_PATTERN, /* three synthetic full-screen patterns in turn (the bench's original frames) */
    BENCH_CONTENT_TEXT,    /* a scrolling console: one new text line per frame */
    BENCH_CONTENT_PHOTO,   /* a photo-like picture panned, its exposure changing every frame */
    BENCH_CONTENT_DESKTOP, /* flat panels and windows; one window moves and updates its contents */
    BENCH_CONTENT_VIDEO,   /* a desktop with a video playing in one place: a photo-like camera pan, its frame number
                            * in a bar code (benchcontent_video_code) */
};

struct bench_rect {
    int left, top, right, bottom;
};

/* The kind named by name (pattern, text, photo, desktop, video), or -1. */
int benchcontent_parse(const char *name);

/* Draws the first frame of kind into screen (w x h); returns the rectangle it covers (the whole screen). */
struct bench_rect benchcontent_init(int kind, uint32_t *screen, int w, int h);

/* The largest rectangle a frame of the current kind may change, in pixels (after benchcontent_init). */
long benchcontent_max_pixels(void);

/* Draws the next frame into screen; returns the rectangle that changed. */
struct bench_rect benchcontent_next(uint32_t *screen);

/* The video's size (default 640x360), before benchcontent_init; it is centred on the screen. */
void benchcontent_video_size(int w, int h);

/* The video's rectangle (after benchcontent_init). */
struct bench_rect benchcontent_video_rect(void);

/* The number of the frame last drawn (0 for benchcontent_init's). */
unsigned long benchcontent_frame(void);

/* The video's bar code: the frame number's low VIDEO_CODE_BITS bits, bit i a VIDEO_CODE_BLOCK_W x VIDEO_CODE_BLOCK_H
 * block at (i * VIDEO_CODE_BLOCK_W, 0) of the video, near black for 0 and near white for 1 (readable after lossy
 * coding from the block's middle). */
#define VIDEO_CODE_BITS 16
#define VIDEO_CODE_BLOCK_W 16
#define VIDEO_CODE_BLOCK_H 8

#endif
