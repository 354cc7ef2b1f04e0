package cloud.locci.proxy.cli;

/**
 * What {@code java -jar locci-proxy.jar} picks for the JVM when the user gave no setting of their own:
 * only what a Java application can do from inside (system properties set before the library that reads
 * them loads, manageable HotSpot flags, GC requests); never a re-exec with other flags. README
 * "Performance: memory without flags" has the measurements.
 *
 * <p>Here: Netty's pooled allocator instead of Netty 4.2's adaptive one, unless {@code
 * io.netty.allocator.type} was given ({@code -D...}). It must be set before any Netty class that reads it
 * loads, hence first thing in {@link Main#main}. The heap side is {@link HeapGovernor}.
 */
final class JvmDefaults {

  static final String NETTY_ALLOCATOR = "io.netty.allocator.type";

  private JvmDefaults() {
  }

  /** Sets the system properties the user left unset; call before anything touches Netty or Vert.x. */
  static void beforeNetty() {
    // 64 KiB answers were 13% faster and cost 12 instead of 14 us of CPU with the pooled allocator
    // (bench/README.md "JVM flags"; the adaptive one spent 13% of its samples freeing direct chunks).
    if (System.getProperty(NETTY_ALLOCATOR) == null) {
      System.setProperty(NETTY_ALLOCATOR, "pooled");
    }
  }
}
