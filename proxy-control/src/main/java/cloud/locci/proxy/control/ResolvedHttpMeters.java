package cloud.locci.proxy.control;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClientConfig;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerConfig;
import io.vertx.core.json.JsonObject;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.net.QuicEndpointConfig;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TcpClientConfig;
import io.vertx.core.net.TcpServerConfig;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TransportMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.core.spi.metrics.WebSocketMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MetricsNaming;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Vert.x's own HTTP server and client meters (SPEC §8), with each meter looked up once instead of on
 * every request. vertx-micrometer-metrics builds a tag set and looks up five meters per server request
 * and six per upstream request (a {@code Meter.Id} allocated, hashed and compared each time, about 1 µs
 * of a small request's ~5 µs of CPU). With the labels the proxy enables none of those meters has a
 * per-request tag, so each is the same meter every time: this factory resolves them when Vert.x starts
 * and hands Vert.x server and client metrics that only increment and record. Same names, descriptions,
 * types and (empty) tags as vertx-micrometer-metrics'; every other Vert.x meter (pools, event bus, TCP)
 * is still vertx-micrometer-metrics'. When options enable a label that varies per request (or a
 * request tags provider), nothing is replaced.
 */
final class ResolvedHttpMeters implements VertxMetricsFactory {

  /** Labels that would give the HTTP meters a tag that varies by server, client, peer or request. */
  private static final Set<Label> PER_REQUEST = EnumSet.of(Label.LOCAL, Label.REMOTE, Label.HTTP_PATH,
      Label.HTTP_METHOD, Label.HTTP_CODE, Label.HTTP_ROUTE, Label.HTTP_VERSION, Label.SERVER_NAME,
      Label.CLIENT_NAME);

  private final MicrometerMetricsFactory micrometer;
  private final MeterRegistry registry;

  ResolvedHttpMeters(MeterRegistry registry) {
    this.registry = registry;
    this.micrometer = new MicrometerMetricsFactory(registry);
  }

  @Override
  public VertxMetrics metrics(VertxOptions vertxOptions) {
    VertxMetrics all = micrometer.metrics(vertxOptions);
    MicrometerMetricsOptions options = vertxOptions.getMetricsOptions() instanceof MicrometerMetricsOptions m ? m
        : new MicrometerMetricsOptions(vertxOptions.getMetricsOptions().toJson());
    boolean resolvable = options.getLabels().stream().noneMatch(PER_REQUEST::contains)
        && options.getServerRequestTagsProvider() == null && options.getClientRequestTagsProvider() == null;
    if (!resolvable) {
      return all;
    }
    Set<String> disabled = options.getDisabledMetricsCategories();
    MetricsNaming names = options.getMetricsNaming();
    ServerMeters server = disabled.contains(MetricsDomain.HTTP_SERVER.toCategory()) ? null
        : new ServerMeters(registry, names.withBaseName("vertx." + MetricsDomain.HTTP_SERVER.toCategory() + "."));
    ClientMeters client = disabled.contains(MetricsDomain.HTTP_CLIENT.toCategory()) ? null
        : new ClientMeters(registry, names.withBaseName("vertx." + MetricsDomain.HTTP_CLIENT.toCategory() + "."));
    return new WithResolvedHttp(all, server, client);
  }

  @Override
  public MetricsOptions newOptions(MetricsOptions options) {
    return micrometer.newOptions(options);
  }

  @Override
  public MetricsOptions newOptions() {
    return micrometer.newOptions();
  }

  @Override
  public MetricsOptions newOptions(JsonObject json) {
    return micrometer.newOptions(json);
  }

  /**
   * A meter registered when first used, as vertx-micrometer-metrics registers each of its meters: the
   * rare ones (WebSocket gauges, reset counts) then appear in the scrape only once something happened.
   */
  static final class Lazy<M> {
    private final Supplier<M> register;
    private volatile M meter;

    Lazy(Supplier<M> register) {
      this.register = register;
    }

    M get() {
      M m = meter;
      if (m == null) {
        synchronized (this) {
          m = meter;
          if (m == null) {
            m = register.get();
            meter = m;
          }
        }
      }
      return m;
    }
  }

