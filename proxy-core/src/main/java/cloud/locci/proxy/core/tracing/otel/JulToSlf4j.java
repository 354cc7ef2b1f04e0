package cloud.locci.proxy.core.tracing.otel;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenTelemetry SDK logs through {@code java.util.logging}, which would print to stderr in its own
 * format; this sends the {@code io.opentelemetry} loggers to SLF4J instead, so export failures appear
 * in the proxy's log, in its format (text or JSON), at their level.
 */
final class JulToSlf4j extends Handler {

  private static final String ROOT = "io.opentelemetry";
  // Kept strongly: java.util.logging holds its loggers weakly, and a collected logger loses its handler.
  private static final java.util.logging.Logger OTEL = java.util.logging.Logger.getLogger(ROOT);

  private JulToSlf4j() {}

  static synchronized void install() {
    for (Handler h : OTEL.getHandlers()) {
      if (h instanceof JulToSlf4j) {
        return;
      }
    }
    OTEL.setUseParentHandlers(false);
    OTEL.setLevel(Level.INFO);
    OTEL.addHandler(new JulToSlf4j());
  }

  @Override
  public void publish(LogRecord record) {
    Logger log = LoggerFactory.getLogger(record.getLoggerName() == null ? ROOT : record.getLoggerName());
    String message = record.getMessage();
    Object[] params = record.getParameters();
    if (message != null && params != null && params.length > 0) {
      message = java.text.MessageFormat.format(message, params);
    }
    Throwable thrown = record.getThrown();
    int level = record.getLevel().intValue();
    if (level >= Level.SEVERE.intValue()) {
      log.error(message, thrown);
    } else if (level >= Level.WARNING.intValue()) {
      log.warn(message, thrown);
    } else if (level >= Level.INFO.intValue()) {
      log.info(message, thrown);
    } else {
      log.debug(message, thrown);
    }
  }

  @Override
  public void flush() {
  }

  @Override
  public void close() {
  }
}
