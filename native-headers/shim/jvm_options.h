/*
 * The options every JVM the shim starts gets, one string per line (scripts/jvm-options prints them, so JMH runs
 * with what ships). SPICE_JAVA_OPTS adds to them.
 */
"-Xrs",                                 /* QEMU owns SIGINT/SIGTERM/SIGHUP */
"--enable-native-access=ALL-UNNAMED",
"-XX:-UsePerfData",                     /* no /tmp/hsperfdata file per run */
"-XX:-MaxFDLimit",                      /* leave QEMU's fd limit alone */
"-XX:+UseSerialGC",
"-Xmx64m",
"-Xms8m",
/* Tiered C1+C2 with the fewest compiler threads (scripts/bench-jit, display CPU per frame over the reference's):
   C1 alone: the same with compression off (1.20x) but 10x with auto_glz (the encoders), 10-20 MB less RSS;
   C2 alone, with its own AOT cache: 1.71x (off) and 2.45x (auto_glz) against tiered's 1.20x and 2.90x, a fresh
   client's first picture +122 ms against +78 ms, 4-20 MB less RSS; not kept. */
"-XX:CICompilerCount=2",
/* The host's calls into us (the export dispatch, the core loop's callbacks, sound) compile with 1/100 of the usual
   thresholds. The AOT cache's training data keeps a method it saw below C2 at C1 tier 2 until 250 times the usual
   count, minutes of sound at 100 calls a second; the dispatcher waits there too while classes its trained C2 code
   assumed are not yet initialized (no QXL: the audio harness). Idle audio harness, CPU ms/s after 5 s (ours, with
   this, the reference): 8.45/5.62/5.05, 6.57/5.49/4.53, 7.95/5.72/5.47. Lower thresholds for the packages of the
   display path cost CPU per frame inside the benchmarks' first seconds (desktop auto_glz 2.17x against 1.47x). */
"-XX:CompileCommand=quiet",
/* Not ExportDispatch::callRare: configuration exports, too few calls to be worth a C2 compile of its switch. */
"-XX:CompileCommand=CompileThresholdScaling,org.spicejava.ffi.ExportDispatch::call,0.01",
"-XX:CompileCommand=CompileThresholdScaling,org.spicejava.ffi.ExportDispatch::callLong,0.01",
"-XX:CompileCommand=CompileThresholdScaling,org.spicejava.ffi.Exports::*,0.01",
"-XX:CompileCommand=CompileThresholdScaling,org.spicejava.ffi.Handles::*,0.01",
"-XX:CompileCommand=CompileThresholdScaling,org.spicejava.ffi.HostCoreLoop::*,0.01",
"-XX:CompileCommand=CompileThresholdScaling,org.spicejava.core.audio.*::*,0.01",
/* C2 never compiles the class-file API (a node limit of 1 makes it refuse at once and C1 code stays; a compiler
   directives file does the same but the JVM announces it on stdout, QEMU's stdio): the JVM builds
   classes with it at run time (method handle forms, a downcall handle's own form after its 127th call, lambdas and
   pattern switches first met), rare work that C2 compiled inside a client's first seconds (MJPEG stream bench: at
   the stream's start and again 9 s in; JFR timed such compiles at 40-190 ms a method). bench-stream MJPEG at 3 s of
   warm-up, CPU per frame over the reference's, eight runs each (five with the directives file): mean 1.80
   (1.66-1.98) against 1.94 (1.78-2.23); desktop and text auto_glz, start-up and RSS unchanged. */
"-XX:CompileCommand=MaxNodeLimit,java/lang/classfile/*.*,1",
"-XX:CompileCommand=MaxNodeLimit,jdk/internal/classfile/*.*,1",
"-XX:ReservedCodeCacheSize=32m",
"-Xss512k",
/* Native memory the JIT's compiles freed goes back to the system every 3 s (malloc_trim): an idle VM's RSS
   settles at about 101 MB instead of 108 (scripts/bench-startup and /proc/PID/status, same machine). */
"-XX:TrimNativeHeapInterval=3000",
/* The AOT cache mapped where it was made to be: its pages stay clean and shared between VMs (relocated, about
   8 MB of them became private to each QEMU). */
"-XX:+UnlockDiagnosticVMOptions",
"-XX:ArchiveRelocationMode=0",
/* How the AOT cache's training data is used (JDK 25): a method that reached C2 in training, with the classes its
   code assumed initialized, compiles at C2 on its first notice instead of first at C1 tier 2; and tier-2 code
   notices the policy every 128 calls instead of every 2048, so one called 100 times a second (sound, the network
   path under it) reaches C2 in seconds, not in minutes. Audio harness, 8-16 s: 112 methods at C2 -> 191-198. */
"-XX:+SkipTier2IfPossible",
"-XX:Tier2InvokeNotifyFreqLog=7",
/* Left at their defaults, measured: Tier0ProfileDelayFactor and Tier2ProfileDelayFactor (100 and 250: a method
   that ran in training without reaching C2 waits that many times the usual counts). At 1, such methods on the
   sound path went to C1 tier 3 and stayed there for 25 s (C2 needs 5000 calls at 100 a second); audio harness CPU
   per second, four interleaved rounds, both trees otherwise alike: 25.9 ms with both factors at 1 against 23.3
   (reference 15.2). */
/* SLF4J binds slf4j-simple by name instead of searching every jar for providers (ServiceLoader): 5 ms of a
   cold JVM's start-up (bench: first class of ours to the export dispatch, 8 QEMU starts each, 23.8 -> 18.2 ms). */
"-Dslf4j.provider=org.slf4j.simple.SimpleServiceProvider",
"-Dslf4j.internal.verbosity=WARN",      /* without it, SLF4J says at every start that it did so */
"-Xlog:disable",                        /* the JVM's own warnings go to stderr, never into QEMU's stdio */
"-Xlog:all=warning:stderr",
