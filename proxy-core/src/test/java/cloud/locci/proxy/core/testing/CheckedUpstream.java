package cloud.locci.proxy.core.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real upstream for health tests, on 127.0.0.1 and an ephemeral port, whose behaviour the test
 * changes while it runs: the status of {@code /health} (or no answer at all), what other requests get
 * (an answer with {@code X-Upstream-Id} and a chosen status, or a closed connection), and whether the
 * port is open at all ({@link #close()} then {@link #reopen()} on the same port). Counts what it receives.
 */
public final class CheckedUpstream {

  private final Vertx vertx;
  private final String id;
  private final HttpServerOptions options;
  private final AtomicInteger healthStatus = new AtomicInteger(200);
  private final AtomicInteger requestStatus = new AtomicInteger(200);
  private final AtomicInteger healthChecks = new AtomicInteger();
  private final AtomicInteger requests = new AtomicInteger();
  private volatile boolean healthSilent;
  private volatile boolean resetRequests;
  private HttpServer server;
  private int port;

  private CheckedUpstream(Vertx vertx, String id, HttpServerOptions options) {
    this.vertx = vertx;
    this.id = id;
    this.options = options;
  }

  /** Starts a plain HTTP upstream whose {@code /health} answers 200. */
  public static Future<CheckedUpstream> start(Vertx vertx, String id) {
    return start(vertx, id, new HttpServerOptions());
  }

  /** Starts an upstream with {@code options} (e.g. TLS) whose {@code /health} answers 200. */
  public static Future<CheckedUpstream> start(Vertx vertx, String id, HttpServerOptions options) {
    CheckedUpstream u = new CheckedUpstream(vertx, id, options);
    return u.listen(0).map(u);
  }

  private Future<Void> listen(int onPort) {
    server = vertx.createHttpServer(options).requestHandler(this::handle);
    return server.listen(onPort, "127.0.0.1").map(s -> {
      port = s.actualPort();
      return null;
    });
  }

  private void handle(HttpServerRequest req) {
    if (req.path().equals("/health")) {
      healthChecks.incrementAndGet();
      if (!healthSilent) {
        req.response().setStatusCode(healthStatus.get()).end(id + " health");
      }
      return;
    }
    requests.incrementAndGet();
    if (resetRequests) {
      req.connection().close();
      return;
    }
    req.response().setStatusCode(requestStatus.get()).putHeader("x-upstream-id", id).end(id);
  }

  /** The status {@code /health} answers from now on. */
  public void healthStatus(int status) {
    healthSilent = false;
    healthStatus.set(status);
  }

  /** From now on {@code /health} never answers (a hung server). */
  public void healthSilent() {
    healthSilent = true;
  }

  /** The status other requests get from now on (200 at first). */
  public void requestStatus(int status) {
    requestStatus.set(status);
  }

  /** From now on other requests get their connection closed without an answer. */
  public void resetRequests(boolean reset) {
    resetRequests = reset;
  }

  /** {@code /health} requests received so far. */
  public int healthChecks() {
    return healthChecks.get();
  }

  /** Other requests received so far. */
  public int requests() {
    return requests.get();
  }

  public String id() {
    return id;
  }

  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:port}, as a config lists it. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  /** Closes the port: connections are refused until {@link #reopen()}. */
  public Future<Void> close() {
    return server.close();
  }

  /** Listens again on the same port. */
  public Future<Void> reopen() {
    return listen(port);
  }
}
