/*
 * A SPICE server host with one vdagent char device whose guest agent answers at once, so that a raw client measures
 * the server's own cost on the agent path (spice-ffi's AgentWorkload: AgentHarnessIT, scripts/bench-agent-harness).
 * Usage: agent_harness PORT.
 *
 * The device is driven as QEMU's spicevmc chardev drives it (chardev/spice.c): the server's writes are all taken at
 * once (a fast guest); the guest's bytes are offered one virtio buffer at a time (one VDIChunkHeader and its data, as
 * spice-vdagent writes them) and only during spice_server_char_device_wakeup; when the server takes part of one, the
 * device is blocked until the server reads again, then the rest is offered. Offers are made from the host's loop,
 * never inside the server's callbacks.
 *
 * The agent, as spice-vdagent without the clipboard selection capability:
 *   on attach it announces its capabilities asking for the client's; it answers an announcement that asks with its own;
 *   VD_AGENT_CLIPBOARD_REQUEST gets VD_AGENT_CLIPBOARD (UTF8_TEXT) of HARNESS_CLIP_BYTES (default 64, at least 10)
 *     bytes: the request's number (from 0) as 10 digits, then 'a'..'z' repeating;
 *   VD_AGENT_FILE_XFER_START (a key file with size=) gets FILE_XFER_STATUS CAN_SEND_DATA; FILE_XFER_DATA bytes are
 *     counted and once the announced size has arrived the status is SUCCESS (more than announced: ERROR).
 * Its messages go out in chunks of at most VD_AGENT_MAX_DATA_SIZE bytes, the message header counted in the first.
 * Exits when the server tells the agent that the client left (VD_AGENT_CLIENT_DISCONNECTED), or after HARNESS_SECONDS
 * (default 120).
 *
 * Output, one line each, times in CLOCK_MONOTONIC ns:
 *   ready
 *   state CONNECTED                   the server's state callback
 *   announce REQUEST CAPS             the client's capabilities (REQUEST 1: it asks for ours)
 *   xfer start ID SIZE NS / xfer done ID BYTES NS / xfer error ID BYTES
 *   disconnected                      VD_AGENT_CLIENT_DISCONNECTED from the server
 *   stat NS UTIME_US STIME_US RSS_KB REQUESTS XFER_BYTES      once a second
 *   done requests=N xfer_bytes=X bad=B max_callback_us=W      B: malformed or unexpected bytes from the server
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <spice.h>
#include <spice/vd_agent.h>

#include "lib/hostloop.h"
#include "lib/hostutil.h"

#define CHUNK_HEADER ((int) sizeof(VDIChunkHeader))
#define MESSAGE_HEADER ((int) sizeof(VDAgentMessage))
/* Message bodies are kept up to this size; the rest (file data) is only counted. */
#define BODY_KEEP 4096
/* The guest's unread output never grows beyond this: a server that stops reading is reported, not followed. */
#define MAX_PENDING (64L << 20)
#define AGENT_CAPS (1u << VD_AGENT_CAP_MOUSE_STATE | 1u << VD_AGENT_CAP_MONITORS_CONFIG | 1u << VD_AGENT_CAP_REPLY \
                    | 1u << VD_AGENT_CAP_CLIPBOARD_BY_DEMAND | 1u << VD_AGENT_CAP_SPARSE_MONITORS_CONFIG \
                    | 1u << VD_AGENT_CAP_GUEST_LINEEND_LF | 1u << VD_AGENT_CAP_MAX_CLIPBOARD)

/* One port's message stream, reassembled across the server's chunks. */
struct stream {
    uint8_t header[MESSAGE_HEADER];
    int header_got;
    uint32_t body_got;
    uint8_t body[BODY_KEEP];
};

static SpiceCharDeviceInstance vdagent;
static struct stream from_client, from_server;
static uint8_t chunk_header[CHUNK_HEADER];
static int chunk_header_got;
static uint32_t chunk_port, chunk_left;

/* The guest's output, whole chunks back to back, and the part of it on offer during a wakeup (QEMU's datapos). */
static uint8_t *pending;
static size_t pending_head, pending_tail, pending_cap;
static const uint8_t *offer_pos;
static int offer_len, blocked;

static char *clip_text;
static size_t clip_bytes = 64;
static long requests, bad;
static uint32_t xfer_id;
static uint64_t xfer_size, xfer_got, xfer_total;
static int xfer_active;
static int client_left;

