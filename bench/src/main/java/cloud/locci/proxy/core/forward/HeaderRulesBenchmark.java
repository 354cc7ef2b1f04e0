package cloud.locci.proxy.core.forward;

import io.vertx.core.MultiMap;
import io.vertx.core.http.impl.headers.Http1xHeaders;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of the header rules for one request and one response of browser-like size (12 request headers,
 * 8 response headers), into Vert.x's own header maps as the forwarder uses them.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HeaderRulesBenchmark {

  MultiMap request;
  MultiMap response;

  @Setup
  public void setUp() {
    request = Http1xHeaders.httpHeaders()
        .add("Host", "shop.example.com")
        .add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36")
        .add("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        .add("Accept-Language", "en-US,en;q=0.5")
        .add("Accept-Encoding", "gzip, deflate, br")
        .add("Connection", "keep-alive")
        .add("Cookie", "session=0123456789abcdef; theme=dark")
        .add("Upgrade-Insecure-Requests", "1")
        .add("Sec-Fetch-Dest", "document")
        .add("Sec-Fetch-Mode", "navigate")
        .add("X-Forwarded-For", "198.51.100.7")
        .add("Cache-Control", "max-age=0");
    response = Http1xHeaders.httpHeaders()
        .add("Content-Type", "text/html; charset=utf-8")
        .add("Content-Length", "1234")
        .add("Date", "Fri, 27 Nov 2026 15:00:00 GMT")
        .add("Server", "nginx")
        .add("Connection", "keep-alive")
        .add("Keep-Alive", "timeout=5")
        .add("Cache-Control", "no-cache")
        .add("Set-Cookie", "a=b; Path=/; HttpOnly");
  }

  @Benchmark
  public MultiMap requestHeaders() {
    MultiMap out = Http1xHeaders.httpHeaders();
    HeaderRules.copyRequestHeaders(request, out, false);
    HeaderRules.setForwarded(request, out, "203.0.113.9", "https", "shop.example.com", "443");
    return out;
  }

  @Benchmark
  public MultiMap responseHeaders() {
    MultiMap out = Http1xHeaders.httpHeaders();
    HeaderRules.copyResponseHeaders(response, out, false);
    return out;
  }
}
