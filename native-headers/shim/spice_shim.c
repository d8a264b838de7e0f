/*
 * libspice-server.so.1 shim: exports the spice-server ABI and forwards every call to the Java server.
 *
 * On the first call (any thread, once) it dlopen()s libjvm, starts a JVM with the jars found beside this
 * library, and asks org.spicejava.ffi.Bootstrap for the one upcall every export goes through. No server logic here.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jni.h>
#include <spice.h>
#include <spice-replay.h>

#define SHIM_EXPORT __attribute__((visibility("default")))

#ifndef SPICE_JAVA_LIBJVM
#define SPICE_JAVA_LIBJVM "/usr/lib/jvm/temurin-25-jdk-amd64/lib/server/libjvm.so"
#endif
#ifndef SPICE_JAVA_JARDIR
#define SPICE_JAVA_JARDIR "/usr/local/lib/spice-java"
#endif
#ifndef JNI_VERSION_21
#define JNI_VERSION_21 0x00150000
#endif

/* Returned by spice_server_new when no JVM could start: QEMU does not check for NULL there. */
static int spice_java_dummy_server;
static const char *const spice_java_no_subtypes[] = { NULL };

enum {
#define FN(ret, name, params, args, fallback) SLOT_##name,
#define VFN(name, params, args) SLOT_##name,
#include "exports.def"
#undef FN
#undef VFN
    SLOT_COUNT
};

/* The exports' names in slot order, a line each: Java checks them against its table in one read. */
static const char slot_names[] =
#define FN(ret, name, params, args, fallback) #name "\n"
#define VFN(name, params, args) #name "\n"
#include "exports.def"
#undef FN
#undef VFN
    "";

/*
 * Java's upcall for every export: the export's slot and five arguments, each as a 64-bit word (integers widened,
 * pointers as addresses), unused words 0, all in registers; the result comes back the same way. The four exports
 * with more arguments pass the address of an array of their eight words as the first.
 */
