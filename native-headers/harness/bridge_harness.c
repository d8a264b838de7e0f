/*
 * Drives libspice-server.so.1 through its ABI with a poll(2) main loop implementing SpiceCoreInterface and fake
 * keyboard, mouse, tablet and QXL devices, and prints a transcript of results and callbacks that must be the same
 * for the reference library and ours (no pointers, fds or timings). Usage: bridge_harness PORT
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <spice.h>

#include "lib/hostloop.h"

static pthread_t main_thread;
static int wrong_thread_calls;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static uint64_t last_cookie;
static int attached;

static void check_main_thread(void)
{
    if (!pthread_equal(pthread_self(), main_thread)) {
        wrong_thread_calls++;
    }
}


/* ---- fake devices ---- */
static void kbd_push(SpiceKbdInstance *sin, uint8_t frag) { }
static uint8_t kbd_leds(SpiceKbdInstance *sin) { return 0; }
static const SpiceKbdInterface kbd_if = {
    .base = { SPICE_INTERFACE_KEYBOARD, "harness kbd", SPICE_INTERFACE_KEYBOARD_MAJOR, SPICE_INTERFACE_KEYBOARD_MINOR },
    .push_scan_freg = kbd_push, .get_leds = kbd_leds,
};
static const SpiceKbdInterface kbd_if_bad_major = {
    .base = { SPICE_INTERFACE_KEYBOARD, "harness kbd", SPICE_INTERFACE_KEYBOARD_MAJOR + 1, 0 },
    .push_scan_freg = kbd_push, .get_leds = kbd_leds,
};
static const SpiceKbdInterface kbd_if_bad_minor = {
    .base = { SPICE_INTERFACE_KEYBOARD, "harness kbd", SPICE_INTERFACE_KEYBOARD_MAJOR, SPICE_INTERFACE_KEYBOARD_MINOR + 1 },
    .push_scan_freg = kbd_push, .get_leds = kbd_leds,
};
static void mouse_motion(SpiceMouseInstance *sin, int dx, int dy, int dz, uint32_t b) { }
static void mouse_buttons(SpiceMouseInstance *sin, uint32_t b) { }
static const SpiceMouseInterface mouse_if = {
    .base = { SPICE_INTERFACE_MOUSE, "harness mouse", SPICE_INTERFACE_MOUSE_MAJOR, SPICE_INTERFACE_MOUSE_MINOR },
    .motion = mouse_motion, .buttons = mouse_buttons,
};
static void tablet_size(SpiceTabletInstance *t, int w, int h) { }
static void tablet_position(SpiceTabletInstance *t, int x, int y, uint32_t b) { }
static void tablet_wheel(SpiceTabletInstance *t, int m, uint32_t b) { }
static void tablet_buttons(SpiceTabletInstance *t, uint32_t b) { }
static const SpiceTabletInterface tablet_if = {
    .base = { SPICE_INTERFACE_TABLET, "harness tablet", SPICE_INTERFACE_TABLET_MAJOR, SPICE_INTERFACE_TABLET_MINOR },
    .set_logical_size = tablet_size, .position = tablet_position, .wheel = tablet_wheel, .buttons = tablet_buttons,
};
static const SpiceBaseInterface unknown_if = { "no-such-interface", "harness", 1, 0 };

static void qxl_attach(QXLInstance *qin, QXLWorker *w) { attached = 1; }
static void qxl_compression(QXLInstance *qin, int level) { }
static void qxl_init_info(QXLInstance *qin, QXLDevInitInfo *info)
{
    memset(info, 0, sizeof(*info));
    info->num_memslots_groups = 1;
    info->num_memslots = 8;
    info->memslot_gen_bits = 8;
    info->memslot_id_bits = 8;
    info->n_surfaces = 1024;
}
static int qxl_get_command(QXLInstance *qin, struct QXLCommandExt *cmd) { return 0; }
static int qxl_req_notification(QXLInstance *qin) { return 1; }
static void qxl_release(QXLInstance *qin, struct QXLReleaseInfoExt info) { }
static void qxl_notify_update(QXLInstance *qin, uint32_t id) { }
static int qxl_flush(QXLInstance *qin) { return 0; }
static void qxl_async_complete(QXLInstance *qin, uint64_t cookie)
{
    pthread_mutex_lock(&lock);
    last_cookie = cookie;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
}
static void qxl_update_area_complete(QXLInstance *qin, uint32_t sid, struct QXLRect *r, uint32_t n) { }
static void qxl_client_caps(QXLInstance *qin, uint8_t present, uint8_t *caps) { }
static int qxl_monitors(QXLInstance *qin, VDAgentMonitorsConfig *cfg) { return 0; }
static const QXLInterface qxl_if = {
    .base = { SPICE_INTERFACE_QXL, "harness qxl", SPICE_INTERFACE_QXL_MAJOR, SPICE_INTERFACE_QXL_MINOR },
    .attache_worker = qxl_attach, .set_compression_level = qxl_compression, .get_init_info = qxl_init_info,
    .get_command = qxl_get_command, .req_cmd_notification = qxl_req_notification, .release_resource = qxl_release,
    .get_cursor_command = qxl_get_command, .req_cursor_notification = qxl_req_notification,
    .notify_update = qxl_notify_update, .flush_resources = qxl_flush, .async_complete = qxl_async_complete,
    .update_area_complete = qxl_update_area_complete, .set_client_capabilities = qxl_client_caps,
    .client_monitors_config = qxl_monitors,
};

