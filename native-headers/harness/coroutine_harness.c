/*
 * Exports called from a coroutine stack, as QEMU calls them from its own coroutines (the incoming migration loads
 * qxl's state there; QMP commands run there): a server with keyboard and mouse, then, from a ucontext stack of
 * 256 KiB that no thread owns, CALLS rounds of exports that change and read server state, the main loop turning
 * between rounds. Prints "ok CALLS" when every call returned what it should, "bad ..." otherwise; the process ends
 * with the JVM's fatal error if a call's Java side cannot run there. Usage: coroutine_harness [CALLS (2000)].
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

#include <spice.h>

#include "lib/hostloop.h"

#define COROUTINE_STACK (256 * 1024)

static SpiceServer *server;
static int calls;
static int bad;
static ucontext_t main_context, coroutine_context;

/* One round of exports, each going to the server's Java side. */
static void round_of_exports(int i)
{
    SpiceImageCompression mode = i % 2 ? SPICE_IMAGE_COMPRESSION_QUIC : SPICE_IMAGE_COMPRESSION_AUTO_GLZ;
    if (spice_server_set_image_compression(server, mode) != 0 || spice_server_get_image_compression(server) != mode) {
        bad++;
    }
    if (spice_server_get_num_clients(server) != 0) {
        bad++;
    }
    spice_server_set_agent_copypaste(server, i % 2);
}

static void coroutine_body(void)
{
    for (int i = 0; i < calls; i++) {
        round_of_exports(i);
        if (i % 100 == 99) {
            swapcontext(&coroutine_context, &main_context); /* yield: the main loop turns */
        }
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    calls = argc > 1 ? atoi(argv[1]) : 2000;
    server = spice_server_new();
    spice_server_set_noauth(server);
    if (spice_server_init(server, hostloop_core("coroutine harness", NULL)) != 0) {
        printf("init failed\n");
        return 1;
    }
    void *stack = malloc(COROUTINE_STACK);
    if (!stack || getcontext(&coroutine_context) != 0) {
        printf("no coroutine\n");
        return 1;
    }
    coroutine_context.uc_stack.ss_sp = stack;
    coroutine_context.uc_stack.ss_size = COROUTINE_STACK;
    coroutine_context.uc_link = &main_context;
    makecontext(&coroutine_context, coroutine_body, 0);
    for (int turns = 0; turns <= calls / 100; turns++) {
        swapcontext(&main_context, &coroutine_context);
        hostloop_once(1, -1);
    }
    printf(bad ? "bad %d of %d\n" : "ok %d\n", bad ? bad : calls, calls);
    spice_server_destroy(server);
    return bad != 0;
}
