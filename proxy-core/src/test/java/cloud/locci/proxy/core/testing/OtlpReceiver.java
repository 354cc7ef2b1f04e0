package cloud.locci.proxy.core.testing;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * An OpenTelemetry collector for tests: a real OTLP/HTTP receiver on 127.0.0.1 and an ephemeral port
 * that accepts {@code POST /v1/traces} with a protobuf {@code ExportTraceServiceRequest}, decodes it
 * with opentelemetry-proto's classes and keeps every span. Anything else gets 404 or 400 and is
 * counted as a bad request.
 */
public final class OtlpReceiver {

  public static final String PATH = "/v1/traces";

  private final HttpServer server;
  private final List<Received> spans = new ArrayList<>();
  private int exports;
  private int badRequests;

  private OtlpReceiver(HttpServer server) {
    this.server = server;
  }

  /** Starts a receiver. */
  public static Future<OtlpReceiver> start(Vertx vertx) {
    HttpServer server = vertx.createHttpServer();
    OtlpReceiver[] self = new OtlpReceiver[1];
    server.requestHandler(req -> {
      if (req.method() != HttpMethod.POST || !req.path().equals(PATH)) {
        self[0].bad();
        req.response().setStatusCode(404).end();
        return;
      }
      String type = req.getHeader("content-type");
      req.body().onSuccess(body -> {
        if (type == null || !type.startsWith("application/x-protobuf")) {
          self[0].bad();
          req.response().setStatusCode(415).end();
          return;
        }
        try {
          self[0].received(ExportTraceServiceRequest.parseFrom(body.getBytes()));
        } catch (InvalidProtocolBufferException e) {
          self[0].bad();
          req.response().setStatusCode(400).end();
          return;
        }
        req.response().putHeader("content-type", "application/x-protobuf")
            .end(Buffer.buffer(ExportTraceServiceResponse.getDefaultInstance().toByteArray()));
      });
    });
    return server.listen(0, "127.0.0.1").map(s -> {
      self[0] = new OtlpReceiver(s);
      return self[0];
    });
  }

  /** The traces URL of this receiver, for {@code tracing.otlp_endpoint}. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.actualPort() + PATH;
  }

  private synchronized void bad() {
    badRequests++;
  }

  private synchronized void received(ExportTraceServiceRequest request) {
    exports++;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      Map<String, String> resource = attributes(rs.getResource());
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          spans.add(new Received(resource, s));
        }
      }
    }
  }

  /** Every span received so far, in arrival order. */
  public synchronized List<Received> spans() {
    return List.copyOf(spans);
  }

  /** Spans received so far that match {@code filter}. */
  public synchronized List<Received> spans(Predicate<Received> filter) {
    return spans.stream().filter(filter).toList();
  }

  /** Export requests decoded so far. */
  public synchronized int exports() {
    return exports;
  }

  /** Requests that were not a valid OTLP/HTTP protobuf export. */
  public synchronized int badRequests() {
    return badRequests;
  }

  public Future<Void> close() {
    return server.close();
  }

  private static Map<String, String> attributes(Resource r) {
    return attributes(r.getAttributesList());
  }

  private static Map<String, String> attributes(List<KeyValue> list) {
    Map<String, String> out = new TreeMap<>();
    for (KeyValue kv : list) {
      AnyValue v = kv.getValue();
      out.put(kv.getKey(), switch (v.getValueCase()) {
        case STRING_VALUE -> v.getStringValue();
        case INT_VALUE -> Long.toString(v.getIntValue());
        case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
        case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
        default -> v.toString();
      });
    }
    return out;
  }

  /**
   * One decoded span.
   *
   * @param resource the resource attributes of its export ({@code service.name}, ...)
   * @param span the span as the proxy sent it
   */
  public record Received(Map<String, String> resource, Span span) {

    public String traceId() {
      return HexFormat.of().formatHex(span.getTraceId().toByteArray());
    }

    public String spanId() {
      return HexFormat.of().formatHex(span.getSpanId().toByteArray());
    }

    /** The parent's span id, or empty for a root span. */
    public Optional<String> parentSpanId() {
      return span.getParentSpanId().isEmpty() ? Optional.empty()
          : Optional.of(HexFormat.of().formatHex(span.getParentSpanId().toByteArray()));
    }

    public String name() {
      return span.getName();
    }

    public Span.SpanKind kind() {
      return span.getKind();
    }

    public boolean isServer() {
      return span.getKind() == Span.SpanKind.SPAN_KIND_SERVER;
    }

    public boolean isClient() {
      return span.getKind() == Span.SpanKind.SPAN_KIND_CLIENT;
    }

    /** The span's attributes as text. */
    public Map<String, String> attributes() {
      return OtlpReceiver.attributes(span.getAttributesList());
    }

    public boolean isError() {
      return span.getStatus().getCode() == io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR;
    }
  }
}
