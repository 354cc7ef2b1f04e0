package cloud.locci.proxy.core;

import cloud.locci.proxy.core.acme.AcmeChallenges;
import cloud.locci.proxy.core.acme.ListenerCertificates;
import cloud.locci.proxy.core.acme.PlainHttp;
import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.bus.CurrentConfig;
import cloud.locci.proxy.core.bus.LocalCodec;
import cloud.locci.proxy.core.bus.VersionedConfig;
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
import cloud.locci.proxy.core.health.HealthChanged;
import cloud.locci.proxy.core.health.HealthReport;
import cloud.locci.proxy.core.middleware.Middleware;
import cloud.locci.proxy.core.middleware.Verdict;
import cloud.locci.proxy.core.policy.RequestIds;
import cloud.locci.proxy.core.request.RequestHygiene;
import cloud.locci.proxy.core.tracing.TracingSwitch;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
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
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy instance of one event loop, the same for both modes: one listener on
 * {@code server.bind_address} (and the plain one, if any), one {@link Forwarder} with its upstream
 * connections, and the {@link ProxyMode} that decides each request. Deployed once per event loop; every
 * instance listens on the same address (Vert.x spreads the connections across them).
 *
 * <p>The compiled configuration is not this instance's: the deployment's {@link Snapshots} compiles
 * each config version once for the process, and each request reads its current snapshot once and keeps
 * it for its whole life (request and response phases see the same version). Health is read by the
 * upstream groups themselves ({@code CurrentHealth}), so a flip compiles nothing.
 *
 * @param <T> the mode's compiled form of a config version (the LB's plan, the gateway's routing table)
 */
