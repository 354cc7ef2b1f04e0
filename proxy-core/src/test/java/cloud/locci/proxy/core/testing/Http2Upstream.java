package cloud.locci.proxy.core.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/2 upstream for tests on 127.0.0.1 and an ephemeral port: cleartext with prior knowledge (h2c)
 * or TLS with ALPN h2 (self-signed for {@code localhost}). It counts the connections it accepted and the
 * streams open at once, and answers each request with JSON: {@code version}, {@code ssl}, {@code method},
 * {@code uri}, {@code authority}, {@code headers}, {@code bodyLength}, {@code port}; {@code GET /health}
 * is its health check ({@link #healthStatus}); {@code /reset} resets its stream (and only it). A request header
 * {@code x-trailer: name=value} (repeatable) makes it end its answer with those trailers; with
 * {@link #holdUntil} every request waits until that many are open at once, so a test can prove they
 * shared connections concurrently without sleeping.
 */
public final class Http2Upstream {

  private final HttpServer server;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger mostOpen = new AtomicInteger();
  private record Held(HttpServerRequest request, long bodyLength) {}

  private final List<Held> held = new ArrayList<>();
  private volatile int holdUntil;
  private volatile int healthStatus = 200;

  private Http2Upstream(Vertx vertx, HttpServerOptions options) {
    server = vertx.createHttpServer(options)
        .connectionHandler(c -> connections.incrementAndGet())
        .requestHandler(this::handle);
  }

  /** Cleartext HTTP/2 (and HTTP/1.1), taking at most {@code maxStreams} streams per connection. */
  public static Future<Http2Upstream> h2c(Vertx vertx, long maxStreams) {
    HttpServerOptions options = new HttpServerOptions().setHttp2ClearTextEnabled(true)
        .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(maxStreams));
    Http2Upstream upstream = new Http2Upstream(vertx, options);
    return upstream.server.listen(0, "127.0.0.1").map(s -> upstream);
  }

  /** HTTP/2 over TLS (ALPN h2, and http/1.1), self-signed for {@code localhost}. */
  public static Future<Http2Upstream> h2(Vertx vertx, long maxStreams) {
    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    HttpServerOptions options = new HttpServerOptions().setSsl(true).setUseAlpn(true)
        .setKeyCertOptions(cert.keyCertOptions())
        .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(maxStreams));
    Http2Upstream upstream = new Http2Upstream(vertx, options);
    return upstream.server.listen(0, "127.0.0.1").map(s -> upstream);
  }

  /** From now on, requests are answered only once {@code n} are open at the same time. */
  public Http2Upstream holdUntil(int n) {
    holdUntil = n;
    return this;
  }

  /**
   * {@code GET /health} answers {@code status} over HTTP/2, and 505 over HTTP/1.x (so a check that does not
   * speak HTTP/2 fails).
   */
  public Http2Upstream healthStatus(int status) {
    healthStatus = status;
    return this;
  }

  private void handle(HttpServerRequest req) {
    if (req.path().equals("/reset")) {
      req.response().reset(8); // CANCEL: this stream only
      return;
    }
    if (req.path().equals("/health")) {
      req.response().setStatusCode(req.version() == io.vertx.core.http.HttpVersion.HTTP_2 ? healthStatus : 505).end();
      return;
    }
    int now = open.incrementAndGet();
    mostOpen.accumulateAndGet(now, Math::max);
    long[] length = {0};
    req.handler(b -> length[0] += b.length());
    Promise<Void> ended = Promise.promise();
    req.endHandler(v -> ended.complete());
    ended.future().onSuccess(v -> {
      List<Held> out;
      synchronized (held) {
        held.add(new Held(req, length[0]));
        if (held.size() < holdUntil) {
          return;
        }
        out = new ArrayList<>(held);
        held.clear();
      }
      out.forEach(h -> answer(h.request(), h.bodyLength()));
    });
  }

  private void answer(HttpServerRequest req, long bodyLength) {
    JsonObject headers = new JsonObject();
    for (Map.Entry<String, String> h : req.headers()) {
      String name = h.getKey().toLowerCase();
      JsonArray values = headers.getJsonArray(name);
      if (values == null) {
        values = new JsonArray();
        headers.put(name, values);
      }
      values.add(h.getValue());
    }
    JsonObject body = new JsonObject()
        .put("port", port())
        .put("version", req.version().name())
        .put("ssl", req.isSSL())
        .put("method", req.method().name())
        .put("uri", req.uri())
        .put("authority", req.authority() == null ? null : req.authority().toString())
        .put("headers", headers)
        .put("bodyLength", bodyLength);
    var response = req.response().putHeader("content-type", "application/json");
    for (String t : req.headers().getAll("x-trailer")) {
      int eq = t.indexOf('=');
      response.trailers().add(t.substring(0, eq), t.substring(eq + 1));
    }
    if (!response.trailers().isEmpty()) {
      response.setChunked(true);
    }
    open.decrementAndGet();
    response.end(body.toBuffer());
  }

  public int port() {
    return server.actualPort();
  }

  public String address() {
    return "127.0.0.1:" + port();
  }

  /** Connections accepted so far. */
  public int connections() {
    return connections.get();
  }

  /** The most requests that were open at the same time. */
  public int mostOpen() {
    return mostOpen.get();
  }

  public Future<Void> close() {
    return server.close();
  }
}
