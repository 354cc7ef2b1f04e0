package cloud.locci.proxy.control;

import static cloud.locci.proxy.core.metrics.MetricNames.CLIENT_PROTOCOL;
import static cloud.locci.proxy.core.metrics.MetricNames.METHOD;
import static cloud.locci.proxy.core.metrics.MetricNames.OUTCOME;
import static cloud.locci.proxy.core.metrics.MetricNames.REASON;
import static cloud.locci.proxy.core.metrics.MetricNames.RESULT;
import static cloud.locci.proxy.core.metrics.MetricNames.ROUTE;
import static cloud.locci.proxy.core.metrics.MetricNames.SERVER;
import static cloud.locci.proxy.core.metrics.MetricNames.STATUS;
import static cloud.locci.proxy.core.metrics.MetricNames.UPSTREAM;
import static cloud.locci.proxy.core.metrics.MetricNames.UPSTREAM_PROTOCOL;

import cloud.locci.proxy.core.TrafficCounters;
import cloud.locci.proxy.core.acme.DomainStatus;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.RouteConfig;
import cloud.locci.proxy.core.mirror.Mirrors;
import cloud.locci.proxy.core.config.ServerAddress;
import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.forward.Exchange;
import cloud.locci.proxy.core.forward.ExchangeListener;
import cloud.locci.proxy.core.forward.Protocols;
import cloud.locci.proxy.core.forward.Reason;
import cloud.locci.proxy.core.metrics.MetricNames;
import cloud.locci.proxy.core.tracing.TracingSwitch;
import cloud.locci.proxy.core.upstream.Backend;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The process's Prometheus registry and the proxy's own meters (SPEC §8), shared by every proxy
 * instance. Per request ({@link #onComplete}) it only looks meters up in caches keyed by config names,
 * method index and status code, creating each meter once; nothing is built from the raw request.
 *
 * <p>Create one per process before Vert.x, give {@link #vertxMetricsOptions(boolean)} and
 * {@link #vertxMetricsFactory()} to the Vert.x builder (Vert.x's own HTTP, pool and event-bus meters then
 * land in the same registry), add it as exchange listener of every proxy verticle, and deploy a
 * {@link MetricsVerticle} for the meters fed by events.
 */
public final class ProxyMetrics implements ExchangeListener {

  /** Methods kept as label values; anything else is {@code OTHER}, so a client cannot grow the series. */
  static final List<String> METHODS =
      List.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "OTHER");
  private static final int OTHER = METHODS.size() - 1;
  /** {@code client_protocol} label values, by index ({@link #protocolIndex}). */
  static final List<String> CLIENT_PROTOCOLS = List.of(Protocols.HTTP1, Protocols.H2C, Protocols.H2);
  private static final int STATUSES = 1000;
  /** Status label when the client left before any response head was sent (nginx's 499). */
  static final int CLIENT_CLOSED = 499;
  static final List<String> OUTCOMES = List.of("ok", "status_5xx", Reason.UPSTREAM_REFUSED.word(),
      Reason.UPSTREAM_RESET.word(), Reason.UPSTREAM_TIMEOUT.word(), Reason.UPSTREAM_TLS.word(), "aborted");
  private static final Duration[] BUCKETS = {
      Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
      Duration.ofSeconds(60)};
  private static final String[] STATUS_TEXT = new String[STATUSES];

  static {
    for (int i = 0; i < STATUSES; i++) {
      STATUS_TEXT[i] = Integer.toString(i);
    }
  }

  private final PrometheusMeterRegistry registry;
  private final MultiGauge acmeExpiry;
  private final String registryName = "locci-" + UUID.randomUUID();
  /** route -> upstream -> upstream protocol -> meters. */
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, ConcurrentHashMap<String, RouteMeters>>> routes =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicReferenceArray<Counter>> errors = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ConcurrentHashMap<ServerAddress, AtomicReferenceArray<Counter>>> servers =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ConcurrentHashMap<ServerAddress, HealthGauge>> health =
      new ConcurrentHashMap<>();
  private final Counter reloadsOk;
  private final Counter reloadsFailed;
  private final RouteTraffic traffic = new RouteTraffic();

  private ProxyMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    // Vert.x's HTTP meters label the raw method: the same normalisation keeps them bounded too.
    Set<String> known = Set.copyOf(METHODS);
    registry.config().meterFilter(MeterFilter.replaceTagValues(METHOD, v -> known.contains(v) ? v : "OTHER"));
    reloadsOk = reloadCounter("success");
    reloadsFailed = reloadCounter("failure");
    acmeExpiry = MultiGauge.builder(MetricNames.ACME_CERTIFICATE_EXPIRY)
        .description("Expiry of the CA certificate served for each ACME domain, in Unix seconds")
        .baseUnit("seconds")
        .register(registry);
  }

  /** A fresh registry with the proxy's meters; one per process (tests may make several). */
  public static ProxyMetrics create() {
    return new ProxyMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /**
   * Vert.x metrics options that send Vert.x's own meters to this registry.
   *
   * @param perRequestMeters also Vert.x's HTTP server/client and TCP meters (SPEC §8; on unless
   *     {@code LOCCI_VERTX_HTTP_METRICS=false}). Resolved once ({@link ResolvedHttpMeters}), they still
   *     take about 5% of a small request's CPU, while the proxy's own {@code locci_*} meters already
   *     count every request, its duration, its upstream outcome and the open connections. Pool,
   *     event-bus and verticle meters are always on.
   */
  public MetricsOptions vertxMetricsOptions(boolean perRequestMeters) {
    // A registry name of our own: vertx-micrometer keeps registries in a static map by name.
    MicrometerMetricsOptions o = new MicrometerMetricsOptions().setEnabled(true).setRegistryName(registryName)
        // Vert.x's defaults less its HTTP method and code labels: with them, every request and every
        // upstream request merged tag sets, formatted the status and compared tags in meter lookups
        // (14% of the CPU samples with small bodies, bench/README.md). locci_requests_total carries
        // method and status, locci_upstream_requests_total the upstream outcome.
        .setLabels(EnumSet.of(Label.POOL_TYPE, Label.POOL_NAME, Label.EB_SIDE));
    if (!perRequestMeters) {
      o.addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)
          .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT)
          .addDisabledMetricsCategory(MetricsDomain.NET_SERVER)
          .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT);
    }
    return o;
  }

  /**
   * The factory to give {@code Vertx.builder().withMetrics(...)}: vertx-micrometer-metrics', with the
   * HTTP server and client meters resolved once rather than looked up per request ({@link ResolvedHttpMeters}).
   */
  public VertxMetricsFactory vertxMetricsFactory() {
    return new ResolvedHttpMeters(registry);
  }

  /** Requests and errors per route over the last minute (the dashboard's rates), fed by {@link #onComplete}. */
  RouteTraffic traffic() {
    return traffic;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition (format 0.0.4) of every meter. Safe from any thread. */
  public String scrape() {
    return registry.scrape();
  }

  /** Registers {@code locci_active_connections}, read from the process's traffic counters at scrape time. */
  public void trackConnections(TrafficCounters counters) {
    Gauge.builder(MetricNames.ACTIVE_CONNECTIONS, counters, c -> c.connections().get())
        .description("Client connections open now, all proxy instances together")
        .strongReference(true)
        .register(registry);
  }

  /** Makes {@code locci_acme_certificate_expiry_seconds} hold exactly the domains of {@code status} that have a certificate. */
  public void acme(List<DomainStatus> status) {
    List<MultiGauge.Row<?>> rows = new java.util.ArrayList<>();
    for (DomainStatus d : status) {
      d.notAfter().ifPresent(t -> rows.add(MultiGauge.Row.of(Tags.of("domain", d.domain()), t.getEpochSecond())));
    }
    acmeExpiry.register(rows, true);
  }

  /** Exposes the spans the tracer dropped ({@code locci_tracing_spans_dropped_total}), read at each scrape. */
  public void trackTracing(TracingSwitch tracing) {
    // Held weakly by Micrometer; the switch lives as long as its Vert.x (in its shared local map).
    FunctionCounter.builder(MetricNames.TRACING_SPANS_DROPPED, tracing, TracingSwitch::droppedSpans)
        .description("Spans dropped because the tracing export queue was full (collector slow or down)")
        .register(registry);
  }

  /**
   * Registers {@code locci_mirror_requests_total{route,outcome}} for every route of {@code config} that has a
   * mirror (read from the process's {@link Mirrors} at scrape time); series of routes that lost their
   * mirror stay, with their last counts, as counters should. Runs on config changes.
   */
  public void mirrors(ProxyConfig config, Mirrors mirrors) {
    for (RouteConfig r : config.routes()) {
      if (r.mirror().isEmpty()) {
        continue;
      }
      Mirrors.Counts c = mirrors.counts(r.name());
      mirrorCounter(r.name(), "sent", c, Mirrors.Counts::sent);
      mirrorCounter(r.name(), "failed", c, Mirrors.Counts::failed);
      mirrorCounter(r.name(), "skipped", c, Mirrors.Counts::skipped);
    }
  }

  private void mirrorCounter(String route, String outcome, Mirrors.Counts counts,
      java.util.function.ToDoubleFunction<Mirrors.Counts> read) {
    // Registering the same name and tags again returns the meter already there.
    FunctionCounter.builder(MetricNames.MIRROR_REQUESTS, counts, read)
        .description("Copies of requests sent to a route's mirror upstream, by outcome")
        .tags(ROUTE, route, OUTCOME, outcome)
        .register(registry);
  }

  /** Counts one reload of the config file. */
  public void reloaded(boolean succeeded) {
    (succeeded ? reloadsOk : reloadsFailed).increment();
  }

  /**
   * Makes the health gauges match the servers of {@code config}: new servers start at 1 (servers start
   * healthy), removed ones disappear. Runs on config changes.
   */
  public void servers(ProxyConfig config) {
    Map<String, Set<ServerAddress>> wanted = new java.util.HashMap<>();
    for (UpstreamConfig u : config.upstreams().values()) {
      Set<ServerAddress> set = new HashSet<>();
      u.servers().forEach(s -> set.add(s.address()));
      wanted.put(u.name(), set);
      set.forEach(address -> healthGauge(u.name(), address));
    }
    health.forEach((upstream, byServer) -> byServer.entrySet().removeIf(e -> {
      boolean gone = !wanted.getOrDefault(upstream, Set.of()).contains(e.getKey());
      if (gone) {
        registry.remove(e.getValue().gauge());
      }
      return gone;
    }));
  }

  /** Sets {@code locci_upstream_health{upstream,server}} to 1 or 0. */
  public void health(String upstream, ServerAddress server, boolean healthy) {
    healthGauge(upstream, server).value().set(healthy ? 1 : 0);
  }

  private HealthGauge healthGauge(String upstream, ServerAddress server) {
    return health.computeIfAbsent(upstream, k -> new ConcurrentHashMap<>()).computeIfAbsent(server, k -> {
      AtomicInteger value = new AtomicInteger(1);
      Gauge gauge = Gauge.builder(MetricNames.UPSTREAM_HEALTH, value, AtomicInteger::get)
          .description("1 while the server is in rotation, 0 while it is out")
          .tags(UPSTREAM, upstream, SERVER, server.toString())
          .strongReference(true)
          .register(registry);
      return new HealthGauge(value, gauge);
    });
  }

  private record HealthGauge(AtomicInteger value, Gauge gauge) {}

  /** Records one finished exchange. Runs on the exchange's event loop: lookups in caches only. */
  @Override
  public void onComplete(Exchange exchange) {
    long now = System.nanoTime();
    long nanos = now - exchange.startNanos();
    String route = exchange.route();
    String upstream = exchange.upstream();
    HttpServerResponse response = exchange.request().response();
    int status = response.headWritten() ? response.getStatusCode() : CLIENT_CLOSED;
    String upstreamProtocol = exchange.upstreamProtocol();
    RouteMeters meters = routes.computeIfAbsent(route, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(upstream, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(upstreamProtocol, k -> new RouteMeters(route, upstream, upstreamProtocol));
    meters.requests(protocolIndex(exchange.clientProtocol()), methodIndex(exchange.request().method().name()), status)
        .increment();
    meters.duration.record(nanos, TimeUnit.NANOSECONDS);
    Reason reason = exchange.reason();
    if (reason != null) {
      errorCounter(route, reason).increment();
    }
    // An error for the dashboard: a 5xx answer, or a response cut off by an upstream failure after its head.
    traffic.record(route, status >= 500 || reason != null && reason.status() >= 500, now);
    // One count per attempt: each failed attempt under its reason (a connect failover shows as the
    // refused server's upstream_refused plus the next server's ok), then the last attempt if it got a head
    // or was aborted.
    for (Exchange.FailedAttempt f : exchange.failedAttempts()) {
      upstreamCounter(upstream, f.backend().address(), reasonOutcome(f.reason())).increment();
    }
    Backend backend = exchange.backend();
    if (backend != null && !exchange.lastAttemptFailed()) {
      upstreamCounter(upstream, backend.address(), outcome(exchange, status)).increment();
    }
  }

  /** A connection refused before a request reached the proxy (408, 431, 400): an error without a route. */
  @Override
  public void onRefused(Reason reason, io.vertx.core.net.SocketAddress client) {
    errorCounter("", reason).increment();
  }

  static int protocolIndex(String clientProtocol) {
    return switch (clientProtocol) {
      case Protocols.H2C -> 1;
      case Protocols.H2 -> 2;
      default -> 0;
    };
  }

  static int methodIndex(String method) {
    return switch (method) {
      case "GET" -> 0;
      case "HEAD" -> 1;
      case "POST" -> 2;
      case "PUT" -> 3;
      case "DELETE" -> 4;
      case "PATCH" -> 5;
      case "OPTIONS" -> 6;
      case "TRACE" -> 7;
      case "CONNECT" -> 8;
      default -> OTHER;
    };
  }

  private static int outcome(Exchange exchange, int status) {
    if (exchange.upstreamNanos() >= 0) {
      return status >= 500 ? 1 : 0;
    }
    return 6;
  }

  private static int reasonOutcome(Reason r) {
    if (r == Reason.UPSTREAM_REFUSED) {
      return 2;
    } else if (r == Reason.UPSTREAM_RESET) {
      return 3;
    } else if (r == Reason.UPSTREAM_TIMEOUT) {
      return 4;
    } else if (r == Reason.UPSTREAM_TLS) {
      return 5;
    }
    return 6;
  }

  private Counter errorCounter(String route, Reason reason) {
    AtomicReferenceArray<Counter> byReason =
        errors.computeIfAbsent(route, k -> new AtomicReferenceArray<>(Reason.values().length));
    Counter c = byReason.get(reason.ordinal());
    if (c == null) {
      c = Counter.builder(MetricNames.ERRORS)
          .description("Answers the proxy made itself, by reason word")
          .tags(ROUTE, route, REASON, reason.word())
          .register(registry);
      byReason.set(reason.ordinal(), c);
    }
    return c;
  }

  private Counter upstreamCounter(String upstream, ServerAddress server, int outcome) {
    AtomicReferenceArray<Counter> byOutcome = servers.computeIfAbsent(upstream, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(server, k -> new AtomicReferenceArray<>(OUTCOMES.size()));
    Counter c = byOutcome.get(outcome);
    if (c == null) {
      // Registering twice gives the same meter: a race between two event loops here is harmless.
      c = Counter.builder(MetricNames.UPSTREAM_REQUESTS)
          .description("Exchanges with one upstream server, by outcome")
          .tags(UPSTREAM, upstream, SERVER, server.toString(), OUTCOME, OUTCOMES.get(outcome))
          .register(registry);
      byOutcome.set(outcome, c);
    }
    return c;
  }

  private Counter reloadCounter(String result) {
    return Counter.builder(MetricNames.CONFIG_RELOADS)
        .description("Reloads of the config file (SIGHUP or POST /api/v1/reload), by result")
        .tags(RESULT, result)
        .register(registry);
  }

  /**
   * The meters of one (route, upstream, upstream protocol); counters per client protocol, method and
   * status made on first use.
   */
  private final class RouteMeters {
    private final String route;
    private final String upstream;
    private final String upstreamProtocol;
    private final Timer duration;
    private final AtomicReferenceArray<AtomicReferenceArray<Counter>> byMethod =
        new AtomicReferenceArray<>(CLIENT_PROTOCOLS.size() * METHODS.size());

    RouteMeters(String route, String upstream, String upstreamProtocol) {
      this.route = route;
      this.upstream = upstream;
      this.upstreamProtocol = upstreamProtocol;
      this.duration = Timer.builder(MetricNames.REQUEST_DURATION)
          .description("Time from a client request's arrival to the end of its response")
          .tags(ROUTE, route, UPSTREAM, upstream)
          .serviceLevelObjectives(BUCKETS)
          .register(registry);
    }

    Counter requests(int clientProtocol, int method, int status) {
      int s = status >= 0 && status < STATUSES ? status : 0;
      int slot = clientProtocol * METHODS.size() + method;
      AtomicReferenceArray<Counter> byStatus = byMethod.get(slot);
      if (byStatus == null) {
        byMethod.compareAndSet(slot, null, new AtomicReferenceArray<>(STATUSES));
        byStatus = byMethod.get(slot);
      }
      Counter c = byStatus.get(s);
      if (c == null) {
        c = Counter.builder(MetricNames.REQUESTS)
            .description("Client requests answered, by route, upstream, method, status and protocol on each side")
            .tags(ROUTE, route, UPSTREAM, upstream, METHOD, METHODS.get(method), STATUS, STATUS_TEXT[s],
                CLIENT_PROTOCOL, CLIENT_PROTOCOLS.get(clientProtocol), UPSTREAM_PROTOCOL, upstreamProtocol)
            .register(registry);
        byStatus.set(s, c);
      }
      return c;
    }
  }
}
