package cloud.locci.proxy.core.tracing.otel;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;

/**
 * Reads the span processor's own counter {@code otel.sdk.processor.span.processed} (OpenTelemetry's
 * SDK self-observability conventions) on demand: the points with an {@code error.type}
 * ({@code queue_full}, {@code already_shutdown}) are the spans dropped. Collected when Prometheus
 * scrapes, on the scraping thread; never pushed anywhere.
 */
final class DroppedSpans implements MetricReader {

  static final String PROCESSED = "otel.sdk.processor.span.processed";
  private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private volatile CollectionRegistration registration = CollectionRegistration.noop();

  /** Spans dropped so far (cumulative). */
  long count() {
    long n = 0;
    for (MetricData m : registration.collectAllMetrics()) {
      if (!m.getName().equals(PROCESSED) || m.getType() != MetricDataType.LONG_SUM) {
        continue;
      }
      for (LongPointData p : m.getLongSumData().getPoints()) {
        if (p.getAttributes().get(ERROR_TYPE) != null) {
          n += p.getValue();
        }
      }
    }
    return n;
  }

  @Override
  public void register(CollectionRegistration registration) {
    this.registration = registration;
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return AggregationTemporality.CUMULATIVE;
  }

  @Override
  public CompletableResultCode forceFlush() {
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode shutdown() {
    return CompletableResultCode.ofSuccess();
  }
}
