package cloud.locci.proxy.cli;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import cloud.locci.proxy.core.config.LoggingConfig;
import cloud.locci.proxy.core.log.AccessLog;
import cloud.locci.proxy.core.config.LogLevelSpec;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Configures logback from the configuration: levels (a spec per logger), the output format of
 * application and access lines (text or JSON lines on stdout), and the access log itself, which goes
 * through an asynchronous appender so that no event loop ever waits for the console.
 */
final class LogSetup {

  private static final Logger log = LoggerFactory.getLogger(LogSetup.class);

  /** Pattern of application lines in text format. */
  static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0} - %msg%n";
  /** Access lines are complete in themselves (they carry their own time, as nginx's do). */
  static final String ACCESS_PATTERN = "%msg%n";
  /** Access lines waiting for the console; when it is full, lines are dropped rather than block a request. */
  static final int ACCESS_QUEUE = 8192;

  private LogSetup() {}

  /**
   * Sets the output of application and access lines for {@code format}, and turns the access log on
   * or off. Call once at start, after the configuration is loaded; levels are set by {@link #apply}.
   */
  static void configure(LoggingConfig.LogFormat format, boolean accessLog) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    boolean json = format == LoggingConfig.LogFormat.JSON;
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    ConsoleAppender<ILoggingEvent> stdout = console(context, "STDOUT", json ? jsonEncoder(context)
        : pattern(context, TEXT_PATTERN));
    root.detachAndStopAllAppenders();
    root.addAppender(stdout);

    ch.qos.logback.classic.Logger access = context.getLogger(AccessLog.LOGGER);
    access.detachAndStopAllAppenders();
    access.setAdditive(false);
    if (!accessLog) {
      access.setLevel(Level.OFF);
      return;
    }
    access.setLevel(Level.INFO);
    ConsoleAppender<ILoggingEvent> accessOut = console(context, "ACCESS_STDOUT", json ? jsonEncoder(context)
        : pattern(context, ACCESS_PATTERN));
    AsyncAppender async = new AsyncAppender();
    async.setContext(context);
    async.setName("ACCESS");
    async.setQueueSize(ACCESS_QUEUE);
    async.setDiscardingThreshold(0);
    async.setNeverBlock(true);
    async.setIncludeCallerData(false);
    async.addAppender(accessOut);
    async.start();
    access.addAppender(async);
  }

  private static ConsoleAppender<ILoggingEvent> console(LoggerContext context, String name, Encoder<ILoggingEvent> enc) {
    ConsoleAppender<ILoggingEvent> a = new ConsoleAppender<>();
    a.setContext(context);
    a.setName(name);
    a.setEncoder(enc);
    a.start();
    return a;
  }

  private static Encoder<ILoggingEvent> pattern(LoggerContext context, String pattern) {
    PatternLayoutEncoder e = new PatternLayoutEncoder();
    e.setContext(context);
    e.setPattern(pattern);
    e.start();
    return e;
  }

  private static Encoder<ILoggingEvent> jsonEncoder(LoggerContext context) {
    JsonLinesEncoder e = new JsonLinesEncoder();
    e.setContext(context);
    e.start();
    return e;
  }

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