static void reserve(size_t more)
{
    if (pending_head > 0 && pending_tail + more > pending_cap) { /* drop what the server has read */
        memmove(pending, pending + pending_head, pending_tail - pending_head);
        pending_tail -= pending_head;
        pending_head = 0;
    }
    if (pending_tail + more > pending_cap) {
        pending_cap = (pending_tail + more) * 2;
        pending = realloc(pending, pending_cap);
        if (!pending) {
            printf("out of memory\n");
            exit(1);
        }
    }
}

/* One agent message from the guest, in chunks of at most VD_AGENT_MAX_DATA_SIZE as spice-vdagent writes them. */
static void agent_send(uint32_t type, const void *a, size_t alen, const void *b, size_t blen)
{
    size_t total = MESSAGE_HEADER + alen + blen;
    if (pending_tail - pending_head + total > (size_t) MAX_PENDING) {
        printf("overflow pending=%zu\n", pending_tail - pending_head);
        bad++;
        return;
    }
    uint8_t *msg = malloc(total);
    VDAgentMessage header = { VD_AGENT_PROTOCOL, type, 0, (uint32_t) (alen + blen) };
    memcpy(msg, &header, MESSAGE_HEADER);
    memcpy(msg + MESSAGE_HEADER, a, alen);
    if (blen) {
        memcpy(msg + MESSAGE_HEADER + alen, b, blen);
    }
    size_t chunks = (total + VD_AGENT_MAX_DATA_SIZE - 1) / VD_AGENT_MAX_DATA_SIZE;
    reserve(total + chunks * CHUNK_HEADER);
    for (size_t at = 0; at < total; at += VD_AGENT_MAX_DATA_SIZE) {
        uint32_t n = total - at < VD_AGENT_MAX_DATA_SIZE ? (uint32_t) (total - at) : VD_AGENT_MAX_DATA_SIZE;
        VDIChunkHeader chunk = { VDP_CLIENT_PORT, n };
        memcpy(pending + pending_tail, &chunk, CHUNK_HEADER);
        memcpy(pending + pending_tail + CHUNK_HEADER, msg + at, n);
        pending_tail += CHUNK_HEADER + n;
    }
    free(msg);
}

static void announce(uint32_t request)
{
    struct { uint32_t request, caps; } body = { request, AGENT_CAPS };
    agent_send(VD_AGENT_ANNOUNCE_CAPABILITIES, &body, sizeof body, NULL, 0);
}

static void xfer_status(uint32_t id, uint32_t result)
{
    VDAgentFileXferStatusMessage status = { id, result };
    agent_send(VD_AGENT_FILE_XFER_STATUS, &status, sizeof status, NULL, 0);
}

static void clipboard_reply(void)
{
    char number[16];
    snprintf(number, sizeof number, "%010ld", requests++ % 10000000000L);
    memcpy(clip_text, number, 10);
    uint32_t type = VD_AGENT_CLIPBOARD_UTF8_TEXT;
    agent_send(VD_AGENT_CLIPBOARD, &type, sizeof type, clip_text, clip_bytes);
}

static void xfer_start(const uint8_t *body, uint32_t size)
{
    uint32_t id;
    memcpy(&id, body, 4);
    /* the key file: "[vdagent-file-xfer]\nname=...\nsize=N\n", NUL-terminated as spice-gtk sends it */
    char text[BODY_KEEP + 1];
    memcpy(text, body + 4, size - 4);
    text[size - 4] = 0;
    const char *s = strstr(text, "\nsize=");
    if (!s || xfer_active) {
        bad++;
        xfer_status(id, VD_AGENT_FILE_XFER_STATUS_ERROR);
        return;
    }
    xfer_id = id;
    xfer_size = strtoull(s + 6, NULL, 10);
    xfer_got = 0;
    xfer_active = 1;
    printf("xfer start %u %llu %lld\n", id, (unsigned long long) xfer_size, hostutil_now_ns());
    xfer_status(id, VD_AGENT_FILE_XFER_STATUS_CAN_SEND_DATA);
}

static void xfer_data(const uint8_t *body, uint32_t size)
{
    VDAgentFileXferDataMessage data;
    memcpy(&data, body, sizeof data);
    if (!xfer_active || data.id != xfer_id || data.size != size - sizeof data) {
        bad++;
        return;
    }
    xfer_got += data.size;
    xfer_total += data.size;
    if (xfer_got > xfer_size) {
        printf("xfer error %u %llu\n", data.id, (unsigned long long) xfer_got);
        xfer_active = 0;
        xfer_status(data.id, VD_AGENT_FILE_XFER_STATUS_ERROR);
    } else if (xfer_got == xfer_size) {
        printf("xfer done %u %llu %lld\n", data.id, (unsigned long long) xfer_got, hostutil_now_ns());
        xfer_active = 0;
        xfer_status(data.id, VD_AGENT_FILE_XFER_STATUS_SUCCESS);
    }
}