  private static LongAdder gauge(MeterRegistry registry, String name, String description) {
    LongAdder value = new LongAdder();
    Gauge.builder(name, value, LongAdder::doubleValue).description(description).strongReference(true)
        .register(registry);
    return value;
  }

  /** One request-response exchange: when it began and which of its ends have come. */
  static final class Measure {
    private long startNanos = System.nanoTime();
    private boolean requestEnded;
    private boolean responseEnded;
    private boolean reset;

    /** Whether the exchange stops being active now (both ends done, no reset before). */
    boolean requestEnded() {
      requestEnded = true;
      return !reset && responseEnded;
    }

    boolean responseEnded() {
      responseEnded = true;
      return !reset && requestEnded;
    }

    /** Starts the clock again (an upstream request's state is made before its head is written). */
    Measure begin() {
      startNanos = System.nanoTime();
      return this;
    }

    long elapsedNanos() {
      return System.nanoTime() - startNanos;
    }
  }

  /** What the server and client meters share: the active-requests gauge and the WebSocket gauge. */
  abstract static class ExchangeMeters implements WebSocketMetrics<LongAdder> {
    final LongAdder active;
    private final Lazy<LongAdder> webSockets;

    ExchangeMeters(MeterRegistry registry, MetricsNaming names, String activeDescription) {
      active = gauge(registry, names.getHttpActiveRequests(), activeDescription);
      webSockets = new Lazy<>(() ->
          gauge(registry, names.getHttpActiveWsConnections(), "Number of websockets currently opened"));
    }

    @Override
    public LongAdder connected(HttpRequest request) {
      LongAdder open = webSockets.get();
      open.increment();
      return open;
    }

    @Override
    public void disconnected(LongAdder webSocket) {
      webSocket.decrement();
    }
  }

  /** {@code vertx_http_server_*}: the meters, resolved once, shared by every HTTP server of the process. */
  static final class ServerMeters extends ExchangeMeters implements HttpServerMetrics<Measure, LongAdder> {
    private final Lazy<Counter> resets;
    private final DistributionSummary requestBytes;
    private final Counter requests;
    private final Timer responseTime;
    private final DistributionSummary responseBytes;

    ServerMeters(MeterRegistry registry, MetricsNaming names) {
      super(registry, names, "Number of requests being processed");
      resets = new Lazy<>(() -> Counter.builder(names.getHttpRequestResetsCount())
          .description("Number of request resets").register(registry));
      requestBytes = DistributionSummary.builder(names.getHttpRequestBytes()).description("Size of requests in bytes")
          .register(registry);
      requests = Counter.builder(names.getHttpRequestsCount()).description("Number of processed requests")
          .register(registry);
      responseTime = Timer.builder(names.getHttpResponseTime()).description("Request processing time")
          .register(registry);
      responseBytes = DistributionSummary.builder(names.getHttpResponseBytes())
          .description("Size of responses in bytes").register(registry);
    }

    @Override
    public Measure requestBegin(SocketAddress remoteAddress, HttpRequest request) {
      active.increment();
      return new Measure();
    }

    @Override
    public void requestEnd(Measure e, HttpRequest request, long bytesRead) {
      requestBytes.record(bytesRead);
      if (e.requestEnded()) {
        active.decrement();
      }
    }

    @Override
    public void requestReset(Measure e) {
      resets.get().increment();
      active.decrement();
      e.reset = true;
    }

    @Override
    public Measure responsePushed(SocketAddress remoteAddress, HttpMethod method, String uri, HttpResponse response) {
      active.increment();
      return new Measure();
    }

    @Override
    public void responseEnd(Measure e, HttpResponse response, long bytesWritten) {
      requests.increment();
      responseTime.record(e.elapsedNanos(), TimeUnit.NANOSECONDS);
      responseBytes.record(bytesWritten);
      if (e.responseEnded()) {
        active.decrement();
      }
    }
  }