static int wait_cookie(uint64_t cookie)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    pthread_mutex_lock(&lock);
    while (last_cookie != cookie) {
        if (pthread_cond_timedwait(&cond, &lock, &deadline) != 0) {
            break;
        }
    }
    int ok = last_cookie == cookie;
    pthread_mutex_unlock(&lock);
    return ok;
}

/* Calls are made one statement at a time: C leaves the order of printf arguments unspecified. */
#define SHOW(label, call) do { int rc_ = (int) (call); printf(" %s=%d", label, rc_); } while (0)
#define LINE(title) printf("%s", title)
#define END() printf("\n")

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 5930;
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN); /* as QEMU does: a client that goes away must not kill the host */
    main_thread = pthread_self();
    hostloop_on_core_call = check_main_thread; /* every core call must come from this thread */

    SpiceServer *s = spice_server_new();
    printf("new %s\n", s ? "ok" : "NULL");
    LINE("compat_version"); SHOW("current", spice_get_current_compat_version());
    SHOW("set(current)", spice_server_set_compat_version(s, SPICE_COMPAT_VERSION_CURRENT));
    SHOW("set(0.4)", spice_server_set_compat_version(s, SPICE_COMPAT_VERSION_0_4));
    SHOW("set(99)", spice_server_set_compat_version(s, (spice_compat_version_t) 99)); END();
    LINE("set_port"); SHOW("-1", spice_server_set_port(s, -1)); SHOW("70000", spice_server_set_port(s, 70000));
    SHOW("PORT", spice_server_set_port(s, port)); END();
    spice_server_set_addr(s, "127.0.0.1", SPICE_ADDR_FLAG_IPV4_ONLY);
    printf("set_noauth=%d\n", spice_server_set_noauth(s));
    LINE("set_ticket"); SHOW("61 chars", spice_server_set_ticket(s, "0123456789012345678901234567890123456789012345678901234567890", 0, 0, 0));
    SHOW("60 chars", spice_server_set_ticket(s, "012345678901234567890123456789012345678901234567890123456789", 0, 0, 0));
    SHOW("null", spice_server_set_ticket(s, NULL, 0, 0, 0));
    SHOW("ok", spice_server_set_ticket(s, "secret", 60, 0, 0)); END();
    printf("set_noauth=%d\n", spice_server_set_noauth(s));
    LINE("image_compression"); SHOW("default", spice_server_get_image_compression(s));
    SHOW("set(off)", spice_server_set_image_compression(s, SPICE_IMAGE_COMPRESSION_OFF));
    SHOW("get", spice_server_get_image_compression(s));
    SHOW("set(99)", spice_server_set_image_compression(s, (SpiceImageCompression) 99));
    SHOW("get", spice_server_get_image_compression(s));
    SHOW("set(invalid)", spice_server_set_image_compression(s, SPICE_IMAGE_COMPRESSION_INVALID));
    SHOW("get", spice_server_get_image_compression(s));
    SHOW("set(lz4)", spice_server_set_image_compression(s, SPICE_IMAGE_COMPRESSION_LZ4));
    SHOW("get", spice_server_get_image_compression(s)); END();
    spice_server_set_image_compression(s, SPICE_IMAGE_COMPRESSION_OFF);
    LINE("wan"); SHOW("jpeg auto", spice_server_set_jpeg_compression(s, SPICE_WAN_COMPRESSION_AUTO));
    SHOW("jpeg never", spice_server_set_jpeg_compression(s, SPICE_WAN_COMPRESSION_NEVER));
    SHOW("zlib_glz always", spice_server_set_zlib_glz_compression(s, SPICE_WAN_COMPRESSION_ALWAYS)); END();
    LINE("streaming_video"); SHOW("off", spice_server_set_streaming_video(s, SPICE_STREAM_VIDEO_OFF));
    SHOW("all", spice_server_set_streaming_video(s, SPICE_STREAM_VIDEO_ALL));
    SHOW("invalid(0)", spice_server_set_streaming_video(s, SPICE_STREAM_VIDEO_INVALID));
    SHOW("invalid(7)", spice_server_set_streaming_video(s, 7));
    SHOW("filter", spice_server_set_streaming_video(s, SPICE_STREAM_VIDEO_FILTER)); END();
    LINE("agent"); SHOW("mouse", spice_server_set_agent_mouse(s, 1));
    SHOW("copypaste", spice_server_set_agent_copypaste(s, 1)); SHOW("file_xfer", spice_server_set_agent_file_xfer(s, 0));
    SHOW("playback_compression", spice_server_set_playback_compression(s, 1));
    SHOW("exit_on_disconnect", spice_server_set_exit_on_disconnect(s, 0)); END();
    spice_server_set_name(s, "harness");
    static const uint8_t uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
    spice_server_set_uuid(s, uuid);
    spice_server_set_seamless_migration(s, 0);
    LINE("sasl"); SHOW("set", spice_server_set_sasl(s, 0)); SHOW("appname", spice_server_set_sasl_appname(s, "harness")); END();
    LINE("channel_security"); SHOW("default", spice_server_set_channel_security(s, NULL, SPICE_CHANNEL_SECURITY_NONE));
    SHOW("main", spice_server_set_channel_security(s, "main", SPICE_CHANNEL_SECURITY_NONE));
    SHOW("display", spice_server_set_channel_security(s, "display", SPICE_CHANNEL_SECURITY_NONE));
    SHOW("smartcard", spice_server_set_channel_security(s, "smartcard", SPICE_CHANNEL_SECURITY_NONE));
    SHOW("webdav", spice_server_set_channel_security(s, "webdav", SPICE_CHANNEL_SECURITY_NONE));
    SHOW("bogus", spice_server_set_channel_security(s, "bogus", SPICE_CHANNEL_SECURITY_NONE)); END();
    LINE("tls"); SHOW("no files", spice_server_set_tls(s, 5999, NULL, NULL, NULL, NULL, NULL, NULL));
    SHOW("bad port", spice_server_set_tls(s, 70000, "ca", "cert", "key", NULL, NULL, NULL)); END();
    LINE("renderer"); SHOW("gl", spice_server_add_renderer(s, "gl")); END();
    const char *codecs = spice_server_get_video_codecs(s);
    printf("video_codecs before init='%s'\n", codecs);
    spice_server_free_video_codecs(s, codecs);
    LINE("set_video_codecs"); SHOW("bogus", spice_server_set_video_codecs(s, "bogus:codec"));
    SHOW("empty", spice_server_set_video_codecs(s, ""));
    SHOW("spice:mjpeg;junk", spice_server_set_video_codecs(s, "spice:mjpeg;junk")); END();
    codecs = spice_server_get_video_codecs(s);
    printf("video_codecs='%s'\n", codecs);
    spice_server_free_video_codecs(s, codecs);
    const char **subtypes = spice_server_char_device_recognized_subtypes();
    printf("char subtypes:");
    for (int i = 0; subtypes[i]; i++) {
        printf(" %s", subtypes[i]);
    }
    printf("\n");
    LINE("obsolete"); SHOW("sock_info", spice_server_get_sock_info(s, NULL, NULL));
    SHOW("peer_info", spice_server_get_peer_info(s, NULL, NULL)); END();

    printf("init=%d\n", spice_server_init(s, hostloop_core("harness", NULL)));
    printf("listening watch registered=%s\n", hostloop_read_watches() >= 1 ? "yes" : "no");
    LINE("state"); SHOW("num_clients", spice_server_get_num_clients(s)); SHOW("server_mouse", spice_server_is_server_mouse(s)); END();

    /* A TCP connect to the port makes the listening watch fire: the server accepts on it. */
    int client = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    printf("tcp connect=%d\n", connect(client, (struct sockaddr *) &sa, sizeof(sa)));
    int before = hostloop_read_watches();
    for (int i = 0; i < 50 && hostloop_read_watches() == before; i++) {
        hostloop_once(20, -1);
    }
    printf("accepted connection watched=%s\n", hostloop_read_watches() > before ? "yes" : "no");
    close(client);
    for (int i = 0; i < 10; i++) {
        hostloop_once(10, -1);
    }

    SpiceKbdInstance kbd = { .base = { .sif = &kbd_if.base } };
    SpiceKbdInstance kbd2 = { .base = { .sif = &kbd_if_bad_major.base } };
    SpiceKbdInstance kbd3 = { .base = { .sif = &kbd_if_bad_minor.base } };
    SpiceMouseInstance mouse = { .base = { .sif = &mouse_if.base } };
    SpiceTabletInstance tablet = { .base = { .sif = &tablet_if.base } };
    SpiceBaseInstance unknown = { .sif = &unknown_if };
    QXLInstance qxl = { .base = { .sif = &qxl_if.base }, .id = 0 };
    QXLInstance qxl_dup = { .base = { .sif = &qxl_if.base }, .id = 0 };
    QXLInstance qxl_neg = { .base = { .sif = &qxl_if.base }, .id = -1 };

    LINE("add"); SHOW("kbd bad major", spice_server_add_interface(s, &kbd2.base));
    SHOW("kbd bad minor", spice_server_add_interface(s, &kbd3.base)); END();
    LINE("add"); SHOW("kbd", spice_server_add_interface(s, &kbd.base));
    SHOW("mouse", spice_server_add_interface(s, &mouse.base)); SHOW("tablet", spice_server_add_interface(s, &tablet.base));
    SHOW("unknown", spice_server_add_interface(s, &unknown)); END();
    LINE("add"); SHOW("qxl", spice_server_add_interface(s, &qxl.base)); SHOW("attached", attached);
    SHOW("duplicate id", spice_server_add_interface(s, &qxl_dup.base));
    SHOW("negative id", spice_server_add_interface(s, &qxl_neg.base)); END();
    LINE("kbd_leds"); SHOW("rc", spice_server_kbd_leds(&kbd, 2)); END();
    /* NULL where the reference tolerates one: it answers instead of crashing. */
    LINE("null"); SHOW("num_clients", spice_server_get_num_clients(NULL));
    SHOW("remove_interface", spice_server_remove_interface(NULL)); END();

    spice_server_vm_start(s);
    /* QXL: a memslot over our own memory, a 64x64 primary surface, an update and an async flush. */
    uint8_t *ram = calloc(1, 64 * 64 * 4 + 4096);
    QXLDevMemSlot slot = { .slot_group_id = 0, .slot_id = 0, .generation = 0, .virt_start = (uintptr_t) ram,
                           .virt_end = (uintptr_t) ram + 64 * 64 * 4 + 4096, .addr_delta = 0, .qxl_ram_size = 0 };
    spice_qxl_add_memslot(&qxl, &slot);
    QXLDevSurfaceCreate surface = { .width = 64, .height = 64, .stride = 64 * 4, .format = SPICE_SURFACE_FMT_32_xRGB,
                                    .mouse_mode = 0, .flags = 0, .type = 0, .mem = (uintptr_t) ram, .group_id = 0 };
    spice_qxl_create_primary_surface(&qxl, 0, &surface);
    QXLRect area = { .top = 0, .left = 0, .bottom = 64, .right = 64 };
    spice_qxl_update_area(&qxl, 0, &area, NULL, 0, 0);
    printf("qxl sync calls done\n");
    spice_qxl_flush_surfaces_async(&qxl, 42);
    printf("async flush cookie 42 %s\n", wait_cookie(42) ? "completed" : "TIMEOUT");
    spice_qxl_update_area_async(&qxl, 0, &area, 0, 43);
    printf("async update cookie 43 %s\n", wait_cookie(43) ? "completed" : "TIMEOUT");
    spice_qxl_wakeup(&qxl);
    spice_qxl_destroy_primary_surface(&qxl, 0);
    spice_qxl_del_memslot(&qxl, 0, 0);
    spice_server_vm_stop(s);
    spice_server_vm_start(s);
    printf("vm stop/start done\n");

    LINE("remove"); SHOW("tablet", spice_server_remove_interface(&tablet.base));
    SHOW("mouse", spice_server_remove_interface(&mouse.base)); SHOW("kbd", spice_server_remove_interface(&kbd.base));
    SHOW("qxl", spice_server_remove_interface(&qxl.base)); END();
    for (int i = 0; i < 5; i++) {
        hostloop_once(10, -1);
    }
    spice_server_destroy(s);
    free(ram);
    printf("core calls off the main thread=%d\n", wrong_thread_calls);
    printf("done\n");
    return 0;
}