/* A whole message from the client (through the server) or from the server itself. */
static void handle(const VDAgentMessage *m, const uint8_t *body, int from_server_port)
{
    uint32_t size = m->size;
    int kept = size <= BODY_KEEP;
    if (m->protocol != VD_AGENT_PROTOCOL) {
        bad++;
        return;
    }
    switch (m->type) {
    case VD_AGENT_ANNOUNCE_CAPABILITIES:
        if (!kept || size < 8) {
            bad++;
            return;
        }
        uint32_t request, caps;
        memcpy(&request, body, 4);
        memcpy(&caps, body + 4, 4);
        printf("announce %u %u\n", request, caps);
        if (request) {
            announce(0);
        }
        break;
    case VD_AGENT_CLIPBOARD_REQUEST:
        if (size != 4) {
            bad++;
            return;
        }
        clipboard_reply();
        break;
    case VD_AGENT_FILE_XFER_START:
        if (!kept || size < 5) {
            bad++;
            return;
        }
        xfer_start(body, size);
        break;
    case VD_AGENT_FILE_XFER_DATA:
        if (size < sizeof(VDAgentFileXferDataMessage)) {
            bad++;
            return;
        }
        xfer_data(body, size);
        break;
    case VD_AGENT_FILE_XFER_STATUS:
        printf("xfer cancelled by the client\n");
        xfer_active = 0;
        break;
    case VD_AGENT_CLIENT_DISCONNECTED:
        printf("disconnected\n");
        xfer_active = 0;
        client_left = 1;
        break;
    default: /* mouse state, monitors config, graphics device info: nothing to answer */
        if (!from_server_port && m->type > VD_AGENT_END_MESSAGE) {
            bad++;
        }
        break;
    }
}

/* Feeds one chunk's bytes to its port's message stream. */
static void stream_feed(struct stream *st, const uint8_t *p, uint32_t n, int from_server_port)
{
    while (n > 0) {
        if (st->header_got < MESSAGE_HEADER) {
            uint32_t missing = (uint32_t) (MESSAGE_HEADER - st->header_got);
            uint32_t take = missing < n ? missing : n;
            memcpy(st->header + st->header_got, p, take);
            st->header_got += take;
            p += take;
            n -= take;
            st->body_got = 0;
        }
        if (st->header_got < MESSAGE_HEADER) {
            return;
        }
        VDAgentMessage m;
        memcpy(&m, st->header, MESSAGE_HEADER);
        uint32_t take = m.size - st->body_got < n ? m.size - st->body_got : n;
        if (st->body_got < BODY_KEEP) {
            uint32_t keep = BODY_KEEP - st->body_got < take ? BODY_KEEP - st->body_got : take;
            memcpy(st->body + st->body_got, p, keep);
        }
        st->body_got += take;
        p += take;
        n -= take;
        if (st->body_got == m.size) {
            handle(&m, st->body, from_server_port);
            st->header_got = 0;
        }
    }
}

/* The server's bytes for the guest: all taken, parsed into chunks and messages. */
static int vdagent_write(SpiceCharDeviceInstance *sin, const uint8_t *buf, int len)
{
    const uint8_t *p = buf;
    int n = len;
    while (n > 0) {
        if (chunk_header_got < CHUNK_HEADER) {
            int take = CHUNK_HEADER - chunk_header_got < n ? CHUNK_HEADER - chunk_header_got : n;
            memcpy(chunk_header + chunk_header_got, p, take);
            chunk_header_got += take;
            p += take;
            n -= take;
            if (chunk_header_got < CHUNK_HEADER) {
                break;
            }
            VDIChunkHeader h;
            memcpy(&h, chunk_header, CHUNK_HEADER);
            chunk_port = h.port;
            chunk_left = h.size;
            if (h.port != VDP_CLIENT_PORT && h.port != VDP_SERVER_PORT) {
                bad++;
            }
            if (chunk_left == 0) {
                chunk_header_got = 0;
            }
            continue;
        }
        uint32_t take = chunk_left < (uint32_t) n ? chunk_left : (uint32_t) n;
        if (chunk_port == VDP_CLIENT_PORT) {
            stream_feed(&from_client, p, take, 0);
        } else if (chunk_port == VDP_SERVER_PORT) {
            stream_feed(&from_server, p, take, 1);
        }
        p += take;
        n -= take;
        chunk_left -= take;
        if (chunk_left == 0) {
            chunk_header_got = 0;
        }
    }
    return len;
}

