package cloud.locci.proxy.core.request;

import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.http.impl.headers.Http1xHeaders;
import java.util.Iterator;
import java.util.Map;
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
 * One pass of the strict-request check over 12 browser request headers, stored as Netty's HTTP/1.1
 * decoder stores them (names {@code AsciiString}, values {@code String}): through Vert.x's {@code MultiMap}
 * iterator (an entry wrapper and a new name {@code String} per header, as before) and through {@link
 * HeaderEntries} (the stored entries). Run with {@code -prof gc} for the bytes allocated per pass.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HeaderScanBenchmark {

  MultiMap headers;

  @Setup
  public void setUp() {
    Http1xHeaders h = Http1xHeaders.httpHeaders();
    String[][] browser = {
        {"Host", "shop.example.com"},
        {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36"},
        {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
        {"Accept-Language", "en-US,en;q=0.5"},
        {"Accept-Encoding", "gzip, deflate, br"},
        {"Connection", "keep-alive"},
        {"Cookie", "session=0123456789abcdef; theme=dark"},
        {"Upgrade-Insecure-Requests", "1"},
        {"Sec-Fetch-Dest", "document"},
        {"Sec-Fetch-Mode", "navigate"},
        {"Referer", "https://shop.example.com/"},
        {"Cache-Control", "max-age=0"}};
    for (String[] kv : browser) {
      h.add(new AsciiString(kv[0]), kv[1]);
    }
    headers = h;
  }

  @Benchmark
  public int stringEntries() {
    int hosts = 0;
    for (Map.Entry<String, String> e : headers) {
      String name = e.getKey();
      if (!StrictRequest.isToken(name) || hasControl(e.getValue())) {
        return -1;
      }
      if (name.equalsIgnoreCase("host")) {
        hosts++;
      }
    }
    return hosts;
  }

  @Benchmark
  public int storedEntries() {
    int hosts = 0;
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = HeaderEntries.of(headers); it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      CharSequence name = e.getKey();
      if (!StrictRequest.isToken(name) || hasControl(e.getValue())) {
        return -1;
      }
      if (HeaderEntries.nameIs(name, "host")) {
        hosts++;
      }
    }
    return hosts;
  }

  private static boolean hasControl(CharSequence v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < ' ' && c != '\t' || c == 0x7f) {
        return true;
      }
    }
    return false;
  }
}