public final class ProxyVerticle<T> extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ProxyVerticle.class);

  private final Snapshots<T> snapshots;
  private final ProxyMode<T> mode;
  private HttpServer server;
  private HttpServer plain;
  private ListenerCertificates certificates;
  private AcmeChallenges challenges;
  private Forwarder forwarder;
  private ExchangeListener listener = ExchangeListener.NONE;
  private TrafficCounters counters;
  private CurrentConfig newest;
  private TracingSwitch tracing;
  /** The address {@link #server} listens on; a version with another one rebinds. */
  private ServerAddress listening;
  /** The idle clock of each open client connection of this instance (all on its event loop). */
  private final Map<HttpConnection, ClientIdle> idle = new IdentityHashMap<>();

  /**
   * An instance that serves the snapshots of {@code snapshots} (shared by every instance of the
   * deployment: see {@link #instances}).
   */
  public ProxyVerticle(Snapshots<T> snapshots) {
    this.snapshots = snapshots;
    this.mode = snapshots.mode();
  }

  /**
   * A supplier of instances for {@code DeploymentOptions.setInstances(n)}: every instance it makes shares
   * one {@link Snapshots}, so each config version is compiled once for all of them.
   */
  public static <T> Supplier<ProxyVerticle<T>> instances(ProxyMode<T> mode) {
    Snapshots<T> shared = new Snapshots<>(mode);
    return () -> new ProxyVerticle<>(shared);
  }

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
    counters = TrafficCounters.of(vertx);
    newest = CurrentConfig.of(vertx);
    certificates = new ListenerCertificates(vertx);
    challenges = AcmeChallenges.of(vertx);
    tracing = TracingSwitch.of(vertx);
    MessageConsumer<VersionedConfig> changes =
        vertx.eventBus().consumer(Addresses.CONFIG_CHANGED, this::onConfigChanged);
    MessageConsumer<ExplainQuery> explains = vertx.eventBus().consumer(Addresses.ROUTES_EXPLAIN, msg -> {
      Snapshots.Snapshot<T> now = snapshots.current();
      if (now == null) {
        msg.fail(503, "the proxy is starting");
      } else {
        msg.reply(mode.explain(now.compiled(), msg.body()));
      }
    });
    return Future.all(changes.completion(), explains.completion(), certificates.follow())
        .compose(v -> vertx.eventBus().<VersionedConfig>request(Addresses.CONFIG_GET, null))
        .compose(reply -> onThisLoop(snapshots.install(vertx, reply.body())))
        .compose(first -> {
          ServerConfig s = first.config().config().server();
          ExchangeListener outer = listener;
          forwarder = new Forwarder(vertx, s.workers().orElse(Runtime.getRuntime().availableProcessors()), exchange -> {
            counters.inFlight().decrementAndGet();
            exchange.trace().end(exchange);
            outer.onComplete(exchange);
          });
          listening = s.bindAddress();
          return listen(s).onSuccess(created -> server = created);
        })
        .compose(v -> {
          ServerConfig s = snapshots.current().config().config().server();
          return s.httpBindAddress()
              .map(http -> open(options(s), http, this::handlePlain).onSuccess(created -> plain = created))
              .orElse(Future.succeededFuture());
        });
  }

  @Override
  public Future<?> stop() {
    Snapshots.Snapshot<T> now = snapshots.current();
    int grace = now == null ? 0 : now.config().config().server().shutdownGraceSecs();
    Future<Void> serverDown = server == null ? Future.succeededFuture() : server.shutdown(Duration.ofSeconds(grace));
    Future<Void> plainDown = plain == null ? Future.succeededFuture() : plain.shutdown(Duration.ofSeconds(grace));
    return Future.join(serverDown, plainDown).eventually(() -> forwarder == null ? Future.succeededFuture() : forwarder.close());
  }

  /**
   * The config version new requests are served with (0 before the first). A change applied by the config
   * verticle reaches it a moment later, once compiled: callers that must not race it wait for it.
   */
  public long servingVersion() {
    Snapshots.Snapshot<T> now = snapshots.current();
    return now == null ? 0 : now.version();
  }

  /** The address this instance listens on (the real port when 0 was asked for). */
  public int actualPort() {
    return server.actualPort();
  }

  private void onConfigChanged(Message<VersionedConfig> msg) {
    install(msg.body());
  }

  /**
   * Makes {@code next} current (compiled here, or by the instance that saw it first), then rebinds this
   * instance's listener if {@code server.bind_address} changed.
   */
  private void install(VersionedConfig next) {
    Snapshots.Snapshot<T> before = snapshots.current();
    if (before != null && next.version() <= before.version()) {
      rebindIfMoved(before);
      return;
    }
    onThisLoop(snapshots.install(vertx, next)).onComplete(ar -> {
      if (ar.failed()) {
        Snapshots.Snapshot<T> kept = snapshots.current();
        log.error("config version {} not installed, the proxy stays on version {}: {}", next.version(),
            kept == null ? "none" : kept.version(), ar.cause().getMessage());
        return;
      }
      rebindIfMoved(ar.result());
    });
  }

  /**
   * {@code f}, with its outcome handed on on this instance's own event loop. A compilation another
   * instance is running completes on that instance's loop, and the listener and upstream clients this
   * instance creates next are bound to the loop they are created on. Without the hop, the instances that
   * waited for another's compilation all served on that one's event loop (at start-up, and at a reload
   * that moves the listener) and wrote this instance's fields from another thread: the futures in between
   * are bound to no context, so nothing else brings the chain back.
   */
  private <X> Future<X> onThisLoop(Future<X> f) {
    Promise<X> here = Promise.promise();
    f.onComplete(ar -> {
      if (Vertx.currentContext() == context) {
        here.handle(ar);
      } else {
        context.runOnContext(v -> here.handle(ar));
      }
    });
    return here.future();
  }

  private void rebindIfMoved(Snapshots.Snapshot<T> now) {
    ServerConfig s = now.config().config().server();
    if (server != null && listening != null && !listening.equals(s.bindAddress())) {
      listening = s.bindAddress();
      rebind(s);
    }
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
        // Request bodies too: one upstream write per decoded chunk (Forwarder.MAX_CHUNK_SIZE).
        .setMaxChunkSize(Forwarder.MAX_CHUNK_SIZE)
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
          // The current version's idle timeout and limits: a reload applies them to new connections.
          ServerConfig now = snapshots.current().config().config().server();
          ClientIdle clock = ClientIdle.start(vertx, connection, now.idleTimeoutSecs());
          idle.put(connection, clock);
          ClearTextHttp2.connected(connection);
          connection.closeHandler(v -> {
            counters.connections().decrementAndGet();
            idle.remove(connection);
            clock.closed();
          });
          ConnectionGuard.install(connection, now, listener);
        })
        .requestHandler(handler)
        .invalidRequestHandler(this::invalid);
    return created.listen(bind.port(), bind.host())
        .compose(s -> ClearTextHttp2.listening(s, options,
            () -> snapshots.current().config().config().server(), (r, c) -> listener.onRefused(r, c)))
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
    Snapshots.Snapshot<T> now = snapshots.current();
    ServerConfig s = now.config().config().server();
    if (s.httpsRedirect() && s.tls().isPresent()) {
      PlainHttp.redirect(request, server.actualPort());
      return;
    }
    handle(request, now);
  }

  private void handle(HttpServerRequest request) {
    handle(request, snapshots.current());
  }

  /** Serves {@code request} with {@code snapshot}, the one read of the snapshot reference it gets. */
  private void handle(HttpServerRequest request, Snapshots.Snapshot<T> snapshot) {
    boolean holdInput = Exchange.inputMayFollow(request);
    if (holdInput) {
      request.pause();
    }
    counters.inFlight().incrementAndGet();
    // A version the event has not brought yet (the control API may have answered already): take it now.
    // Compiled once for the process, here or where it is under way; this request uses it if it is ready.
    VersionedConfig latest = newest.get();
    if (latest != null && latest.version() > snapshot.version()) {
      install(latest);
      snapshot = snapshots.current();
    }
    RequestHygiene.Admission admission = snapshot.hygiene().admit(request);
    Exchange exchange = new Exchange(admission.request(), System.nanoTime());
    exchange.inputHeld(holdInput);
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
    Decision decision = mode.decide(snapshot.compiled(), exchange);
    Forwarder.ClientLimits limits = snapshot.limits();
    if (decision instanceof Decision.Forward forward) {
      exchange.route(forward.target().route());
      if (forward.middlewares().isEmpty()) {
        forwarder.forward(exchange, forward.target(), limits);
      } else {
        runMiddlewares(exchange, forward, limits, 0);
      }
    } else if (decision instanceof Decision.Reject reject) {
      exchange.route(reject.route());
      forwarder.reject(exchange, reject.reason(), reject.message(), reject.headers());
    }
  }

  /** Runs the middlewares from {@code index} on, in order; the first that does not continue answers. */
  private void runMiddlewares(Exchange exchange, Decision.Forward forward, Forwarder.ClientLimits limits, int index) {
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
        runMiddlewares(exchange, forward, limits, index + 1);
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
