package cloud.locci.proxy.core;

import cloud.locci.proxy.core.acme.AcmeChallenges;
import cloud.locci.proxy.core.acme.ListenerCertificates;
import cloud.locci.proxy.core.acme.PlainHttp;
import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.bus.CurrentConfig;
import cloud.locci.proxy.core.bus.LocalCodec;
import cloud.locci.proxy.core.bus.VersionedConfig;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.ServerAddress;
import cloud.locci.proxy.core.config.ServerConfig;
import cloud.locci.proxy.core.explain.ExplainQuery;
import cloud.locci.proxy.core.explain.Explanation;
import cloud.locci.proxy.core.forward.ClearTextHttp2;
import cloud.locci.proxy.core.forward.ClientIdle;
import cloud.locci.proxy.core.forward.ConnectionGuard;
import cloud.locci.proxy.core.forward.Decision;
import cloud.locci.proxy.core.forward.Exchange;
import cloud.locci.proxy.core.forward.ExchangeListener;
import cloud.locci.proxy.core.forward.Forwarder;
import cloud.locci.proxy.core.forward.Reason;
import cloud.locci.proxy.core.forward.UpstreamClients;
import cloud.locci.proxy.core.health.CurrentHealth;
import cloud.locci.proxy.core.health.HealthChanged;
import cloud.locci.proxy.core.health.HealthReport;
import cloud.locci.proxy.core.middleware.Middleware;
import cloud.locci.proxy.core.middleware.Middlewares;
import cloud.locci.proxy.core.middleware.Verdict;
import cloud.locci.proxy.core.policy.RequestIds;
import cloud.locci.proxy.core.request.RequestHygiene;
import cloud.locci.proxy.core.tracing.TracingSwitch;
import cloud.locci.proxy.core.upstream.HealthView;
import cloud.locci.proxy.core.upstream.UpstreamRegistry;
import cloud.locci.proxy.core.upstream.Upstreams;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both proxy modes share: one listener on {@code server.bind_address}, one pooled upstream client,
 * one {@link Forwarder}, and one snapshot built from the current config version that each request reads
 * once. Deployed once per event loop; every instance listens on the same address (Vert.x spreads the
 * connections across them).
 *
 * <p>The snapshot field is written only on this instance's event loop (the event-bus consumers run on
 * the verticle's context), and requests of this instance run on the same loop: no locks, and a request
 * keeps the snapshot it started with even if a new one arrives during its life.
 *
 * @param <T> the mode's compiled form of a config version (the LB's target, the gateway's routing table)
 */
