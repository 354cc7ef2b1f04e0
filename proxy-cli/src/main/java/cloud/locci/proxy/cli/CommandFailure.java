package cloud.locci.proxy.cli;

/** A command failed in a way the user can act on: print {@link #getMessage()} and exit with {@link #exitCode()}. */
final class CommandFailure extends RuntimeException {

  private final int exitCode;

  CommandFailure(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
