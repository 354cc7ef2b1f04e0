package cloud.locci.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.TracingConfig;
import cloud.locci.proxy.core.log.AccessLog;
import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.OtlpReceiver;
import cloud.locci.proxy.core.testing.OtlpReceiver.Received;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.tracing.TracingSwitch;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

/**
 * SPEC §13 tracing against a real OTLP/HTTP receiver ({@link OtlpReceiver}) that decodes what the proxy
 * exports: spans, their attributes and links, W3C context continued or started, sampling, retries,
 * reloads, the access log's trace id, and a collector that is down.
 */
@ExtendWith(VertxExtension.class)
class GatewayTracingTest {

  /** An incoming, sampled W3C context (the example of the W3C recommendation). */
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PARENT = "00f067aa0ba902b7";
  private static final String TRACEPARENT = "00-" + TRACE + "-" + PARENT + "-01";

  private Vertx vertx;
  private HttpClient client;
  private EchoUpstream echo;
  private final ListAppender<ILoggingEvent> access = new ListAppender<>();
  private Logger accessLogger;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    client = vertx.createHttpClient();
    echo = EchoUpstream.start(vertx, "echo").await();
    accessLogger = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
    access.start();
    accessLogger.addAppender(access);
  }

  @AfterEach
  void tearDown() {
    accessLogger.detachAppender(access);
  }

  /** A gateway: route "api" (^/api, retries 1) to upstream "app" with {@code servers}, and {@code tracing}. */
  private static String yaml(List<String> servers, String tracing) {
    return """
        mode: api_gateway
        server:
          bind_address: "127.0.0.1:0"
        upstreams:
          app:
            servers: [%s]
        api_gateway:
          routes:
            api:
              path_pattern: "^/api"
              upstream: app
              retries: 1
        control_api:
          enabled: false
        %s
        """.formatted(servers.stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", ")), tracing);
  }

  private static String tracing(String endpoint, double ratio) {
    return """
        tracing:
          enabled: true
          otlp_endpoint: "%s"
          sample_ratio: %s
          service_name: edge-proxy
        """.formatted(endpoint, ratio);
  }

  private ProxyDeployment deploy(Vertx on, String yaml) {
    return ProxyDeployment.deploy(on, ProxyDeployment.parse(yaml), GatewayMode::new, 1, new AccessLog()).await();
  }

  private HttpResult get(int port, String uri, Map<String, String> headers) {
    return fetch(port, uri, headers).await();
  }

  /** Like {@link #get}, without waiting (for conditions checked on the event loop). */
  private Future<HttpResult> fetch(int port, String uri, Map<String, String> headers) {
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI(uri);
    headers.forEach(o::putHeader);
    return HttpResult.fetch(client, o, null);
  }

  private List<Received> awaitSpans(OtlpReceiver receiver, String traceId, int count) {
    Eventually.untilTrue(vertx, Duration.ofSeconds(15), count + " spans of trace " + traceId,
        () -> receiver.spans(s -> s.traceId().equals(traceId)).size() >= count).await();
    return receiver.spans(s -> s.traceId().equals(traceId));
  }

  private static String closedPort(Vertx vertx) {
    NetServer s = vertx.createNetServer().connectHandler(socket -> { }).listen(0, "127.0.0.1").await();
    int port = s.actualPort();
    s.close().await();
    return "127.0.0.1:" + port;
  }

  /** The sampled bit of a traceparent's flags (W3C level 2 adds a "random trace id" bit beside it). */
  private static boolean sampled(String traceparent) {
    return (Integer.parseInt(traceparent.substring(53, 55), 16) & 1) == 1;
  }

  private static String echoedHeader(HttpResult r, String name) {
    JsonObject headers = r.json().getJsonObject("headers");
    return headers.containsKey(name) ? headers.getJsonArray(name).getString(0) : null;
  }

  @Test
  void aProxiedRequestIsAServerSpanWithAClientSpanChildAndTheUpstreamGetsTheClientSpanAsParent() {
    OtlpReceiver receiver = OtlpReceiver.start(vertx).await();
    int port = deploy(vertx, yaml(List.of(echo.address()), tracing(receiver.endpoint(), 1))).port();

    HttpResult r = get(port, "/api/users?id=7", Map.of());
    assertThat(r.status()).isEqualTo(200);
    String upstreamParent = echoedHeader(r, "traceparent");
    assertThat(upstreamParent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    assertThat(sampled(upstreamParent)).isTrue();
    String traceId = upstreamParent.substring(3, 35);

    List<Received> spans = awaitSpans(receiver, traceId, 2);
    Received server = spans.stream().filter(Received::isServer).findFirst().orElseThrow();
    Received clientSpan = spans.stream().filter(Received::isClient).findFirst().orElseThrow();
    assertThat(server.parentSpanId()).as("a new trace starts at the proxy").isEmpty();
    assertThat(clientSpan.parentSpanId()).contains(server.spanId());
    assertThat(upstreamParent.substring(36, 52)).as("the upstream's parent is the client span")
        .isEqualTo(clientSpan.spanId());
    assertThat(server.name()).isEqualTo("GET api");
    assertThat(server.attributes())
        .containsEntry("locci.route", "api")
        .containsEntry("locci.upstream", "app")
        .containsEntry("locci.server", echo.address())
        .containsEntry("http.response.status_code", "200")
        .containsEntry("http.request.method", "GET")
        .containsEntry("url.path", "/api/users")
        .containsEntry("client.address", "127.0.0.1")
        .doesNotContainKey("locci.reason");
    assertThat(clientSpan.attributes())
        .containsEntry("locci.server", echo.address())
        .containsEntry("server.address", "127.0.0.1")
        .containsEntry("http.response.status_code", "200")
        .doesNotContainKey("http.request.resend_count");
    assertThat(server.resource()).containsEntry("service.name", "edge-proxy");
    assertThat(receiver.badRequests()).isZero();
  }

  @Test
  void anIncomingTraceparentIsContinuedAndItsTracestateGoesOn() {
    OtlpReceiver receiver = OtlpReceiver.start(vertx).await();
    int port = deploy(vertx, yaml(List.of(echo.address()), tracing(receiver.endpoint(), 1))).port();

    HttpResult r = get(port, "/api/x", Map.of("traceparent", TRACEPARENT, "tracestate", "congo=t61rcWkgMzE"));
    assertThat(r.status()).isEqualTo(200);
    List<Received> spans = awaitSpans(receiver, TRACE, 2);
    Received server = spans.stream().filter(Received::isServer).findFirst().orElseThrow();
    Received clientSpan = spans.stream().filter(Received::isClient).findFirst().orElseThrow();
    assertThat(server.parentSpanId()).contains(PARENT);
    assertThat(echoedHeader(r, "traceparent")).isEqualTo("00-" + TRACE + "-" + clientSpan.spanId() + "-01");
    assertThat(echoedHeader(r, "tracestate")).isEqualTo("congo=t61rcWkgMzE");
  }

  @Test
  void retriesShowAsSeveralClientSpans() {
    OtlpReceiver receiver = OtlpReceiver.start(vertx).await();
    String dead = closedPort(vertx);
    // Round robin starts at the first server, the dead one: the first try fails, the retry succeeds.
    int port = deploy(vertx, yaml(List.of(dead, echo.address()), tracing(receiver.endpoint(), 1))).port();

    HttpResult r = get(port, "/api/r", Map.of("traceparent", TRACEPARENT));
    assertThat(r.status()).isEqualTo(200);
    List<Received> spans = awaitSpans(receiver, TRACE, 3);
    Received server = spans.stream().filter(Received::isServer).findFirst().orElseThrow();
    List<Received> tries = spans.stream().filter(Received::isClient)
        .sorted((a, b) -> Long.compare(a.span().getStartTimeUnixNano(), b.span().getStartTimeUnixNano())).toList();
    assertThat(tries).hasSize(2).allSatisfy(t -> assertThat(t.parentSpanId()).contains(server.spanId()));
    assertThat(tries.get(0).attributes()).containsEntry("locci.server", dead)
        .containsEntry("locci.reason", "upstream_refused").doesNotContainKey("http.response.status_code");
    assertThat(tries.get(0).isError()).isTrue();
    assertThat(tries.get(1).attributes()).containsEntry("locci.server", echo.address())
        .containsEntry("http.request.resend_count", "1").containsEntry("http.response.status_code", "200");
    assertThat(server.attributes()).containsEntry("locci.server", echo.address())
        .containsEntry("http.response.status_code", "200");
    assertThat(echoedHeader(r, "traceparent")).isEqualTo("00-" + TRACE + "-" + tries.get(1).spanId() + "-01");
  }

  @Test
  void proxyMadeErrorsAreServerSpansWithTheirReason() {
    OtlpReceiver receiver = OtlpReceiver.start(vertx).await();
    int port = deploy(vertx, yaml(List.of(echo.address()), tracing(receiver.endpoint(), 1))).port();

    assertThat(get(port, "/nowhere", Map.of("traceparent", TRACEPARENT)).status()).isEqualTo(404);
    List<Received> spans = awaitSpans(receiver, TRACE, 1);
    assertThat(spans).hasSize(1);
    Received server = spans.get(0);
    assertThat(server.isServer()).isTrue();
    assertThat(server.attributes()).containsEntry("http.response.status_code", "404")
        .containsEntry("locci.reason", "route_not_found").containsEntry("url.path", "/nowhere");
    assertThat(server.isError()).as("4xx is the client's fault, not a server span error").isFalse();
  }

  @Test
  void ratioZeroExportsNoNewTraceButFollowsASampledParent() {
    OtlpReceiver receiver = OtlpReceiver.start(vertx).await();
    int port = deploy(vertx, yaml(List.of(echo.address()), tracing(receiver.endpoint(), 0))).port();

    List<String> unsampled = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      HttpResult r = get(port, "/api/new", Map.of());
      String traceparent = echoedHeader(r, "traceparent");
      assertThat(traceparent).as("a new trace still propagates").matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
      assertThat(sampled(traceparent)).as("marked not sampled: %s", traceparent).isFalse();
      unsampled.add(traceparent.substring(3, 35));
    }
    // A sampled parent is followed whatever the ratio; its spans arriving means the earlier ones were
    // exported too, had there been any (the processor keeps the order).
    assertThat(get(port, "/api/sampled", Map.of("traceparent", TRACEPARENT)).status()).isEqualTo(200);
    awaitSpans(receiver, TRACE, 2);
    assertThat(receiver.spans()).allSatisfy(s -> assertThat(s.traceId()).isEqualTo(TRACE));
    assertThat(unsampled).doesNotContain(TRACE);
  }

  @Test
  void theAccessLogCarriesTheTraceIdWhenTracingIsOn() {
    OtlpReceiver receiver = OtlpReceiver.start(vertx).await();
    int port = deploy(vertx, yaml(List.of(echo.address()), tracing(receiver.endpoint(), 1))).port();

    get(port, "/api/logged", Map.of("traceparent", TRACEPARENT));
    Eventually.untilTrue(vertx, Duration.ofSeconds(5), "an access line", () -> !access.list.isEmpty()).await();
    ILoggingEvent line = access.list.get(0);
    assertThat(line.getFormattedMessage()).endsWith(" reason=- attempts=1 trace_id=" + TRACE);
    assertThat(line.getKeyValuePairs()).anySatisfy(kv -> {
      assertThat(kv.key).isEqualTo("trace_id");
      assertThat(kv.value).isEqualTo(TRACE);
    });
  }

  @Test
  void withTracingOffTraceparentAndTracestatePassUnchangedAndTheLogHasNoTraceId() {
    int port = deploy(vertx, yaml(List.of(echo.address()), "")).port();

    HttpResult r = get(port, "/api/off", Map.of("traceparent", TRACEPARENT, "tracestate", "congo=t61rcWkgMzE"));
    assertThat(echoedHeader(r, "traceparent")).isEqualTo(TRACEPARENT);
    assertThat(echoedHeader(r, "tracestate")).isEqualTo("congo=t61rcWkgMzE");
    assertThat(TracingSwitch.of(vertx).current()).isSameAs(cloud.locci.proxy.core.tracing.ExchangeTracer.NONE);
    Eventually.untilTrue(vertx, Duration.ofSeconds(5), "an access line", () -> !access.list.isEmpty()).await();
    assertThat(access.list.get(0).getFormattedMessage()).doesNotContain("trace_id");
    assertThat(access.list.get(0).getKeyValuePairs()).extracting((KeyValuePair kv) -> kv.key)
        .doesNotContain("trace_id");
  }

  @Test
  void aReloadTurnsTracingOnMovesItToAnotherCollectorAndTurnsItOff() {
    OtlpReceiver first = OtlpReceiver.start(vertx).await();
    OtlpReceiver second = OtlpReceiver.start(vertx).await();
    ProxyConfig off = ProxyDeployment.parse(yaml(List.of(echo.address()), ""));
    ProxyDeployment proxy = deploy(vertx, yaml(List.of(echo.address()), ""));
    int port = proxy.port();

    proxy.configVerticle().apply(off.withTracing(new TracingConfig(true, first.endpoint(), 1, "p")), "test").await();
    Eventually.until(vertx, Duration.ofSeconds(15), "spans at the first collector",
        () -> fetch(port, "/api/on", Map.of()).map(r -> !first.spans().isEmpty())).await();

    proxy.configVerticle().apply(off.withTracing(new TracingConfig(true, second.endpoint(), 1, "p")), "test").await();
    Eventually.until(vertx, Duration.ofSeconds(15), "spans at the second collector",
        () -> fetch(port, "/api/moved", Map.of()).map(r -> !second.spans().isEmpty())).await();

    proxy.configVerticle().apply(off, "test").await();
    Eventually.until(vertx, Duration.ofSeconds(15), "tracing off again",
        () -> fetch(port, "/api/off", Map.of("traceparent", TRACEPARENT))
            .map(r -> TRACEPARENT.equals(echoedHeader(r, "traceparent")))).await();
  }

  /**
   * The collector is down (a closed port): requests are served as usual, no event loop is ever blocked
   * (Vert.x's checker, armed at 1 s on the proxy's Vert.x, stays silent), and the spans that do not fit the bounded queue
   * are dropped and counted instead of piling up in memory.
   */
  @Test
  void aCollectorThatIsDownCostsDroppedSpansNeverABlockedEventLoop() throws Exception {
    Vertx strict = Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(2)
        // An export or flush on an event loop would hold it for seconds (connect, retries with back-off
        // of 1 s and more). A lower limit only catches this shared 2-core machine descheduling a thread
        // (seen at 304 and 508 ms in Netty and Vert.x code, load average 12), so warnings are also
        // judged by where the thread was: each carries its stack (warning exception time = limit).
        .setMaxEventLoopExecuteTime(1000).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(20).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
        .setWarningExceptionTime(1000).setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS));
    ListAppender<ILoggingEvent> blocked = new ListAppender<>();
    Logger checker = (Logger) LoggerFactory.getLogger("io.vertx.core.impl.BlockedThreadChecker");
    blocked.start();
    checker.addAppender(blocked);
    try {
      // Only the proxy runs on the watched Vert.x: the load below would block its own client's loop.
      int port = deploy(strict, yaml(List.of(echo.address()),
          tracing("http://" + closedPort(vertx) + "/v1/traces", 1))).port();
      HttpClient load = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(32));
      // Warm-up: the first connections and requests load and compile the proxy's own code (Netty
      // pipeline set-up took 304 ms once on this busy machine); the checker is judged after it.
      int warmUp = 100;
      assertThat(send(load, port, warmUp)).allSatisfy(status -> assertThat(status).isEqualTo(200));
      synchronized (blocked) { // the lock AppenderBase.doAppend holds while it adds
        blocked.list.clear();
      }
      int requests = 1500;
      assertThat(send(load, port, requests)).allSatisfy(status -> assertThat(status).isEqualTo(200));

      // Two spans per request; the queue (2048) plus the batch being exported (512) hold at most 2560.
      long spans = 2L * (warmUp + requests);
      TracingSwitch tracing = TracingSwitch.of(strict);
      Eventually.untilTrue(strict, Duration.ofSeconds(15), "dropped spans counted",
          () -> tracing.droppedSpans() >= spans - 2560).await();
      assertThat(tracing.droppedSpans()).isLessThanOrEqualTo(spans);
      List<String> warnings;
      synchronized (blocked) {
        warnings = blocked.list.stream().map(e -> e.getFormattedMessage() + (e.getThrowableProxy() == null ? ""
            : "\n" + ch.qos.logback.classic.spi.ThrowableProxyUtil.asString(e.getThrowableProxy()))).toList();
      }
      assertThat(warnings).as("blocked-thread warnings with the tracer on the stack")
          .noneMatch(w -> w.contains("io.opentelemetry.") || w.contains("cloud.locci.proxy.core.tracing."));
      assertThat(warnings).as("blocked-thread warnings").isEmpty();

      // The checker is armed: a deliberately blocked event loop is reported.
      strict.runOnContext(v -> {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2500);
        while (System.nanoTime() < until) {
          Thread.onSpinWait();
        }
      });
      Eventually.untilTrue(vertx, Duration.ofSeconds(5), "the checker's warning", () -> !blocked.list.isEmpty())
          .await();
      load.close().await();
    } finally {
      checker.detachAppender(blocked);
      strict.close().await(20, TimeUnit.SECONDS);
    }
  }

  /** Sends {@code count} GETs at once (32 connections) and returns their statuses. */
  private static List<Integer> send(HttpClient load, int port, int count) throws Exception {
    List<Future<Integer>> all = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      all.add(load.request(HttpMethod.GET, port, "127.0.0.1", "/api/" + i)
          .compose(req -> req.send())
          .compose(resp -> resp.body().map(b -> resp.statusCode())));
    }
    Future.all(all).await(60, TimeUnit.SECONDS);
    return all.stream().map(Future::result).toList();
  }
}
