package cloud.locci.proxy.core.mirror;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * What mirroring keeps for the whole process, across config versions (SPEC §11): the outcome counts per
 * route ({@code locci_mirror_requests_total}), the sampling position per route, the limits on copies in
 * flight and on the bytes buffered for them, and the HTTP clients that send the copies (one per event
 * loop, kept for the process's life: a reload keeps their pooled connections).
 *
 * <p>Thread-safe: every proxy instance uses the same object, found in Vert.x's local shared map.
 */
public final class Mirrors implements Shareable {

  /** Copies in flight at once, process-wide; a copy beyond it is {@code skipped}. */
  public static final int MAX_IN_FLIGHT = 64;
  /** The largest request body copied (1 MiB); a larger one is not mirrored ({@code skipped}). */
  public static final int MAX_BODY = 1024 * 1024;
  /** Request body bytes held for copies at once, process-wide; a copy that would go beyond is {@code skipped}. */
  public static final long MAX_BUFFERED = 16L * 1024 * 1024;

  private static final String MAP = "locci.shared";
  private static final String KEY = "mirrors";

  /** The outcome counters of one route. */
  public static final class Counts {
    final LongAdder sent = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder skipped = new LongAdder();

    /** Copies the mirror upstream answered (whatever the status). */
    public long sent() {
      return sent.sum();
    }

    /** Copies that found no healthy server, could not connect, were cut or timed out. */
    public long failed() {
      return failed.sum();
    }

    /** Copies not made: body over 1 MiB, too many copies in flight or buffered, client request incomplete. */
    public long skipped() {
      return skipped.sum();
    }
  }

  private final Map<String, Counts> counts = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> positions = new ConcurrentHashMap<>();
  private final Map<Thread, HttpClientAgent> clients = new ConcurrentHashMap<>();
  /** The HTTP/2 clients, for mirror upstreams with {@code protocol: h2c | h2}. */
  private final Map<Thread, HttpClientAgent> http2Clients = new ConcurrentHashMap<>();
  private final Map<String, io.vertx.core.net.ClientSSLOptions> tls = new ConcurrentHashMap<>();
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicLong buffered = new AtomicLong();

  private Mirrors() {}

  /** The state of {@code vertx}'s process, created on first use. */
  public static Mirrors of(Vertx vertx) {
    LocalMap<String, Mirrors> map = vertx.sharedData().getLocalMap(MAP);
    Mirrors fresh = new Mirrors();
    Mirrors existing = map.putIfAbsent(KEY, fresh);
    return existing == null ? fresh : existing;
  }

  /** The counters of {@code route}, created on first use (at zero). */
  public Counts counts(String route) {
    return counts.computeIfAbsent(route, k -> new Counts());
  }

  /** Copies in flight now. */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * Whether the next forwarded request of {@code route} is copied: request n (counted per route name,
   * process-wide, across reloads) is when {@code floor((n+1)p/100) > floor(np/100)}, so any 100
   * consecutive requests give exactly {@code percent} copies, spread evenly.
   */
  boolean sample(String route, int percent) {
    if (percent >= 100) {
      return true;
    }
    if (percent <= 0) {
      return false;
    }
    long n = positions.computeIfAbsent(route, k -> new AtomicLong()).getAndIncrement();
    return (n + 1) * percent / 100 > n * percent / 100;
  }

  /**
   * The TLS options for upstreams verified as {@code key} says, one instance per key for the process's
   * life: the client pools connections per options, and trust options are compared by identity.
   */
  io.vertx.core.net.ClientSSLOptions tls(String key, Supplier<io.vertx.core.net.ClientSSLOptions> create) {
    return tls.computeIfAbsent(key, k -> create.get());
  }

  /**
   * The client of the calling event loop's thread for HTTP/1.1 or HTTP/2 upstreams, made by
   * {@code create} on first use.
   */
  HttpClientAgent client(boolean http2, Supplier<HttpClientAgent> create) {
    return (http2 ? http2Clients : clients).computeIfAbsent(Thread.currentThread(), t -> create.get());
  }
}
