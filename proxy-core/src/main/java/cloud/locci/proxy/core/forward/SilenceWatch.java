package cloud.locci.proxy.core.forward;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

/**
 * The route timeout ({@code timeout_secs}) as nginx's {@code proxy_read_timeout}: the longest silence
 * of one upstream exchange, from the request sent to the last byte of the response, body included.
 *
 * <p>One list of exchanges per event loop and one check every {@link #TICK_MS} ms, instead of a timer
 * scheduled and cancelled per request: Vert.x's request idle timeout did that (6-7% of the proxy's CPU
 * samples with small bodies) and stopped watching at the response head, so an upstream falling silent
 * mid-body held the client forever. A timeout therefore fires up to {@link #TICK_MS} ms late.
 *
 * <p>Silence is blamed on the side that owes bytes. While the proxy waits for the client's request body
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
    private boolean waitingForClient;
    private boolean bodyPending;
    private boolean upstreamFull;
    private long clientNanos;
    private long bodyLimitNanos;
    private long sendLimitNanos;

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

    /** The request body is being read from the client (true) or is complete (false). */
    final void bodyPending(boolean pending) {
      bodyPending = pending;
      clientNanos = System.nanoTime();
      lastNanos = clientNanos;
    }

    /** A request body byte arrived from the client. */
    final void clientMoved() {
      clientNanos = System.nanoTime();
    }

    /** The upstream's write queue is full (true): the body waits for the upstream, not the client. */
    final void upstreamFull(boolean full) {
      upstreamFull = full;
      clientNanos = System.nanoTime();
      lastNanos = clientNanos;
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
    w.waitingForClient = false;
    w.bodyPending = false;
    w.upstreamFull = false;
  }

  /** Times out every exchange silent for its whole limit (the periodic tick). */
  void check() {
    long now = System.nanoTime();
    Watched w = list.next;
    while (w != list) {
      Watched next = w.next;
      if (w.bodyPending && !w.upstreamFull) {
        // The upstream waits for the request body, which the client owes: not the upstream's silence.
        w.lastNanos = now;
        if (w.bodyLimitNanos > 0 && now - w.clientNanos >= w.bodyLimitNanos) {
          unwatch(w);
          w.clientSilent(true, w.bodyLimitNanos / 1_000_000L);
        }
      } else if (w.waitingForClient) {
        // The upstream is paused because the client reads slowly: not the upstream's silence.
        w.lastNanos = now;
        if (w.sendLimitNanos > 0 && now - w.clientNanos >= w.sendLimitNanos) {
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

  /**
   * {@code destination}, touching {@code w} at every write. When {@code toClient}, the time the
   * destination's write queue is full does not count as silence (the pipe has paused the upstream).
   */
  static WriteStream<Buffer> touching(WriteStream<Buffer> destination, Watched w, boolean toClient) {
    return new WriteStream<>() {
      @Override
      public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
        destination.exceptionHandler(handler);
        return this;
      }

      @Override
      public Future<Void> write(Buffer data) {
        w.touch();
        return destination.write(data);
      }

      @Override
      public Future<Void> end() {
        w.touch();
        return destination.end();
      }

      @Override
      public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
        destination.setWriteQueueMaxSize(maxSize);
        return this;
      }

      @Override
      public boolean writeQueueFull() {
        boolean full = destination.writeQueueFull();
        if (full && toClient && !w.waitingForClient) {
          w.waitingForClient = true;
          w.clientNanos = System.nanoTime();
        }
        return full;
      }

      @Override
      public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
        destination.drainHandler(handler == null ? null : v -> {
          w.waitingForClient = false;
          w.clientNanos = System.nanoTime();
          w.touch();
          handler.handle(v);
        });
        return this;
      }
    };
  }
}
