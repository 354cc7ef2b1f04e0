package cloud.locci.proxy.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import cloud.locci.proxy.core.config.LogLevelSpec;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies a log level spec to logback: the root level and any per-logger levels. */
final class LogSetup {

  private static final Logger log = LoggerFactory.getLogger(LogSetup.class);

  private LogSetup() {}

  /**
   * Applies {@code spec}; unknown levels were already refused by validation. Rust crate names that have
   * no Java counterpart get one warning.
   */
  static void apply(String spec) {
    LogLevelSpec parsed = LogLevelSpec.parse(spec);
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    parsed.root().ifPresent(level -> context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level)));
    for (Map.Entry<String, String> e : parsed.loggers().entrySet()) {
      context.getLogger(e.getKey()).setLevel(Level.toLevel(e.getValue()));
    }
    if (!parsed.ignored().isEmpty()) {
      log.warn("log level spec \"{}\": ignoring {} (Rust crate names of the original proxy; use Java logger"
          + " names such as cloud.locci or io.netty)", spec, String.join(", ", parsed.ignored()));
    }
  }
}
