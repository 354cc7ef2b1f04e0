package cloud.locci.proxy.control;

import cloud.locci.proxy.core.ProxyVerticle;
import cloud.locci.proxy.core.acme.CurrentCertificates;
import cloud.locci.proxy.core.acme.DomainStatus;
import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.bus.ConfigChange;
import cloud.locci.proxy.core.bus.LocalCodec;
import cloud.locci.proxy.core.bus.ReloadOutcome;
import cloud.locci.proxy.core.bus.VersionedConfig;
import cloud.locci.proxy.core.config.ConfigDiff;
import cloud.locci.proxy.core.config.ConfigError;
import cloud.locci.proxy.core.config.Mode;
import cloud.locci.proxy.core.config.ServerConfig;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.RouteOrder;
import cloud.locci.proxy.core.config.ServerAddress;
import cloud.locci.proxy.core.config.ServerConfig;
import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.explain.ExplainQuery;
import cloud.locci.proxy.core.explain.Explanation;
import cloud.locci.proxy.core.explain.ExplanationJson;
import cloud.locci.proxy.core.forward.ConnectionGuard;
import cloud.locci.proxy.core.health.HealthChanged;
import cloud.locci.proxy.core.health.HealthReport;
import cloud.locci.proxy.core.upstream.UpstreamRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control API (SPEC §6): its own listener on {@code control_api.bind_address}, JSON in and out,
 * errors as {@code {"error": ..., "status": N}}, {@code api_key} required on every endpoint when set.
 * Reads come from the config verticle ({@link Addresses#CONFIG_GET}) on each request; changes and
 * reloads are requests to it, so they are validated exactly as the file is. One instance per process,
 * deployed last.
 *
 * <p>SPEC §15: before anything else, {@link RequestOrigin} answers 421 to a foreign Host, 403 to a
 * foreign Origin and 415 to a change that is not JSON; {@link ApiKeyAuth} throttles failed key checks;
 * the listener has the proxy listener's head and idle timeouts; a 500 never carries exception text.
 */
public final class ControlApiVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ControlApiVerticle.class);
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final String VERSION_HEADER = "X-Locci-Config-Version";
  private static final int MAX_BODY = 64 * 1024;
  private static final long RELOAD_TIMEOUT_MS = 60_000;

  private final int instances;
  private final ProxyMetrics metrics;
  private final ApiKeyAuth auth = new ApiKeyAuth();
  private final ChangeHistory history = new ChangeHistory(Clock.systemUTC());
  private RequestOrigin origin;
  private ServerConfig limits;
  private UpstreamHealth health;
  private UpstreamRegistry registry;
  private DashboardAssets dashboard;
  private VersionedConfig last;
  private long version;
  private HttpServer server;

  /**
   * @param instances the number of proxy instances running (reported by status and config)
   * @param metrics the process's meters: the Prometheus exposition (read on each scrape, off the event
   *     loop) and the per-route traffic of the last minute
   */
  public ControlApiVerticle(int instances, ProxyMetrics metrics) {
    this.instances = instances;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    LocalCodec.register(vertx, VersionedConfig.class);
    LocalCodec.register(vertx, ReloadOutcome.class);
    LocalCodec.register(vertx, HealthChanged.class);
    LocalCodec.register(vertx, HealthReport.class);
    LocalCodec.register(vertx, ExplainQuery.class);
    LocalCodec.register(vertx, Explanation.class);
    for (Class<?> type : ConfigChange.class.getPermittedSubclasses()) {
      LocalCodec.register(vertx, type);
    }
    health = new UpstreamHealth(vertx);
    registry = UpstreamRegistry.of(vertx);
    return vertx.executeBlocking(RequestOrigin::machineAddresses, false)
        .compose(addresses -> {
          origin = new RequestOrigin(addresses);
          return Future.all(
              vertx.eventBus().<VersionedConfig>consumer(Addresses.CONFIG_CHANGED, m -> seen(m.body())).completion(),
              vertx.eventBus().<ReloadOutcome>consumer(Addresses.CONFIG_RELOADED, m -> history.reloaded(m.body()))
                  .completion(),
              vertx.eventBus().<HealthChanged>consumer(Addresses.HEALTH_CHANGED, m -> health.changed(m.body()))
                  .completion(),
              vertx.executeBlocking(DashboardAssets::load).onSuccess(d -> dashboard = d));
        })
        .compose(v -> current())
        .compose(current -> refreshHealth().map(current))
        .compose(current -> {
          ServerAddress bind = current.config().controlApi().bindAddress();
          return listener(current.config().server()).listen(bind.port(), bind.host())
              .onSuccess(s -> {
                server = s;
                log.info("control API listening on {}:{}{}", bind.host(), s.actualPort(),
                    current.config().controlApi().apiKey().isPresent() ? " (API key required)"
                        : " (no api_key set: anyone who can reach it may change the proxy)");
              })
              .recover(err -> Future.failedFuture(new ProxyVerticle.ListenException(bind, err)));
        });
  }

  /**
   * The control listener, with the proxy listener's head and idle timeouts and head size limits
   * (SPEC §15): a client that opens connections and trickles bytes holds nothing for long here either.
   */
  private HttpServer listener(ServerConfig s) {
    HttpServerOptions options = new HttpServerOptions()
        .setIdleTimeout(s.idleTimeoutSecs())
        .setMaxHeaderSize(s.maxHeaderSize())
        .setMaxInitialLineLength(s.maxRequestLine())
        // Without h2c the HTTP/1 pipeline exists when the connection handler runs, so the guard can sit in it.
        .setHttp2ClearTextEnabled(false);
    return vertx.createHttpServer(options)
        // The head timeout and size follow reloads, as on the proxy listener; the idle timeout is fixed at start.
        .connectionHandler(connection -> ConnectionGuard.install(connection, limits,
            (reason, client) -> log.debug("control API: connection from {} refused: {}", client, reason)))
        .requestHandler(router());
  }

  /** The port the control API listens on (the real one when the config said 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private Router router() {
    Router router = Router.router(vertx);
    // Host, Origin and Content-Type first: a page from elsewhere gets nothing, the dashboard included.
    router.route().handler(origin);
    // Before the key check: the page and its files hold no data; the page sends the key itself.
    router.route("/dashboard/*").handler(dashboard);
    router.route().handler(auth);
    router.get("/api/v1/status").handler(ctx -> withConfig(ctx, this::status));
    router.get("/api/v1/config").handler(ctx -> withConfig(ctx, (c, v) -> ok(ctx, ConfigJson.config(c.config(), instances))));
    router.get("/api/v1/metrics").handler(this::metrics);
    router.get("/metrics").handler(this::metrics);
    router.get("/api/v1/health").handler(ctx -> withConfig(ctx, (c, v) -> refreshHealth()
        .compose(x -> health.json(c.config()))
        .onSuccess(json -> ok(ctx, json.put("config_version", c.version())))
        .onFailure(err -> {
          log.warn("control API: health report failed", err);
          ApiErrors.send(ctx, 500, "health report failed (see the proxy's log)");
        })));
    router.get("/api/v1/upstreams").handler(ctx -> withConfig(ctx, (c, v) -> refreshHealth()
        .onComplete(x -> ok(ctx, upstreams(c.config())))));
    router.get("/api/v1/routes").handler(ctx -> withConfig(ctx, (c, v) -> ok(ctx, routes(c.config()))));
    BodyHandler body = BodyHandler.create(false).setBodyLimit(MAX_BODY);
    router.post("/api/v1/routes").handler(body).handler(this::addRoute);
    router.delete("/api/v1/routes/:name").handler(ctx ->
        change(ctx, new ConfigChange.RemoveRoute(ctx.pathParam("name")), 204, null));
    router.post("/api/v1/upstreams").handler(body).handler(this::addUpstream);
    router.delete("/api/v1/upstreams/:name/servers/:server").handler(this::removeServer);
    router.post("/api/v1/reload").handler(this::reload);
    router.get("/api/v1/explain").handler(this::explain);
    router.get("/api/v1/cluster").handler(this::cluster);
    router.get("/api/v1/traffic").handler(ctx -> withConfig(ctx, (c, v) -> ok(ctx, traffic(c.config()))));
    router.get("/api/v1/changes").handler(ctx -> ok(ctx, new JsonObject()
        .put("config_version", version).put("max", ChangeHistory.MAX).put("changes", history.json())));
    router.get("/api/v1/version").handler(ctx -> ok(ctx, new JsonObject()
        .put("name", "locci-proxy").put("version", softwareVersion()).put("java", Runtime.version().toString())));
    router.errorHandler(404, ctx -> ApiErrors.send(ctx, 404, "no such endpoint: " + ctx.request().method() + " "
        + ctx.request().path()));
    router.errorHandler(405, ctx -> ApiErrors.send(ctx, 405, "method " + ctx.request().method()
        + " not allowed on " + ctx.request().path()));
    router.errorHandler(413, ctx -> ApiErrors.send(ctx, 413, "request body over " + MAX_BODY + " bytes"));
    router.errorHandler(400, ctx -> ApiErrors.send(ctx, 400, "bad request"));
    router.errorHandler(500, ctx -> {
      // The exception stays in the log: its message may name files, addresses or values of the config.
      log.warn("control API {} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
      ApiErrors.send(ctx, 500, "internal error (see the proxy's log)");
    });
    return router;
  }

  private void status(VersionedConfig c, RoutingContext ctx) {
    Mode mode = c.config().mode();
    long uptime = ManagementFactory.getRuntimeMXBean().getUptime() / 1000;
    JsonObject json = new JsonObject()
        .put("status", "running")
        .put("mode", mode.yamlName())
        .put("lb_enabled", mode == Mode.LOAD_BALANCER)
        .put("gateway_enabled", mode == Mode.API_GATEWAY)
        .put("instances", instances)
        .put("config_version", c.version())
        .put("uptime_secs", uptime);
    if (c.config().server().tls().flatMap(ServerConfig.ListenerTls::acme).isPresent()) {
      json.put("acme", acme());
    }
    ok(ctx, json);
  }

  /** Each ACME domain: {@code domain}, {@code not_after} (ISO-8601 or null), {@code state}, {@code last_error}. */
  private JsonArray acme() {
    JsonArray out = new JsonArray();
    for (DomainStatus d : CurrentCertificates.of(vertx).status()) {
      out.add(new JsonObject()
          .put("domain", d.domain())
          .put("not_after", d.notAfter().map(Object::toString).orElse(null))
          .put("state", d.state())
          .put("last_error", d.lastError().orElse(null)));
    }
    return out;
  }

  private void metrics(RoutingContext ctx) {
    vertx.executeBlocking(metrics::scrape, false).onComplete(ar -> {
      if (ar.failed()) {
        log.warn("control API: metrics scrape failed", ar.cause());
        ApiErrors.send(ctx, 500, "metrics scrape failed (see the proxy's log)");
        return;
      }
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, PROMETHEUS_TEXT).end(ar.result());
    });
  }

  private JsonObject routes(ProxyConfig c) {
    JsonArray routes = new JsonArray();
    RouteOrder.sort(c.routes()).forEach(r -> routes.add(ConfigJson.route(r)));
    return new JsonObject().put("routes", routes);
  }

  /**
   * Requests and errors of the last minute per route, in match order; {@code ""} is the load balancer's
   * traffic in that mode, and requests no route matched in gateway mode (listed only when there were some).
   */
  private JsonObject traffic(ProxyConfig c) {
    long now = System.nanoTime();
    RouteTraffic traffic = metrics.traffic();
    JsonArray routes = new JsonArray();
    if (c.mode() == Mode.LOAD_BALANCER) {
      routes.add(rates("", c.loadBalancer().map(lb -> lb.upstream()).orElse(null), traffic.lastMinute("", now)));
    } else {
      RouteOrder.sort(c.routes())
          .forEach(r -> routes.add(rates(r.name(), String.join(",", r.upstreamNames()),
              traffic.lastMinute(r.name(), now))));
      RouteTraffic.Totals unmatched = traffic.lastMinute("", now);
      if (unmatched.requests() > 0) {
        routes.add(rates("", null, unmatched));
      }
    }
    return new JsonObject().put("window_secs", RouteTraffic.WINDOW_SECS).put("routes", routes);
  }

  private static JsonObject rates(String route, String upstream, RouteTraffic.Totals t) {
    return new JsonObject()
        .put("route", route)
        .put("upstream", upstream)
        .put("requests", t.requests())
        .put("errors", t.errors())
        .put("requests_per_sec", (double) t.requests() / RouteTraffic.WINDOW_SECS)
        .put("errors_per_sec", (double) t.errors() / RouteTraffic.WINDOW_SECS);
  }

  /** The version in the jar's manifest; {@code dev} when run from classes. */
  private static String softwareVersion() {
    String v = ControlApiVerticle.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  private JsonObject upstreams(ProxyConfig c) {
    JsonArray list = new JsonArray();
    c.upstreams().values().forEach(u -> list.add(upstream(u)));
    return new JsonObject().put("upstreams", list);
  }

  private JsonObject upstream(UpstreamConfig u) {
    JsonArray servers = new JsonArray();
    u.servers().forEach(s -> servers.add(new JsonObject()
        .put("address", s.address().toString())
        .put("healthy", health.of(u.name(), s.address()).healthy())
        .put("active_connections", registry.stats(s.address()).active())
        .put("weight", s.weight())));
    return new JsonObject().put("name", u.name()).put("strategy", u.strategy().yamlName()).put("servers", servers);
  }

  private void addRoute(RoutingContext ctx) {
    try {
      ConfigChange.AddRoute change = ChangeRequests.route(ctx.body().buffer());
      change(ctx, change, 201, c -> new JsonObject().put("route",
          ConfigJson.route(c.config().apiGateway().orElseThrow().routes().get(change.route().name()))));
    } catch (ChangeRequests.BadRequest e) {
      ApiErrors.send(ctx, 400, e.getMessage(), e.errors());
    }
  }

  private void addUpstream(RoutingContext ctx) {
    try {
      ConfigChange.AddUpstream change = ChangeRequests.upstream(ctx.body().buffer());
      change(ctx, change, 201, c -> new JsonObject().put("upstream",
          upstream(c.config().upstreams().get(change.upstream().name()))));
    } catch (ChangeRequests.BadRequest e) {
      ApiErrors.send(ctx, 400, e.getMessage(), e.errors());
    }
  }

  private void removeServer(RoutingContext ctx) {
    ServerAddress server;
    try {
      server = ServerAddress.parse(ctx.pathParam("server"));
    } catch (IllegalArgumentException e) {
      ApiErrors.send(ctx, 400, "server: " + e.getMessage());
      return;
    }
    change(ctx, new ConfigChange.RemoveUpstreamServer(ctx.pathParam("name"), server), 204, null);
  }

  /**
   * Sends {@code change} to the config verticle; answers {@code status} with {@code config_version}
   * and what {@code body} adds (no body for 204), or the verticle's refusal.
   */
  private void change(RoutingContext ctx, ConfigChange change, int status,
      java.util.function.Function<VersionedConfig, JsonObject> body) {
    DeliveryOptions options = new DeliveryOptions();
    if (ctx.body() != null && ctx.body().buffer() != null) {
      options.addHeader(Addresses.CHANGE_BODY_HEADER, ctx.body().asString());
    }
    vertx.eventBus().<VersionedConfig>request(Addresses.CONFIG_UPDATE, change, options).onComplete(ar -> {
      if (ar.failed()) {
        ApiErrors.fromBus(ctx, ar.cause(), "the config verticle is not available");
        return;
      }
      VersionedConfig next = seen(ar.result().body());
      ctx.response().setStatusCode(status).putHeader(VERSION_HEADER, Long.toString(next.version()));
      if (body == null) {
        ctx.response().end();
      } else {
        ok(ctx, body.apply(next).put("config_version", next.version()));
      }
    });
  }

  private void reload(RoutingContext ctx) {
    vertx.eventBus().<ReloadOutcome>request(Addresses.CONFIG_RELOAD, null,
        new DeliveryOptions().setSendTimeout(RELOAD_TIMEOUT_MS)).onComplete(ar -> {
          if (ar.failed()) {
            ApiErrors.fromBus(ctx, ar.cause(), "reload is not available");
            return;
          }
          ReloadOutcome outcome = ar.result().body();
          if (!outcome.succeeded()) {
            ApiErrors.send(ctx, 400, "invalid configuration file; the running configuration (version "
                + outcome.version() + ") is unchanged", outcome.errors().stream().map(ConfigError::toString).toList());
            return;
          }
          ok(ctx, new JsonObject()
              .put("config_version", outcome.version())
              .put("diff", diff(outcome.diff()))
              .put("restart_required", new JsonArray(outcome.restartRequired())));
        });
  }

  static JsonObject diff(ConfigDiff d) {
    return new JsonObject()
        .put("routes", changes(d.routes()))
        .put("upstreams", changes(d.upstreams()))
        .put("middlewares", changes(d.middlewares()))
        .put("sections", new JsonArray(d.sections()))
        .put("keys", new JsonArray(d.keys()));
  }

  private static JsonObject changes(ConfigDiff.Changes c) {
    return new JsonObject()
        .put("added", new JsonArray(c.added()))
        .put("removed", new JsonArray(c.removed()))
        .put("changed", new JsonArray(c.changed()));
  }

  private void explain(RoutingContext ctx) {
    String path = ctx.queryParams().get("path");
    if (path == null || !path.startsWith("/")) {
      ApiErrors.send(ctx, 400, "query parameter \"path\" is required and must start with \"/\"");
      return;
    }
    String method = ctx.queryParams().get("method");
    String host = ctx.queryParams().get("host");
    // header=Name:value, repeatable (match_headers); the first of one name counts, as in the proxy.
    java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
    for (String h : ctx.queryParams().getAll("header")) {
      int colon = h.indexOf(':');
      if (colon <= 0 || h.length() > 8192) {
        ApiErrors.send(ctx, 400, "query parameter \"header\" must be Name:value, got \"" + h + "\"");
        return;
      }
      headers.putIfAbsent(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
    }
    ExplainQuery query = new ExplainQuery(method == null || method.isBlank() ? "GET" : method.toUpperCase(Locale.ROOT),
        host == null ? "" : host.toLowerCase(Locale.ROOT), path, headers);
    vertx.eventBus().<Explanation>request(Addresses.ROUTES_EXPLAIN, query).onComplete(ar -> {
      if (ar.failed()) {
        ApiErrors.fromBus(ctx, ar.cause(), "explain is not available");
        return;
      }
      ok(ctx, ExplanationJson.toJson(ar.result().body()));
    });
  }

  /** {@code GET /api/v1/cluster}: the members as cluster mode sees them; 404 outside cluster mode. */
  private void cluster(RoutingContext ctx) {
    vertx.eventBus().<JsonObject>request(Addresses.CLUSTER_MEMBERS, null).onComplete(ar -> {
      if (ar.succeeded()) {
        ok(ctx, ar.result().body());
      } else if (ar.cause() instanceof io.vertx.core.eventbus.ReplyException re
          && re.failureType() == io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS) {
        ApiErrors.send(ctx, 404, "not running in cluster mode (start --cluster, or cluster.enabled: true)");
      } else {
        ApiErrors.fromBus(ctx, ar.cause(), "cluster membership is not available");
      }
    });
  }

  /** The current config, fetched from the config verticle. */
  private Future<VersionedConfig> current() {
    return vertx.eventBus().<VersionedConfig>request(Addresses.CONFIG_GET, null).map(m -> seen(m.body()));
  }

  private void withConfig(RoutingContext ctx, java.util.function.BiConsumer<VersionedConfig, RoutingContext> then) {
    current().onComplete(ar -> {
      if (ar.failed()) {
        ApiErrors.fromBus(ctx, ar.cause(), "the config verticle is not available");
      } else {
        then.accept(ar.result(), ctx);
      }
    });
  }

  /**
   * Keeps the API key, the health procedures, the traffic's routes and the change history in step with
   * the newest version seen.
   */
  private VersionedConfig seen(VersionedConfig c) {
    if (c.version() > version) {
      version = c.version();
      auth.key(c.config().controlApi().apiKey());
      origin.config(c.config().controlApi());
      limits = c.config().server();
      health.sync(c.config());
      metrics.traffic().retain(c.config().routes().stream().map(r -> r.name()).toList());
      if (last != null) {
        history.changed(c.version(), ConfigDiff.between(last.config(), c.config()));
      }
      last = c;
    }
    return c;
  }

  /** Asks the health checker for its full state; keeps what events told when none answers. */
  private Future<Void> refreshHealth() {
    return vertx.eventBus().<HealthReport>request(Addresses.HEALTH_GET, null, new DeliveryOptions().setSendTimeout(2000))
        .map(reply -> {
          health.report(reply.body());
          return (Void) null;
        })
        .otherwise((Void) null);
  }

  /** Ends the response with {@code json} under the status already set (200 unless changed). */
  private static void ok(RoutingContext ctx, JsonObject json) {
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(json.encode());
  }
}
