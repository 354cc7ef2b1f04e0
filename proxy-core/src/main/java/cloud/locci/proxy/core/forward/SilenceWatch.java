package cloud.locci.proxy.core.forward;

/**
 * The route timeout ({@code timeout_secs}) as nginx's {@code proxy_read_timeout}: the longest silence
 * of one upstream exchange, from the request sent to the last byte of the response, body included.
 *
 * <p>One list of exchanges per event loop and one check every {@link #TICK_MS} ms, instead of a timer
 * scheduled and cancelled per request: Vert.x's request idle timeout did that (6-7% of the proxy's CPU
 * samples with small bodies) and stopped watching at the response head, so an upstream falling silent
 * mid-body held the client forever. A timeout therefore fires up to {@link #TICK_MS} ms late.
 *
 * <p>Silence is blamed on the side that owes bytes, as the exchange's {@link BodyRelay}s report it. While the proxy waits for the client's request body
 * (and the upstream is not pushing back), the upstream's clock stands still and the client's runs
 * against {@code server.body_timeout_secs}; while the client does not read the response (its write queue
 * is full), the client's clock runs against {@code server.idle_timeout_secs} (nginx's
 * {@code send_timeout}). Only the upstream's own silence is a 504 that counts against a server.
 *
 * <p>Not thread-safe: everything runs on the event loop of the proxy instance that owns it.
 */
final class SilenceWatch {

  static final long TICK_MS = 250;

  /** An exchange the watch can time out. The list is intrusive: watching allocates nothing. */
  abstract static class Watched {
    private Watched prev;
    private Watched next;
    private long lastNanos;
    private long limitNanos;
    private long bodyLimitNanos;
    private long sendLimitNanos;
    /** The client's request body, while it is relayed upstream; null when none. */
    private BodyRelay requestBody;
    /** The upstream's response body, while it is relayed to the client; null when none. */
    private BodyRelay responseBody;

    /** Called once, on the event loop, when the upstream was silent for its whole limit. */
    abstract void silent(long limitMillis);

    /**
     * Called once, on the event loop, when the client owed bytes for its whole limit.
     *
     * @param body true: it sent no request body byte; false: it accepted no response byte
     */
    abstract void clientSilent(boolean body, long limitMillis);

    /** The client's limits: between two request body bytes, and between two accepted response writes. */
    final void clientLimits(long bodyMillis, long sendMillis) {
      bodyLimitNanos = bodyMillis * 1_000_000L;
      sendLimitNanos = sendMillis * 1_000_000L;
    }

    /** The relays whose {@link BodyRelay#owes()} says whom a silence is blamed on; null for none. */
    final void relays(BodyRelay request, BodyRelay response) {
      requestBody = request;
      responseBody = response;
    }

    /** Something moved: the silence starts again from now. */
    final void touch() {
      lastNanos = System.nanoTime();
    }

    final boolean watched() {
      return next != null;
    }
  }

  private final Watched list = new Watched() {
    @Override
    void silent(long limitMillis) {
      throw new AssertionError("the list head is never watched");
    }

    @Override
    void clientSilent(boolean body, long limitMillis) {
      throw new AssertionError("the list head is never watched");
    }
  };

  SilenceWatch() {
    list.prev = list;
    list.next = list;
  }

  /** Starts watching {@code w} (idempotent) with a limit of {@code limitMillis}; 0 or less: no limit. */
  void watch(Watched w, long limitMillis) {
    if (limitMillis <= 0 || w.watched()) {
      return;
    }
    w.limitNanos = limitMillis * 1_000_000L;
    w.touch();
    w.prev = list.prev;
    w.next = list;
    list.prev.next = w;
    list.prev = w;
  }

  /** Stops watching {@code w}; nothing if it is not watched. */
  void unwatch(Watched w) {
    if (!w.watched()) {
      return;
    }
    w.prev.next = w.next;
    w.next.prev = w.prev;
    w.prev = null;
    w.next = null;
  }

  /** Times out every exchange silent for its whole limit (the periodic tick). */
  void check() {
    long now = System.nanoTime();
    Watched w = list.next;
    while (w != list) {
      Watched next = w.next;
      BodyRelay in = w.requestBody;
      BodyRelay out = w.responseBody;
      if (in != null && in.owes() == BodyRelay.Owes.SOURCE) {
        // The upstream waits for the request body, which the client owes: not the upstream's silence.
        w.lastNanos = now;
        if (w.bodyLimitNanos > 0 && now - in.sinceNanos() >= w.bodyLimitNanos) {
          unwatch(w);
          w.clientSilent(true, w.bodyLimitNanos / 1_000_000L);
        }
      } else if (out != null && out.owes() == BodyRelay.Owes.SINK) {
        // The upstream is paused because the client reads slowly: not the upstream's silence.
        w.lastNanos = now;
        if (w.sendLimitNanos > 0 && now - out.sinceNanos() >= w.sendLimitNanos) {
          unwatch(w);
          w.clientSilent(false, w.sendLimitNanos / 1_000_000L);
        }
      } else if (now - w.lastNanos >= w.limitNanos) {
        unwatch(w);
        w.silent(w.limitNanos / 1_000_000L);
      }
      w = next;
    }
  }
}