/* QEMU's vmc_read: only what is on offer; a read that finds nothing left unblocks the device. */
static int vdagent_read(SpiceCharDeviceInstance *sin, uint8_t *buf, int len)
{
    int n = len < offer_len ? len : offer_len;
    if (n > 0) {
        memcpy(buf, offer_pos, n);
        offer_pos += n;
        offer_len -= n;
    }
    if (offer_len == 0) {
        offer_pos = NULL;
        blocked = 0;
    }
    return n;
}

static void vdagent_state(SpiceCharDeviceInstance *sin, int connected)
{
    printf("state %d\n", connected);
}

static void vdagent_event(SpiceCharDeviceInstance *sin, uint8_t event)
{
}

static const SpiceCharDeviceInterface vdagent_if = {
    .base = { SPICE_INTERFACE_CHAR_DEVICE, "agent harness vdagent", SPICE_INTERFACE_CHAR_DEVICE_MAJOR,
              SPICE_INTERFACE_CHAR_DEVICE_MINOR },
    .state = vdagent_state, .write = vdagent_write, .read = vdagent_read, .event = vdagent_event,
    .flags = SPICE_CHAR_DEVICE_NOTIFY_WRITABLE,
};

/* QEMU's spice_chr_write for each queued virtio buffer in turn, until the server leaves part of one. */
static void offer_pending(void)
{
    while (!blocked && pending_head < pending_tail) {
        VDIChunkHeader h;
        memcpy(&h, pending + pending_head, CHUNK_HEADER);
        int len = CHUNK_HEADER + (int) h.size;
        offer_pos = pending + pending_head;
        offer_len = len;
        spice_server_char_device_wakeup(&vdagent);
        pending_head += len - offer_len;
        if (offer_len != 0) {
            /* the rest is offered again once the server reads (chardev/spice.c: "blocked") */
            offer_len = 0;
            offer_pos = NULL;
            blocked = 1;
        }
    }
    if (pending_head == pending_tail) {
        pending_head = pending_tail = 0;
    }
}

static void print_stat(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("stat %lld %lld %lld %ld %ld %llu\n", hostutil_now_ns(),
           ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec, ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec,
           hostutil_rss_kb(), requests, (unsigned long long) xfer_total);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        fprintf(stderr, "usage: agent_harness PORT\n");
        return 2;
    }
    long seconds = hostutil_env_long("HARNESS_SECONDS", 120);
    long clip = hostutil_env_long("HARNESS_CLIP_BYTES", 64);
    clip_bytes = clip < 10 ? 10 : (size_t) clip;
    clip_text = malloc(clip_bytes);
    for (size_t i = 0; i < clip_bytes; i++) {
        clip_text[i] = (char) ('a' + i % 26);
    }

    SpiceServer *s = spice_server_new();
    spice_server_set_port(s, atoi(argv[1]));
    spice_server_set_addr(s, "127.0.0.1", 0);
    spice_server_set_noauth(s);
    if (spice_server_init(s, hostloop_core("agent harness", NULL)) != 0) {
        printf("init failed\n");
        return 1;
    }
    /* the guest opened the agent's port: QEMU adds the interface then (spice_vmc_set_fe_open) */
    vdagent.base.sif = &vdagent_if.base;
    vdagent.subtype = "vdagent";
    spice_server_add_interface(s, &vdagent.base);
    announce(1);
    printf("ready\n");

    long long start = hostutil_now_ns();
    long long end = start + seconds * 1000000000LL;
    long long next_stat = start;
    for (long long now = start; now < end && !client_left; now = hostutil_now_ns()) {
        offer_pending();
        if (now >= next_stat) {
            print_stat();
            next_stat += 1000000000LL;
        }
        long long wake = next_stat < end ? next_stat : end;
        long long wait = wake - hostutil_now_ns();
        int can_offer = !blocked && pending_head < pending_tail;
        hostloop_once(can_offer || wait <= 0 ? 0 : (int) ((wait + 999999) / 1000000), -1);
    }
    print_stat();
    printf("done requests=%ld xfer_bytes=%llu bad=%ld max_callback_us=%lld\n", requests,
           (unsigned long long) xfer_total, bad, hostloop_longest_callback_ns() / 1000);
    return 0;
}
