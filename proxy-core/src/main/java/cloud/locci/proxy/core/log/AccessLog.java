package cloud.locci.proxy.core.log;

import cloud.locci.proxy.core.forward.Exchange;
import cloud.locci.proxy.core.forward.ExchangeListener;
import cloud.locci.proxy.core.forward.Reason;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One line per finished request on the logger {@value #LOGGER}, close to nginx's {@code combined}
 * format plus what a proxy adds:
 *
 * <pre>
 * 203.0.113.9 - - [27/Nov/2026:15:04:05 +0000] "GET /api/users?x=1 HTTP/1.1" 200 1234 "-" "curl/8.5.0" route=users upstream=users_service server=10.0.0.1:3001 client_protocol=http1 upstream_protocol=http1 upstream_time=0.003 request_time=0.004 request_id=3f2a... reason=- attempts=1
 * </pre>
 *
 * The same values travel as key-value pairs on the log event ({@code client}, {@code method},
 * {@code path}, {@code status}, {@code bytes}, {@code route}, {@code upstream}, {@code server},
 * {@code client_protocol}, {@code upstream_protocol} ({@code http1}, {@code h2}, {@code h2c}; the upstream's
 * empty when the request never reached one), {@code upstream_ms}, {@code duration_ms}, {@code reason}, {@code attempts}: upstream attempts made,
 * more than one after a connect failover or a retry), which the JSON log format turns into fields.
 * {@code request_id} (SPEC §11, the id sent upstream and back in {@code X-Request-Id}) stands after
 * {@code request_time} in the line.
 * With tracing on, both end with {@code trace_id} (32 hex digits, also when the trace is not sampled).
 * Values the client chose (method, target, Referer, User-Agent) are escaped as nginx does
 * ({@link LogEscape}): one request is always one line, whatever it sent. Runs on the request's event loop: it only builds the line; writing is the logging backend's job
 * (an asynchronous appender, so the event loop never waits for the console or a disk).
 */
public final class AccessLog implements ExchangeListener {

  /** The logger name of access lines; its level and appenders are set apart from application logs. */
  public static final String LOGGER = "locci.access";

  private static final Logger log = LoggerFactory.getLogger(LOGGER);
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneId.systemDefault());
  /** Formatting a date per request is costly and the text changes once a second: one cache per thread. */
  private static final ThreadLocal<CachedTime> CLOCK = ThreadLocal.withInitial(CachedTime::new);

  @Override
  public void onComplete(Exchange exchange) {
    if (!log.isInfoEnabled()) {
      return;
    }
    HttpServerRequest request = exchange.request();
    HttpServerResponse response = request.response();
    int status = response.headWritten() ? response.getStatusCode() : 499;
    long bytes = response.bytesWritten();
    double total = (System.nanoTime() - exchange.startNanos()) / 1e9;
    double upstreamTime = exchange.upstreamNanos() < 0 ? -1 : exchange.upstreamNanos() / 1e9;
    String client = host(request.remoteAddress());
    String server = exchange.backend() == null ? "-" : exchange.backend().address().toString();
    String reason = exchange.reason() == null ? "-" : exchange.reason().word();
    String uri = request.uri();

    StringBuilder line = new StringBuilder(256)
        .append(client).append(" - - [").append(CLOCK.get().now()).append("] \"");
    LogEscape.append(line, request.method().name()).append(' ');
    LogEscape.append(line, uri).append(' ').append(version(request.version()))
        .append("\" ").append(status).append(' ').append(bytes).append(" \"");
    LogEscape.append(line, orDash(request.getHeader("Referer"))).append("\" \"");
    LogEscape.append(line, orDash(request.getHeader("User-Agent"))).append('"')
        .append(" route=").append(orDash(exchange.route()))
        .append(" upstream=").append(orDash(exchange.upstream()))
        .append(" server=").append(server)
        .append(" client_protocol=").append(exchange.clientProtocol())
        .append(" upstream_protocol=").append(orDash(exchange.upstreamProtocol()))
        .append(" upstream_time=").append(upstreamTime < 0 ? "-" : seconds(upstreamTime))
        .append(" request_time=").append(seconds(total));
    String requestId = exchange.requestId();
    if (requestId != null) {
      LogEscape.append(line.append(" request_id="), requestId);
    }
    line.append(" reason=").append(reason)
        .append(" attempts=").append(exchange.attempts());
    String traceId = exchange.trace().traceId();
    if (traceId != null) {
      line.append(" trace_id=").append(traceId);
    }

    LoggingEventBuilder event = log.atInfo()
        .addKeyValue("client", client)
        .addKeyValue("method", request.method().name())
        .addKeyValue("path", request.path())
        .addKeyValue("status", status)
        .addKeyValue("bytes", bytes)
        .addKeyValue("route", exchange.route())
        .addKeyValue("upstream", exchange.upstream())
        .addKeyValue("server", exchange.backend() == null ? "" : server)
        .addKeyValue("client_protocol", exchange.clientProtocol())
        .addKeyValue("upstream_protocol", exchange.upstreamProtocol())
        .addKeyValue("upstream_ms", upstreamTime < 0 ? null : Math.round(upstreamTime * 1e6) / 1e3)
        .addKeyValue("duration_ms", Math.round(total * 1e6) / 1e3)
        .addKeyValue("reason", exchange.reason() == null ? "" : reason)
        .addKeyValue("attempts", exchange.attempts());
    if (requestId != null) {
      event = event.addKeyValue("request_id", requestId);
    }
    if (traceId != null) {
      event = event.addKeyValue("trace_id", traceId);
    }
    event.log(line.toString());
  }

  /** A connection refused before any request reached the proxy: one line with the reason. */
  @Override
  public void onRefused(Reason reason, SocketAddress client) {
    if (!log.isInfoEnabled()) {
      return;
    }
    String c = host(client);
    log.atInfo()
        .addKeyValue("client", c)
        .addKeyValue("status", reason.status())
        .addKeyValue("reason", reason.word())
        .log(c + " - - [" + CLOCK.get().now() + "] \"-\" " + reason.status() + " 0 \"-\" \"-\" route=- upstream=-"
            + " server=- client_protocol=- upstream_protocol=- upstream_time=- request_time=- reason=" + reason.word() + " attempts=0");
  }

  private static String host(SocketAddress a) {
    return a == null ? "-" : a.hostAddress();
  }

  private static String orDash(String s) {
    return s == null || s.isEmpty() ? "-" : s;
  }

  private static String version(HttpVersion v) {
    return switch (v) {
      case HTTP_1_0 -> "HTTP/1.0";
      case HTTP_1_1 -> "HTTP/1.1";
      case HTTP_2 -> "HTTP/2.0";
      default -> v.name();
    };
  }

  /** Seconds with millisecond precision, as nginx prints $request_time. */
  private static String seconds(double s) {
    long millis = Math.round(s * 1000);
    StringBuilder b = new StringBuilder().append(millis / 1000).append('.');
    long frac = millis % 1000;
    if (frac < 100) {
      b.append('0');
    }
    if (frac < 10) {
      b.append('0');
    }
    return b.append(frac).toString();
  }

  private static final class CachedTime {
    private long second = -1;
    private String text;

    String now() {
      long ms = System.currentTimeMillis();
      long s = ms / 1000;
      if (s != second) {
        second = s;
        text = TIME.format(Instant.ofEpochSecond(s));
      }
      return text;
    }
  }
}
