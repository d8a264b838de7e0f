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
/* Tiered C1+C2 with the fewest compiler threads: the image encoders ran about 5x slower under C1 alone
   (ImageCodecBenchmark); C2 costs about 20 MB of RSS in QEMU (measured 107-109 MB with C1 only, 126-132 MB
   with C2, -vga std with one client). */
"-XX:CICompilerCount=2",
"-XX:ReservedCodeCacheSize=32m",
"-Xss512k",
/* The AOT cache mapped where it was made to be: its pages stay clean and shared between VMs (relocated, about
   8 MB of them became private to each QEMU). */
"-XX:+UnlockDiagnosticVMOptions",
"-XX:ArchiveRelocationMode=0",
"-Xlog:disable",                        /* the JVM's own warnings go to stderr, never into QEMU's stdio */
"-Xlog:all=warning:stderr",
