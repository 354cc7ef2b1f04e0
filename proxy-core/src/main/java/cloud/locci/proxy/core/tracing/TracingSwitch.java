package cloud.locci.proxy.core.tracing;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The process's current {@link ExchangeTracer}, shared by every proxy instance: each request reads it
 * once (one volatile read) when it arrives and keeps the tracer it got for its whole life. Replaced only
 * by {@link TracingVerticle} when {@code tracing} changes. Also the process-wide count of dropped spans
 * ({@code locci_tracing_spans_dropped_total}), which survives tracer replacements.
 */
public final class TracingSwitch implements Shareable {

  private static final String MAP = "locci.shared";
  private static final String KEY = "tracing-switch";

  private volatile ExchangeTracer current = ExchangeTracer.NONE;
  /** Replaced tracers not closed yet: their drops still count. */
  private final Set<ExchangeTracer> retiring = ConcurrentHashMap.newKeySet();
  /** Drops of the tracers already closed. */
  private final AtomicLong droppedByClosed = new AtomicLong();

  private TracingSwitch() {}

  /** The switch of {@code vertx}'s process, created on first use (tracing off). */
  public static TracingSwitch of(Vertx vertx) {
    LocalMap<String, TracingSwitch> map = vertx.sharedData().getLocalMap(MAP);
    TracingSwitch fresh = new TracingSwitch();
    TracingSwitch existing = map.putIfAbsent(KEY, fresh);
    return existing == null ? fresh : existing;
  }

  /** The tracer new requests use; {@link ExchangeTracer#NONE} while tracing is off. */
  public ExchangeTracer current() {
    return current;
  }

  /** Spans dropped since the process started, by every tracer it had. */
  public long droppedSpans() {
    long n = droppedByClosed.get() + current.droppedSpans();
    for (ExchangeTracer t : retiring) {
      n += t.droppedSpans();
    }
    return n;
  }

  /** Makes {@code next} current; returns the tracer it replaced, now retiring until {@link #closed}. */
  ExchangeTracer replace(ExchangeTracer next) {
    ExchangeTracer previous = current;
    if (previous != ExchangeTracer.NONE) {
      retiring.add(previous);
    }
    current = next;
    return previous;
  }

  /** The replaced tracers not closed yet. */
  Set<ExchangeTracer> retiring() {
    return Set.copyOf(retiring);
  }

  /** {@code tracer} (replaced earlier) has closed: its final drop count moves to the total. */
  void closed(ExchangeTracer tracer) {
    if (retiring.remove(tracer)) {
      droppedByClosed.addAndGet(tracer.droppedSpans());
    }
  }
}
