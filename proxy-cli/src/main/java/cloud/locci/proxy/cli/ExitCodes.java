package cloud.locci.proxy.cli;

/** Process exit codes (SPEC §2). */
public final class ExitCodes {

  private ExitCodes() {}

  /** Success, including a graceful stop on SIGTERM/SIGINT. */
  public static final int OK = 0;

  /** Runtime failure: port in use, control API unreachable, no route for {@code explain}. */
  public static final int RUNTIME = 1;

  /** Usage or configuration error: bad flags, invalid or missing config file. */
  public static final int USAGE = 2;
}