typedef uint64_t (*dispatch_fn)(int32_t slot, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
static dispatch_fn dispatch;

/* Every export's call into Java, made where the JVM knows the stack (see on_thread_stack). */
static uint64_t call_short(int32_t slot, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e);
static uint64_t call_long(int32_t slot, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f,
                          uint64_t g, uint64_t h);
#define WORD(x) ((uint64_t) (x))
#define CALL_0(slot, ...) call_short(slot, 0, 0, 0, 0, 0)
#define CALL_1(slot, a) call_short(slot, WORD(a), 0, 0, 0, 0)
#define CALL_2(slot, a, b) call_short(slot, WORD(a), WORD(b), 0, 0, 0)
#define CALL_3(slot, a, b, c) call_short(slot, WORD(a), WORD(b), WORD(c), 0, 0)
#define CALL_4(slot, a, b, c, d) call_short(slot, WORD(a), WORD(b), WORD(c), WORD(d), 0)
#define CALL_5(slot, a, b, c, d, e) call_short(slot, WORD(a), WORD(b), WORD(c), WORD(d), WORD(e))
#define CALL_6(slot, a, b, c, d, e, f) \
    call_long(slot, WORD(a), WORD(b), WORD(c), WORD(d), WORD(e), WORD(f), 0, 0)
#define CALL_7(slot, a, b, c, d, e, f, g) \
    call_long(slot, WORD(a), WORD(b), WORD(c), WORD(d), WORD(e), WORD(f), WORD(g), 0)
#define CALL_8(slot, a, b, c, d, e, f, g, h) \
    call_long(slot, WORD(a), WORD(b), WORD(c), WORD(d), WORD(e), WORD(f), WORD(g), WORD(h))
#define COUNT_ARGS(...) COUNT_ARGS_(__VA_OPT__(__VA_ARGS__,) 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define COUNT_ARGS_(a, b, c, d, e, f, g, h, n, ...) n
#define JOIN(a, b) JOIN_(a, b)
#define JOIN_(a, b) a##b
#define UNPAREN(...) __VA_ARGS__
#define APPLY(macro, ...) macro(__VA_ARGS__)
/* An export's call into Java: DISPATCH(SLOT_x, (s, port)). */
#define DISPATCH(slot, args) APPLY(JOIN(CALL_, COUNT_ARGS args), slot, UNPAREN args)
static pthread_once_t start_once = PTHREAD_ONCE_INIT;
static int java_ready;

static void log_line(const char *fmt, const char *arg)
{
    fprintf(stderr, "spice-java: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
}

static void *open_libjvm(void)
{
    const char *candidates[3];
    char from_java_home[PATH_MAX];
    int n = 0;
    const char *env = getenv("SPICE_JAVA_LIBJVM");
    const char *java_home = getenv("JAVA_HOME");

    if (env && *env) {
        candidates[n++] = env; /* an explicit override is the only candidate */
    } else {
        candidates[n++] = SPICE_JAVA_LIBJVM;
        if (java_home && *java_home) {
            snprintf(from_java_home, sizeof(from_java_home), "%s/lib/server/libjvm.so", java_home);
            candidates[n++] = from_java_home;
        }
    }
    for (int i = 0; i < n; i++) {
        void *handle = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
        if (handle) {
            return handle;
        }
        log_line("cannot load %s", dlerror());
    }
    return NULL;
}

static int has_jars(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;
    if (!d) {
        return 0;
    }
    while (!found && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        found = len > 4 && strcmp(e->d_name + len - 4, ".jar") == 0;
    }
    closedir(d);
    return found;
}

/* The jar directory: env override, else spice-java/ beside the real file of this library, else the build-time one. */
static int find_jar_dir(char *out, size_t size)
{
    const char *env = getenv("SPICE_JAVA_JARDIR");
    Dl_info info;
    char real[PATH_MAX];

    if (env && *env) {
        snprintf(out, size, "%s", env);
        return has_jars(out);
    }
    if (dladdr((void *) &spice_server_new, &info) && info.dli_fname && realpath(info.dli_fname, real)) {
        char *slash = strrchr(real, '/');
        if (slash) {
            *slash = '\0';
            int n = snprintf(out, size, "%s/spice-java", real);
            if (n > 0 && (size_t) n < size && has_jars(out)) {
                return 1;
            }
        }
    }
    snprintf(out, size, "%s", SPICE_JAVA_JARDIR);
    return has_jars(out);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The names of the directory's jars in name order (NULL on failure); free with free_names. */
static char **sorted_jars(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = calloc(1, sizeof(*names));
    size_t n = 0;

    if (!d || !names) {
        if (d) {
            closedir(d);
        }
        free(names);
        return NULL;
    }
    while ((e = readdir(d)) != NULL) {
        size_t name_len = strlen(e->d_name);
        if (name_len <= 4 || strcmp(e->d_name + name_len - 4, ".jar") != 0) {
            continue;
        }
        char **more = realloc(names, (n + 2) * sizeof(*names));
        if (!more) {
            break;
        }
        names = more;
        if (!(names[n] = strdup(e->d_name))) {
            break;
        }
        names[++n] = NULL;
    }
    closedir(d);
    qsort(names, n, sizeof(*names), compare_names);
    *count = n;
    return names;
}

static void free_names(char **names)
{
    for (size_t i = 0; names && names[i]; i++) {
        free(names[i]);
    }
    free(names);
}

/* -Djava.class.path= with the jars in name order: an AOT cache only matches the class path it was made with. */
static char *build_class_path(const char *dir, char **jars, size_t count)
{
    size_t len = strlen("-Djava.class.path=") + 1;
    for (size_t i = 0; i < count; i++) {
        len += strlen(dir) + strlen(jars[i]) + 2;
    }
    char *cp = malloc(len);
    if (cp) {
        size_t at = (size_t) sprintf(cp, "-Djava.class.path=");
        for (size_t i = 0; i < count; i++) {
            at += (size_t) sprintf(cp + at, "%s%s/%s", i ? ":" : "", dir, jars[i]);
        }
    }
    return cp;
}

/*
 * Whether the AOT cache was made from these very jars: scripts/train-aot lists each jar's name and size beside the
 * cache, and the JVM itself does not notice a jar replaced under an unchanged name (it would run the cached classes).
 */
static int aot_cache_fits(const char *dir, char **jars, size_t count)
{
    char path[PATH_MAX], expected[4096], actual[4096];
    size_t at = 0;
    struct stat st;

    snprintf(path, sizeof(path), "%s/spice-java.aot.jars", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    size_t got = fread(expected, 1, sizeof(expected) - 1, f);
    fclose(f);
    expected[got] = '\0';
    for (size_t i = 0; i < count; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, jars[i]);
        if (stat(path, &st) != 0) {
            return 0;
        }
        int n = snprintf(actual + at, sizeof(actual) - at, "%s %lld\n", jars[i], (long long) st.st_size);
        if (n < 0 || (size_t) n >= sizeof(actual) - at) {
            return 0;
        }
        at += (size_t) n;
    }
    return strcmp(expected, actual) == 0;
}

#define MAX_OPTIONS 64

/* Whether extra options go beyond properties and logging (-D, -Xlog, -verbose), which any AOT cache accepts. */
static int changes_jvm_settings(const char *extra)
{
    const char *p = extra;
    while (p && *p) {
        p += strspn(p, " \t");
        size_t len = strcspn(p, " \t");
        int harmless = len == 0 || strncmp(p, "-D", 2) == 0 || strncmp(p, "-Xlog", 5) == 0
                       || strncmp(p, "-verbose", 8) == 0;
        if (!harmless) {
            return 1;
        }
        p += len;
    }
    return 0;
}

/* A training run's JVM writes its AOT configuration only when destroyed; a host just calls exit(). */
static JavaVM *training_vm;

static void end_training(void)
{
    (*training_vm)->DestroyJavaVM(training_vm);
}

static void start_java(void)
{
    static const char *const fixed_options[] = {
#include "jvm_options.h"
    };
    JavaVMOption options[MAX_OPTIONS];
    JavaVMInitArgs args;
    JavaVM *vm;
    JNIEnv *env;
    char jar_dir[PATH_MAX];
    char *class_path, *extra = NULL;
    int n = 0;

    void *libjvm = open_libjvm();
    if (!libjvm) {
        log_line("%s", "no usable libjvm (set SPICE_JAVA_LIBJVM); the SPICE server is disabled");
        return;
    }
    jint (*create_vm)(JavaVM **, void **, void *) = (jint (*)(JavaVM **, void **, void *)) dlsym(libjvm, "JNI_CreateJavaVM");
    if (!create_vm) {
        log_line("%s", "libjvm has no JNI_CreateJavaVM; the SPICE server is disabled");
        return;
    }
    size_t jar_count = 0;
    char **jars = find_jar_dir(jar_dir, sizeof(jar_dir)) ? sorted_jars(jar_dir, &jar_count) : NULL;
    if (!jars || !(class_path = build_class_path(jar_dir, jars, jar_count))) {
        free_names(jars);
        log_line("no jars found in %s (set SPICE_JAVA_JARDIR); the SPICE server is disabled", jar_dir);
        return;
    }
    options[n++].optionString = class_path;
    for (size_t i = 0; i < sizeof(fixed_options) / sizeof(fixed_options[0]); i++) {
        options[n++].optionString = (char *) fixed_options[i];
    }
    if (!getenv("SPICE_JAVA_DEBUG")) {
        options[n++].optionString = "-XX:+DisableAttachMechanism"; /* no /tmp/.java_pid<pid> */
    }
    char aot_config[PATH_MAX + 32], aot_cache[PATH_MAX + 32], aot_property[PATH_MAX + 64];
    const char *record = getenv("SPICE_JAVA_AOT_RECORD");
    const char *use_cache = getenv("SPICE_JAVA_AOT");
    int recording = record && *record;
    if (recording) { /* a training run: the JVM records what it loads and runs, written out when it is destroyed */
        snprintf(aot_config, sizeof(aot_config), "-XX:AOTConfiguration=%s", record);
        options[n++].optionString = "-XX:AOTMode=record";
        options[n++].optionString = aot_config;
    } else if (use_cache && strcmp(use_cache, "0") == 0) {
        /* asked to run without it */
    } else if (changes_jvm_settings(getenv("SPICE_JAVA_OPTS"))) {
        /* A cache fits the settings it was made with; some others (a 2 MB initial heap) make the JVM exit. */
        log_line("%s", "SPICE_JAVA_OPTS changes JVM settings: the AOT cache is not used");
    } else {
        /* The AOT cache made by the build's training run: classes loaded and linked, method profiles. */
        int len = snprintf(aot_cache, sizeof(aot_cache), "-XX:AOTCache=%s/spice-java.aot", jar_dir);
        const char *cache_file = aot_cache + strlen("-XX:AOTCache=");
        if (len > 0 && (size_t) len < sizeof(aot_cache) && access(cache_file, R_OK) == 0) {
            if (aot_cache_fits(jar_dir, jars, jar_count)) {
                snprintf(aot_property, sizeof(aot_property), "-Dspice.java.aot=%s", cache_file);
                options[n++].optionString = aot_cache;
                options[n++].optionString = aot_property; /* Java says whether the JVM could use it */
            } else {
                log_line("the AOT cache %s was made from other jars and is not used: start-up is slower "
                         "(scripts/train-aot makes it again)", cache_file);
            }
        }
    }
    const char *extra_env = getenv("SPICE_JAVA_OPTS");
    if (extra_env && *extra_env && (extra = strdup(extra_env)) != NULL) {
        char *save = NULL;
        for (char *tok = strtok_r(extra, " \t", &save); tok && n < MAX_OPTIONS; tok = strtok_r(NULL, " \t", &save)) {
            options[n++].optionString = tok;
        }
    }
    for (int i = 0; i < n; i++) {
        options[i].extraInfo = NULL;
    }
    args.version = JNI_VERSION_21; /* an older JVM answers JNI_EVERSION */
    args.nOptions = n;
    args.options = options;
    args.ignoreUnrecognized = JNI_FALSE;

    jint rc = create_vm(&vm, (void **) &env, &args);
    free_names(jars);
    free(class_path);
    free(extra);
    if (rc != JNI_OK) {
        fprintf(stderr, "spice-java: JNI_CreateJavaVM failed (%d): Java 21 or newer is required; the SPICE server is disabled\n", (int) rc);
        return;
    }
    if (recording) {
        training_vm = vm;
        atexit(end_training);
    }
    jclass bootstrap = (*env)->FindClass(env, "org/spicejava/ffi/Bootstrap");
    jmethodID install = bootstrap ? (*env)->GetStaticMethodID(env, bootstrap, "install", "(JJI)Z") : NULL;
    jboolean ok = install && (*env)->CallStaticBooleanMethod(env, bootstrap, install,
                                                             (jlong) (intptr_t) slot_names,
                                                             (jlong) (intptr_t) &dispatch, (jint) SLOT_COUNT);
    if ((*env)->ExceptionCheck(env)) {
        (*env)->ExceptionDescribe(env);
        ok = JNI_FALSE;
    }
    if (!ok || !dispatch) {
        log_line("%s", "Java bootstrap failed; the SPICE server is disabled");
        return;
    }
    java_ready = 1;
}

static int ensure_java(void)
{
    pthread_once(&start_once, start_java);
    return java_ready;
}


/*
 * QEMU runs some of its code on coroutine stacks of its own and calls us from there: QMP commands and their answers
 * (spice_server_char_device_wakeup from the QMP dispatcher coroutine, QMP over a spiceport) and the incoming
 * migration, whose device loading (qxl's post_load: memslots, the primary, loadvm_commands) runs in a coroutine.
 * The JVM knows each thread's stack; on a stack it does not know, any check of it (an interpreted frame, a class
 * defined, a method handle customized after enough calls) reports a stack overflow that no Java code can catch
 * there, and the upcall ends the process (seen: a destination QEMU of a -vga qxl migration). So an export called
 * from such a stack runs on a helper thread while the caller waits, as it would wait for its own call.
 */
/* Each thread's stack bounds, found once (thread keys rather than TLS variables: libc is our only dependency). */
struct stack_bounds {
    uintptr_t low, high;
    int known;
};
static pthread_key_t stack_key;
static int stack_key_ok;
static pthread_once_t stack_key_once = PTHREAD_ONCE_INIT;

static void make_stack_key(void)
{
    stack_key_ok = pthread_key_create(&stack_key, free) == 0;
    if (!stack_key_ok) {
        log_line("%s", "no thread key for stack bounds; calls from coroutine stacks stay where they are");
    }
}

static int on_thread_stack(void)
{
    uintptr_t here = (uintptr_t) __builtin_frame_address(0);
    pthread_once(&stack_key_once, make_stack_key);
    if (!stack_key_ok) {
        return 1;
    }
    struct stack_bounds *b = pthread_getspecific(stack_key);
    if (!b) {
        pthread_attr_t attr;
        void *addr;
        size_t size;
        b = calloc(1, sizeof(*b));
        if (!b) {
            return 1;
        }
        b->known = -1; /* unknown: calls stay on the caller's thread */
        if (pthread_getattr_np(pthread_self(), &attr) == 0) {
            if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
                b->low = (uintptr_t) addr;
                b->high = (uintptr_t) addr + size;
                b->known = 1;
            }
            pthread_attr_destroy(&attr);
        }
        if (pthread_setspecific(stack_key, b) != 0) {
            free(b);
            return 1;
        }
    }
    return b->known < 0 || (here >= b->low && here < b->high);
}

static pthread_once_t helper_once = PTHREAD_ONCE_INIT;
static int helper_ok;
static pthread_t helper_thread;
static pthread_mutex_t helper_turn = PTHREAD_MUTEX_INITIALIZER; /* one call at a time */
static pthread_mutex_t helper_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t helper_cond = PTHREAD_COND_INITIALIZER;
static void (*helper_fn)(void *);
static void *helper_arg;
static int helper_pending;

static void *helper_main(void *unused)
{
    (void) unused;
    pthread_mutex_lock(&helper_lock);
    for (;;) {
        while (!helper_pending) {
            pthread_cond_wait(&helper_cond, &helper_lock);
        }
        pthread_mutex_unlock(&helper_lock);
        helper_fn(helper_arg);
        pthread_mutex_lock(&helper_lock);
        helper_pending = 0;
        pthread_cond_broadcast(&helper_cond);
    }
    return NULL;
}

static void start_helper(void)
{
    pthread_t thread;
    pthread_attr_t attr;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* the helper takes none of QEMU's signals */
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    helper_ok = pthread_create(&thread, &attr, helper_main, NULL) == 0;
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (helper_ok) {
        helper_thread = thread;
        pthread_setname_np(thread, "spice-java-call");
    } else {
        log_line("%s", "cannot start the helper thread; calls from coroutine stacks stay where they are");
    }
}

/* Runs fn(arg) on the helper thread while this one waits (this one is on a stack the JVM does not know). */
static void on_helper_thread(void (*fn)(void *), void *arg)
{
    pthread_once(&helper_once, start_helper);
    if (!helper_ok || pthread_equal(pthread_self(), helper_thread)) {
        fn(arg); /* the helper itself on a coroutine it entered: waiting for itself would never end */
        return;
    }
    pthread_mutex_lock(&helper_turn);
    pthread_mutex_lock(&helper_lock);
    helper_fn = fn;
    helper_arg = arg;
    helper_pending = 1;
    pthread_cond_broadcast(&helper_cond);
    while (helper_pending) {
        pthread_cond_wait(&helper_cond, &helper_lock);
    }
    pthread_mutex_unlock(&helper_lock);
    pthread_mutex_unlock(&helper_turn);
}

/* One export's call, made on the helper thread for a caller on a stack the JVM does not know. */
struct forwarded_call {
    int32_t slot;
    uint64_t words[5];
    uint64_t result;
};

static void run_forwarded(void *arg)
{
    struct forwarded_call *c = arg;
    uint64_t *w = c->words;
    c->result = dispatch(c->slot, w[0], w[1], w[2], w[3], w[4]);
}

static uint64_t call_short(int32_t slot, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
    if (on_thread_stack()) {
        return dispatch(slot, a, b, c, d, e);
    }
    struct forwarded_call call = { slot, { a, b, c, d, e }, 0 };
    on_helper_thread(run_forwarded, &call);
    return call.result;
}

/* An export of more than five arguments: its words go in an array, which lives until the call returns. */
static uint64_t call_long(int32_t slot, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f,
                          uint64_t g, uint64_t h)
{
    uint64_t words[8] = { a, b, c, d, e, f, g, h };
    return call_short(slot, (uint64_t) (uintptr_t) words, 0, 0, 0, 0);
}

#define FN(ret, name, params, args, fallback)                   \
    SHIM_EXPORT ret name params                                 \
    {                                                           \
        if (!ensure_java()) {                                   \
            return fallback;                                    \
        }                                                       \
        return (ret) DISPATCH(SLOT_##name, args);               \
    }
#define VFN(name, params, args)                                 \
    SHIM_EXPORT void name params                                \
    {                                                           \
        if (ensure_java()) {                                    \
            DISPATCH(SLOT_##name, args);                        \
        }                                                       \
    }
#include "exports.def"
#undef FN
#undef VFN
