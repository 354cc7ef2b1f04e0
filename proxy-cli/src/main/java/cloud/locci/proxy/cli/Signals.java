package cloud.locci.proxy.cli;

import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The process's signals. SIGTERM and SIGINT stop gracefully and exit 0 (the JVM's own handling would
 * exit 143). Installed before anything starts, so a stop signal that arrives during start-up is not
 * lost: the stop then runs as soon as the launcher exists. SIGHUP reloads the config file once the
 * proxy runs; one that arrives before is logged and ignored (the file is being read anyway).
 */
final class Signals {

  private static final Logger log = LoggerFactory.getLogger(Signals.class);
  private static final Runnable REQUESTED = () -> { };

  private final AtomicReference<Runnable> stop = new AtomicReference<>();
  private final AtomicReference<Runnable> reload = new AtomicReference<>();

  private Signals() {}

  /** Installs the handlers of SIGTERM, SIGINT and SIGHUP. */
  static Signals install() {
    Signals s = new Signals();
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(new Signal(name), sig -> {
          log.info("SIG{} received", name);
          s.requestStop();
        });
      } catch (IllegalArgumentException unsupported) {
        // Not a POSIX platform: fall back to a shutdown hook (the exit code is then the JVM's).
        Runtime.getRuntime().addShutdownHook(new Thread(s::requestStop, "locci-stop"));
        break;
      }
    }
    try {
      Signal.handle(new Signal("HUP"), sig -> {
        Runnable action = s.reload.get();
        if (action == null) {
          log.info("SIGHUP received during start-up: ignored");
        } else {
          log.info("SIGHUP received: reloading the config file");
          action.run();
        }
      });
    } catch (IllegalArgumentException unsupported) {
      // No SIGHUP on this platform: reload through POST /api/v1/reload.
    }
    return s;
  }

  /** What SIGHUP does from now on. */
  void onReload(Runnable action) {
    reload.set(action);
  }

  private void requestStop() {
    Runnable action = stop.getAndSet(REQUESTED);
    if (action != null && action != REQUESTED) {
      action.run();
    }
  }

  /** What a stop signal does from now on; runs it at once if a signal already came. */
  void onStop(Runnable action) {
    Runnable previous = stop.getAndSet(action);
    if (previous == REQUESTED) {
      stop.set(REQUESTED);
      action.run();
    }
  }
}