  /** {@code vertx_http_client_*}: the meters, resolved once, shared by every HTTP client and endpoint. */
  static final class ClientMeters extends ExchangeMeters implements HttpClientMetrics<Measure, LongAdder>,
      ClientMetrics<Measure, HttpRequest, HttpResponse> {
    private final Counter requests;
    private final DistributionSummary requestBytes;
    private final Timer responseTime;
    private final Counter responses;
    private final DistributionSummary responseBytes;

    ClientMeters(MeterRegistry registry, MetricsNaming names) {
      super(registry, names, "Number of requests waiting for a response");
      requests = Counter.builder(names.getHttpRequestsCount()).description("Number of requests sent")
          .register(registry);
      requestBytes = DistributionSummary.builder(names.getHttpRequestBytes()).description("Size of requests in bytes")
          .register(registry);
      responseTime = Timer.builder(names.getHttpResponseTime()).description("Response time").register(registry);
      responses = Counter.builder(names.getHttpResponsesCount()).description("Response count with codes")
          .register(registry);
      responseBytes = DistributionSummary.builder(names.getHttpResponseBytes())
          .description("Size of responses in bytes").register(registry);
    }

    @Override
    public ClientMetrics<Measure, HttpRequest, HttpResponse> createEndpointMetrics(SocketAddress remoteAddress,
        int maxPoolSize) {
      return this;
    }

    @Override
    public Measure init() {
      return new Measure();
    }

    @Override
    public void requestBegin(Measure e, String uri, HttpRequest request) {
      // The response time counts from here, as vertx-micrometer-metrics' does.
      e.begin();
      active.increment();
      requests.increment();
    }

    @Override
    public void requestEnd(Measure e, long bytesWritten) {
      requestBytes.record(bytesWritten);
      if (e.requestEnded()) {
        active.decrement();
      }
    }

    @Override
    public void requestReset(Measure e) {
      active.decrement();
      e.reset = true;
    }

    @Override
    public void responseEnd(Measure e, long bytesRead) {
      if (e.responseEnded()) {
        active.decrement();
      }
      responses.increment();
      responseTime.record(e.elapsedNanos(), TimeUnit.NANOSECONDS);
      responseBytes.record(bytesRead);
    }
  }

  /** vertx-micrometer-metrics' Vert.x metrics, with the HTTP server and client ones replaced. */
  private record WithResolvedHttp(VertxMetrics all, ServerMeters server, ClientMeters client) implements VertxMetrics {

    @Override
    public HttpServerMetrics<?, ?> createHttpServerMetrics(HttpServerConfig config, SocketAddress tcpLocalAddress,
        SocketAddress udpLocalAddress) {
      return server;
    }

    @Override
    public HttpClientMetrics<?, ?> createHttpClientMetrics(HttpClientConfig config) {
      return client;
    }

    @Override
    public EventBusMetrics<?> createEventBusMetrics() {
      return all.createEventBusMetrics();
    }

    @Override
    public ClientMetrics<?, ?, ?> createClientMetrics(SocketAddress remoteAddress, String type, String namespace) {
      return all.createClientMetrics(remoteAddress, type, namespace);
    }

    @Override
    public TransportMetrics<?> createTcpServerMetrics(TcpServerConfig config, String protocol,
        SocketAddress localAddress) {
      return all.createTcpServerMetrics(config, protocol, localAddress);
    }

    @Override
    public TransportMetrics<?> createTcpClientMetrics(TcpClientConfig config, String protocol) {
      return all.createTcpClientMetrics(config, protocol);
    }

    @Override
    public TransportMetrics<?> createQuicEndpointMetrics(QuicEndpointConfig config, String protocol,
        SocketAddress localAddress) {
      return all.createQuicEndpointMetrics(config, protocol, localAddress);
    }

    @Override
    public DatagramSocketMetrics createDatagramSocketMetrics(DatagramSocketOptions options) {
      return all.createDatagramSocketMetrics(options);
    }

    @Override
    public PoolMetrics<?, ?> createPoolMetrics(String poolType, String poolName, int maxPoolSize) {
      return all.createPoolMetrics(poolType, poolName, maxPoolSize);
    }

    @Override
    public void vertxCreated(Vertx vertx) {
      all.vertxCreated(vertx);
    }

    @Override
    public boolean isMetricsEnabled() {
      return all.isMetricsEnabled();
    }

    @Override
    public void close() {
      all.close();
    }
  }
}