public abstract class ProxyVerticle<T> extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ProxyVerticle.class);

  private HttpServer server;
  private HttpServer plain;
  private ListenerCertificates certificates;
  private AcmeChallenges challenges;
  private UpstreamClients clients;
  private Forwarder forwarder;
  private UpstreamRegistry registry;
  private VersionedConfig config;
  private Middlewares middlewares = Middlewares.NONE;
  private HealthView health = HealthView.ALL_HEALTHY;
  private T snapshot;
  private RequestHygiene hygiene;
  private ExchangeListener listener = ExchangeListener.NONE;
  private TrafficCounters counters;
  private CurrentConfig newest;
  private CurrentHealth newestHealth;
  private TracingSwitch tracing;
  private HealthView seenShared;
  private long installing;
  private Forwarder.ClientLimits limits;
  /** The idle clock of each open client connection of this instance (all on its event loop). */
  private final Map<HttpConnection, ClientIdle> idle = new IdentityHashMap<>();

  /**
   * Compiles one config version with the current health into the immutable structure requests read.
   * Runs on this instance's event loop at start and after every change; must not block.
   *
   * @param middlewares the middleware instances of this config version (built once per version, kept
   *     across health changes); chains are taken from it by name
   */
  protected abstract T compile(ProxyConfig config, Upstreams upstreams, Middlewares middlewares);

  /**
   * Decides what to do with one request, reading only {@code snapshot}. The request is paused; nothing
   * of its body has been read. Runs on the request's event loop for every request: no blocking, no
   * allocation beyond the decision.
   */
  protected abstract Decision decide(T snapshot, Exchange exchange);

  /**
   * Explains how {@code snapshot} would treat {@code query} (for {@code GET /api/v1/explain}). Runs on
   * this instance's event loop.
   */
  protected abstract Explanation explain(T snapshot, ExplainQuery query);

  /**
   * Adds a listener of finished exchanges (access log, metrics), heard after those added before; call
   * before deployment.
   */
  public void exchangeListener(ExchangeListener l) {
    this.listener = listener.andThen(l);
  }

  @Override
  public Future<?> start() {
    LocalCodec.register(vertx, VersionedConfig.class);
    LocalCodec.register(vertx, HealthChanged.class);
    LocalCodec.register(vertx, HealthReport.class);
    LocalCodec.register(vertx, ExplainQuery.class);
    LocalCodec.register(vertx, Explanation.class);
    registry = UpstreamRegistry.of(vertx);
    counters = TrafficCounters.of(vertx);
    newest = CurrentConfig.of(vertx);
    newestHealth = CurrentHealth.of(vertx);
    certificates = new ListenerCertificates(vertx);
    challenges = AcmeChallenges.of(vertx);
    tracing = TracingSwitch.of(vertx);
    MessageConsumer<VersionedConfig> changes =
        vertx.eventBus().consumer(Addresses.CONFIG_CHANGED, this::onConfigChanged);
    MessageConsumer<HealthChanged> flips =
        vertx.eventBus().consumer(Addresses.HEALTH_CHANGED, this::onHealthChanged);
    MessageConsumer<ExplainQuery> explains = vertx.eventBus().consumer(Addresses.ROUTES_EXPLAIN,
        msg -> msg.reply(explain(snapshot, msg.body())));
    return Future.all(changes.completion(), flips.completion(), explains.completion(), certificates.follow())
        .compose(v -> currentHealth())
        .compose(v -> vertx.eventBus().<VersionedConfig>request(Addresses.CONFIG_GET, null))
        .compose(reply -> {
          VersionedConfig current = reply.body();
          boolean newer = config == null || current.version() > config.version();
          return newer ? install(current) : Future.<Void>succeededFuture();
        })
        .compose(v -> {
          clients = new UpstreamClients(vertx,
              config.config().server().workers().orElse(Runtime.getRuntime().availableProcessors()));
          ExchangeListener outer = listener;
          forwarder = new Forwarder(clients, exchange -> {
            counters.inFlight().decrementAndGet();
            exchange.trace().end(exchange);
            outer.onComplete(exchange);
          });
          return listen(config.config().server()).onSuccess(s -> server = s);
        })
        .compose(v -> config.config().server().httpBindAddress()
            .map(http -> open(options(config.config().server()), http, this::handlePlain).onSuccess(s -> plain = s))
            .orElse(Future.succeededFuture()));
  }

  @Override
  public Future<?> stop() {
    int grace = config == null ? 0 : config.config().server().shutdownGraceSecs();
    Future<Void> serverDown = server == null ? Future.succeededFuture() : server.shutdown(Duration.ofSeconds(grace));
    Future<Void> plainDown = plain == null ? Future.succeededFuture() : plain.shutdown(Duration.ofSeconds(grace));
    return Future.join(serverDown, plainDown).eventually(() -> clients == null ? Future.succeededFuture() : clients.close());
  }

  /** The address this instance listens on (the real port when 0 was asked for). */
  public int actualPort() {
    return server.actualPort();
  }

  private void onConfigChanged(Message<VersionedConfig> msg) {
    VersionedConfig next = msg.body();
    if (config != null && next.version() <= config.version()) {
      return;
    }
    install(next).onFailure(err -> log.error("config version {} not installed, this instance stays on version {}: {}",
        next.version(), config == null ? "none" : config.version(), err.getMessage()));
  }

  /** Asks the health checker for the state of every server; all healthy when none is deployed. */
  private Future<Void> currentHealth() {
    return vertx.eventBus().<HealthReport>request(Addresses.HEALTH_GET, null)
        .map(reply -> {
          health = reply.body().view();
          seenShared = newestHealth.get();
          return (Void) null;
        })
        .otherwise(err -> null);
  }

  private void onHealthChanged(Message<HealthChanged> msg) {
    HealthChanged change = msg.body();
    HealthView next = health.with(change.upstream(), change.server(), change.healthy());
    if (!next.equals(health)) {
      health = next;
      if (config != null) {
        rebuild();
      }
    }
  }

  /**
   * Builds the middlewares of {@code next} (at once, or after reading key files asynchronously), then
   * makes it the current version unless a newer one got there first. A version already being built
   * is not built twice.
   */
  private Future<Void> install(VersionedConfig next) {
    long have = Math.max(installing, config == null ? 0 : config.version());
    if (next.version() <= have) {
      return Future.succeededFuture();
    }
    installing = next.version();
    return Middlewares.build(vertx, next.config()).map(built -> {
      if (config == null || next.version() > config.version()) {
        ServerAddress before = config == null ? null : config.config().server().bindAddress();
        config = next;
        hygiene = RequestHygiene.of(next.config().server());
        limits = Forwarder.ClientLimits.of(next.config().server());
        middlewares = built;
        rebuild();
        if (server != null && before != null && !before.equals(next.config().server().bindAddress())) {
          rebind(next.config().server());
        }
      }
      return null;
    });
  }

  /**
   * {@code server.bind_address} changed: opens the new listener first and only then shuts the old one
   * down (its in-flight requests get {@code shutdown_grace_secs}), so no connection attempt finds
   * neither. If the new address cannot be opened the old listener stays.
   */
  private void rebind(ServerConfig s) {
    HttpServer old = server;
    listen(s).onComplete(ar -> {
      if (ar.succeeded()) {
        server = ar.result();
        log.debug("now listening on {}:{}; closing the listener on port {}", s.bindAddress().host(),
            server.actualPort(), old.actualPort());
        old.shutdown(Duration.ofSeconds(s.shutdownGraceSecs()));
      } else {
        log.error("{}; still listening on port {}", ar.cause().getMessage(), old.actualPort());
      }
    });
  }

  private void rebuild() {
    ProxyConfig c = config.config();
    snapshot = compile(c, Upstreams.build(c, health, registry), middlewares);
  }

  private Future<HttpServer> listen(ServerConfig s) {
    HttpServerOptions options = options(s);
    s.tls().ifPresent(tls -> certificates.configure(options, tls));
    return open(options, s.bindAddress(), this::handle).onSuccess(created -> certificates.listening(created, options));
  }

  /** The options both listeners share: limits and timeouts, no TLS. */
  private static HttpServerOptions options(ServerConfig s) {
    HttpServerOptions options = new HttpServerOptions()
        .setTcpNoDelay(true)
        .setMaxHeaderSize(s.maxHeaderSize())
        .setMaxInitialLineLength(s.maxRequestLine())
        // No Vert.x idle timeout: it closed connections with a request in flight. ClientIdle counts
        // idle_timeout_secs only between requests; a request in flight has the exchange's own clocks.
        // (ClearTextHttp2 sets one for a connection's first head only, and removes it once ClientIdle runs.)
        .setIdleTimeout(0)
        // 100 Continue only once the middlewares accepted the request (ExchangeDriver sends it).
        .setHandle100ContinueAutomatically(false)
        // Request bodies too: one upstream write per decoded chunk (UpstreamClients.MAX_CHUNK_SIZE).
        .setMaxChunkSize(UpstreamClients.MAX_CHUNK_SIZE)
        .setCompressionSupported(false)
        .setDecompressionSupported(false)
        // WebSocket upgrades are tunnelled as bytes (extensions negotiated end to end), never handled
        // by Vert.x: its extension handler would only inspect every message.
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false);
    // h2c beside HTTP/1.1 (server.h2c), and the idle clock of a connection's first head that it needs.
    return ClearTextHttp2.configure(options, s);
  }

  private Future<HttpServer> open(HttpServerOptions options, ServerAddress bind, Handler<HttpServerRequest> handler) {
    HttpServer created = vertx.createHttpServer(options)
        .connectionHandler(connection -> {
          counters.connections().incrementAndGet();
          // The current version's idle timeout: a reload applies it to new connections.
          ClientIdle clock = ClientIdle.start(vertx, connection, config.config().server().idleTimeoutSecs());
          idle.put(connection, clock);
          ClearTextHttp2.connected(connection);
          connection.closeHandler(v -> {
            counters.connections().decrementAndGet();
            idle.remove(connection);
            clock.closed();
          });
          ConnectionGuard.install(connection, config.config().server(), listener);
        })
        .requestHandler(handler)
        .invalidRequestHandler(this::invalid);
    return created.listen(bind.port(), bind.host())
        .compose(s -> ClearTextHttp2.listening(s, options, () -> config.config().server(),
            (r, c) -> listener.onRefused(r, c)))
        .recover(err -> Future.failedFuture(new ListenException(bind, err)));
  }

  /**
   * The plain listener ({@code server.http_bind_address}): ACME http-01 challenges first, then the https
   * redirect when asked for, else the same routing as the main listener.
   */
  private void handlePlain(HttpServerRequest request) {
    if (PlainHttp.challenge(request, challenges)) {
      return;
    }
    if (config.config().server().httpsRedirect() && config.config().server().tls().isPresent()) {
      PlainHttp.redirect(request, server.actualPort());
      return;
    }
    handle(request);
  }

  private void handle(HttpServerRequest request) {
    request.pause();
    counters.inFlight().incrementAndGet();
    // A version the event has not brought yet (the control API may have answered already): take it now.
    VersionedConfig latest = newest.get();
    if (latest != null && latest.version() > config.version()) {
      install(latest).onFailure(err -> log.error("config version {} not installed: {}", latest.version(),
          err.getMessage()));
    }
    HealthView shared = newestHealth.get();
    if (shared != seenShared) {
      // A flip announced since the last request; its event may not have reached this event loop yet.
      seenShared = shared;
      if (!shared.equals(health)) {
        health = shared;
        rebuild();
      }
    }
    RequestHygiene.Admission admission = hygiene.admit(request);
    Exchange exchange = new Exchange(admission.request(), System.nanoTime());
    exchange.requestId(RequestIds.of(admission.request().getHeader(RequestIds.HEADER)));
    exchange.trace(tracing.current().begin(admission.request()));
    ClientIdle clock = idle.get(request.connection());
    if (clock != null) {
      exchange.idle(clock);
    }
    if (admission.problem() != null) {
      refuseMalformed(exchange, admission.problem());
      return;
    }
    Decision decision = decide(snapshot, exchange);
    if (decision instanceof Decision.Forward forward) {
      exchange.route(forward.target().route());
      if (forward.middlewares().isEmpty()) {
        forwarder.forward(exchange, forward.target(), limits);
      } else {
        runMiddlewares(exchange, forward, 0);
      }
    } else if (decision instanceof Decision.Reject reject) {
      exchange.route(reject.route());
      forwarder.reject(exchange, reject.reason(), reject.message(), reject.headers());
    }
  }

  /** Runs the middlewares from {@code index} on, in order; the first that does not continue answers. */
  private void runMiddlewares(Exchange exchange, Decision.Forward forward, int index) {
    if (index == forward.middlewares().size()) {
      forwarder.forward(exchange, forward.target(), limits);
      return;
    }
    Middleware m = forward.middlewares().get(index);
    Future<Verdict> verdict;
    try {
      verdict = m.onRequest(exchange);
    } catch (RuntimeException e) {
      verdict = Future.failedFuture(e);
    }
    verdict.onComplete(ar -> {
      if (ar.failed()) {
        log.warn("middleware {} failed on {} {}: {}", m.name(), exchange.request().method(),
            exchange.request().path(), ar.cause().toString());
        forwarder.reject(exchange, Reason.INTERNAL_ERROR, "middleware " + m.name() + " failed", null);
      } else if (ar.result() instanceof Verdict.Reject r) {
        forwarder.reject(exchange, r.reason(), r.message(), r.headers());
      } else if (ar.result() instanceof Verdict.Respond r) {
        forwarder.respond(exchange, r.status(), r.headers());
      } else {
        runMiddlewares(exchange, forward, index + 1);
      }
    });
  }

  /** Requests Netty's decoder refused: 414, 431 or 400, with the proxy's JSON body, then close. */
  private void invalid(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    Reason reason = cause instanceof TooLongHttpLineException ? Reason.URI_TOO_LONG
        : cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException
            ? Reason.HEADER_TOO_LARGE : Reason.BAD_REQUEST;
    log.debug("invalid request from {}: {}", request.remoteAddress(), cause == null ? "?" : cause.toString());
    counters.inFlight().incrementAndGet();
    Exchange exchange = new Exchange(request, System.nanoTime());
    exchange.requestId(RequestIds.random());
    exchange.trace(tracing.current().begin(request));
    forwarder.reject(exchange, reason, reason.message(), null)
        .onComplete(ar -> request.connection().close());
  }

  /**
   * A request refused by {@link RequestHygiene} (SPEC §10, §15): 400 {@code bad_request}, nothing
   * forwarded; an HTTP/1.x connection is closed after the answer (where the next request starts is no
   * longer certain), an HTTP/2 stream ends with the answer and the connection goes on.
   */
  private void refuseMalformed(Exchange exchange, String problem) {
    HttpServerRequest request = exchange.request();
    boolean http1 = request.version() != io.vertx.core.http.HttpVersion.HTTP_2;
    if (http1) {
      request.response().putHeader(io.vertx.core.http.HttpHeaders.CONNECTION, "close");
    }
    forwarder.reject(exchange, Reason.BAD_REQUEST, problem, null).onComplete(ar -> {
      if (http1) {
        request.connection().close();
      }
    });
  }

  /** The listener could not be opened; names the address (a port already in use is exit 1). */
  public static final class ListenException extends RuntimeException {
    private final ServerAddress address;

    public ListenException(ServerAddress address, Throwable cause) {
      super("cannot listen on " + address + ": " + cause.getMessage(), cause, false, false);
      this.address = address;
    }

    public ServerAddress address() {
      return address;
    }
  }
}
