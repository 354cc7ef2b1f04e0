package cloud.locci.proxy.core.config;

/**
 * The {@code logging} section.
 *
 * @param level a single level ({@code info}) or per-logger spec ({@code cloud.locci=debug,io.netty=warn})
 * @param format {@code text} (default) or {@code json} lines
 * @param accessLog one line per request (default true)
 */
public record LoggingConfig(String level, LogFormat format, boolean accessLog) {

  public static final String DEFAULT_LEVEL = "info";

  public static LoggingConfig defaults() {
    return new LoggingConfig(DEFAULT_LEVEL, LogFormat.TEXT, true);
  }

  public LoggingConfig withLevel(String newLevel) {
    return new LoggingConfig(newLevel, format, accessLog);
  }

  /** Output format of application and access logs. */
  public enum LogFormat {
    TEXT, JSON
  }
}
