package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.upstream.Backend;
import cloud.locci.proxy.core.upstream.SelectionContext;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.Pipe;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one client request to a server of its {@link Target} and streams the answer back, with
 * back-pressure both ways and the header rules of {@link HeaderRules}. Shared by both modes; one per
 * proxy verticle instance (it uses that instance's pooled {@link HttpClient}).
 *
 * <p>Failures before the upstream's response head become the proxy's own JSON error (502/503/504 with
 * a reason word); failures after it reset the client connection, since the status is already sent.
 * Idempotent requests are retried on another server when the failure happened before anything of
 * theirs could have been processed (connect failure, or a bodiless request whose connection broke
 * before the head).
 */
public final class Forwarder {

  private static final Logger log = LoggerFactory.getLogger(Forwarder.class);

  private final UpstreamClients clients;
  private final ExchangeListener listener;

  public Forwarder(UpstreamClients clients, ExchangeListener listener) {
    this.clients = clients;
    this.listener = listener;
  }

  /**
   * Forwards {@code request} (paused by the caller, so no body byte is lost) to {@code target}.
   * Never fails: every outcome ends in a response or a reset, and in one call of the listener.
   */
  public void forward(Exchange exchange, Target target) {
    exchange.upstream(target.group().name());
    new Attempt(exchange, target, List.of()).start();
  }

  /**
   * Answers {@code exchange} with a proxy-made error and reports it. For requests that never reach
   * {@link #forward} (no route, 405, middleware refusals).
   */
  public Future<Void> reject(Exchange exchange, Reason reason, String message, MultiMap headers) {
    exchange.reason(reason);
    if (exchange.hasResponseHeaders()) {
      HeaderRules.overlay(exchange.request().response().headers(), exchange.responseHeaders());
    }
    return ErrorResponses.send(exchange.request(), reason, message, headers)
        .andThen(ar -> finish(exchange));
  }

  /** Answers {@code exchange} with {@code status}, no body and {@code headers}, without the upstream. */
  public Future<Void> respond(Exchange exchange, int status, MultiMap headers) {
    HttpServerResponse response = exchange.request().response();
    exchange.request().resume();
    if (exchange.hasResponseHeaders()) {
      HeaderRules.overlay(response.headers(), exchange.responseHeaders());
    }
    if (headers != null) {
      HeaderRules.overlay(response.headers(), headers);
    }
    return response.setStatusCode(status).end().andThen(ar -> finish(exchange));
  }

  private void finish(Exchange exchange) {
    if (exchange.complete()) {
      listener.onComplete(exchange);
    }
  }

  /** One try on one server; a retry is a new Attempt that avoids the servers already tried. */
  private final class Attempt extends SilenceWatch.Watched implements SelectionContext {

    private final Exchange exchange;
    private final HttpServerRequest request;
    private final Target target;
    private final List<Backend> tried;
    private Backend backend;
    private ConnectionPool pool;
    private HttpClientConnection connection;
    private HttpClientRequest upstreamRequest;
    private boolean requestSent;
    private boolean bodySent;
    private long sentNanos;
    private boolean backendReleased;

    Attempt(Exchange exchange, Target target, List<Backend> tried) {
      this.exchange = exchange;
      this.request = exchange.request();
      this.target = target;
      this.tried = tried;
    }

    void start() {
      Optional<Backend> selected = target.group().select(this, tried);
      if (selected.isEmpty()) {
        reject(exchange, Reason.NO_HEALTHY_UPSTREAM,
            "no healthy server in upstream \"" + target.group().name() + "\"", null);
        return;
      }
      backend = selected.get();
      exchange.backend(backend);
      backend.stats().begin();
      UpstreamConfig upstream = target.group().config();
      pool = clients.pool(upstream, backend);
      pool.acquire(TimeUnit.SECONDS.toMillis(upstream.connectTimeoutSecs())).onComplete(ar -> {
        if (ar.failed()) {
          failed(ar.cause());
          return;
        }
        connection = ar.result();
        // No Vert.x idle timeout: the route timeout is SilenceWatch's, over the whole exchange.
        connection.request(new RequestOptions()
                .setMethod(request.method())
                .setURI(target.uri()))
            .onComplete(this::connected);
      });
    }

    private void connected(AsyncResult<HttpClientRequest> ar) {
      if (ar.failed()) {
        failed(ar.cause());
        return;
      }
      upstreamRequest = ar.result();
      HttpServerResponse response = request.response();
      if (response.closed()) {
        // The client left while we were connecting: nothing was sent, the connection can serve another.
        upstreamRequest.reset();
        pool.discard(connection);
        releaseBackend();
        finish(exchange);
        return;
      }
      response.closeHandler(v -> {
        if (!response.ended()) {
          upstreamRequest.reset();
        }
      });
      MultiMap out = upstreamRequest.headers();
      boolean webSocket = request.canUpgradeToWebSocket();
      HeaderRules.copyRequestHeaders(request.headers(), out, webSocket);
      HostAndPort authority = request.authority();
      upstreamRequest.authority(authority != null ? authority
          : HostAndPort.create(backend.address().host(), backend.address().port()));
      HeaderRules.setForwarded(request, out);
      exchange.applyUpstreamHeaders(out);
      sentNanos = System.nanoTime();
      clients.silence().watch(this, target.timeoutMs());
      if (webSocket) {
        upstreamRequest.connect().onComplete(this::upgraded);
        return;
      }
      if (hasBody()) {
        bodySent = true;
        if (!out.contains(HttpHeaders.CONTENT_LENGTH)) {
          upstreamRequest.setChunked(true);
        }
        Pipe<Buffer> pipe = request.pipe();
        pipe.endOnFailure(false);
        pipe.to(SilenceWatch.touching(upstreamRequest, this, false)).onComplete(sent -> {
          if (sent.succeeded()) {
            requestSent = true;
          } else {
            upstreamRequest.reset(0, sent.cause());
          }
        });
      } else {
        request.resume();
        upstreamRequest.end().onSuccess(v -> requestSent = true);
      }
      upstreamRequest.response().onComplete(this::answered);
    }

    private boolean hasBody() {
      if (request.version() == HttpVersion.HTTP_2) {
        return !request.isEnded();
      }
      String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
      if (length != null) {
        return !length.equals("0");
      }
      return request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
    }

    private void answered(AsyncResult<HttpClientResponse> ar) {
      if (ar.failed()) {
        failed(ar.cause());
        return;
      }
      HttpClientResponse upstream = ar.result();
      touch();
      target.group().reportSuccess(backend);
      exchange.upstreamNanos(System.nanoTime() - sentNanos);
      HttpServerResponse response = request.response();
      if (response.closed()) {
        upstreamRequest.reset();
        pool.discard(connection);
        releaseBackend();
        finish(exchange);
        return;
      }
      response.setStatusCode(upstream.statusCode());
      String message = upstream.statusMessage();
      if (message != null && !message.isEmpty()) {
        response.setStatusMessage(message);
      }
      HeaderRules.copyResponseHeaders(upstream.headers(), response.headers(), false);
      if (exchange.hasResponseHeaders()) {
        HeaderRules.overlay(response.headers(), exchange.responseHeaders());
      }
      if (!upstream.headers().contains(HttpHeaders.CONTENT_LENGTH) && mayHaveBody(upstream.statusCode())
          && request.version() != HttpVersion.HTTP_1_0) {
        response.setChunked(true);
      }
      Pipe<Buffer> pipe = upstream.pipe();
      pipe.endOnFailure(false);
      pipe.to(SilenceWatch.touching(response, this, true)).onComplete(done -> {
        releaseBackend();
        if (done.succeeded() && requestSent && reusable(upstream)) {
          pool.release(connection);
        } else {
          pool.discard(connection);
        }
        if (done.failed()) {
          log.debug("response from {} for {} {} cut: {}", backend, request.method(), request.uri(),
              done.cause().toString());
          upstreamRequest.reset();
          response.reset();
        }
        finish(exchange);
      });
    }

    /**
     * The upstream answered a WebSocket handshake. On 101 the two connections become one tunnel of
     * raw bytes, each side closing the other; the exchange is reported then (status 101). Any other
     * answer is relayed like a normal response.
     */
    private void upgraded(AsyncResult<HttpClientResponse> ar) {
      if (ar.failed() || ar.result().statusCode() != 101) {
        answered(ar);
        return;
      }
      HttpClientResponse upstream = ar.result();
      String invalid = WebSocketHandshake.problem(request.headers(), upstream.headers());
      if (invalid != null) {
        log.debug("WebSocket upgrade of {} refused: {} ({})", request.uri(), invalid, backend);
        upstream.exceptionHandler(t -> { }); // closing the connection below is what ends this response
        pool.discard(connection);
        releaseBackend();
        reject(exchange, Reason.UPSTREAM_PROTOCOL, invalid + " (" + backend + ")", null);
        return;
      }
      clients.silence().unwatch(this); // a tunnel may be quiet for as long as its two ends like
      exchange.upstreamNanos(System.nanoTime() - sentNanos);
      HttpServerResponse response = request.response();
      response.setStatusCode(101);
      HeaderRules.copyResponseHeaders(upstream.headers(), response.headers(), true);
      if (exchange.hasResponseHeaders()) {
        HeaderRules.overlay(response.headers(), exchange.responseHeaders());
      }
      pool.detach(connection);
      NetSocket upstreamSocket = upstream.netSocket();
      request.toNetSocket().onComplete(client -> {
        if (client.failed()) {
          log.debug("WebSocket upgrade of {} failed on the client side: {}", request.uri(), client.cause().toString());
          upstreamSocket.close();
          releaseBackend();
          finish(exchange);
          return;
        }
        NetSocket clientSocket = client.result();
        clientSocket.closeHandler(v -> upstreamSocket.close());
        upstreamSocket.closeHandler(v -> {
          clientSocket.close();
          releaseBackend();
        });
        clientSocket.pipeTo(upstreamSocket);
        upstreamSocket.pipeTo(clientSocket);
        finish(exchange);
      });
    }

    /** The upstream keeps the connection open after this response (HTTP/1.1 without Connection: close). */
    @Override
    void silent(long limitMillis) {
      // Fails the response future before the head (-> 504 or a retry), or the body pipe after it
      // (-> the client connection is cut); the connection is closed either way.
      upstreamRequest.reset(0, new java.util.concurrent.TimeoutException(
          "no data from " + backend + " for " + limitMillis + " ms (timeout_secs)"));
    }

    private boolean reusable(HttpClientResponse upstream) {
      if (upstream.version() != HttpVersion.HTTP_1_1) {
        return false;
      }
      String c = upstream.getHeader(HttpHeaders.CONNECTION);
      return c == null || !HttpHeaderValues.CLOSE.contentEqualsIgnoreCase(c.trim()) && !c.contains("close");
    }

    private boolean mayHaveBody(int status) {
      return request.method() != HttpMethod.HEAD && status >= 200 && status != 204 && status != 304;
    }

    /** Before the response head: retry elsewhere when safe, else answer with the matching error. */
    private void failed(Throwable cause) {
      releaseBackend();
      if (connection != null) {
        pool.discard(connection);
      }
      Reason reason = classify(cause);
      if (reason == Reason.UPSTREAM_TLS) {
        TlsFailureLog.report(target.group().name(), backend, cause);
      } else {
        log.debug("{} {} to {} failed ({}): {}", request.method(), request.uri(), backend, reason.word(),
            cause.toString());
      }
      if (!request.response().closed()) {
        // The client leaving (which resets the upstream request) is not the server's fault.
        target.group().reportFailure(backend, reason.word());
      }
      if (request.response().closed()) {
        finish(exchange);
        return;
      }
      if (mayRetry()) {
        List<Backend> avoid = new ArrayList<>(tried);
        avoid.add(backend);
        new Attempt(exchange, target, avoid).start();
        return;
      }
      reject(exchange, reason, reason.message() + " (" + backend + ")", null);
    }

    private boolean mayRetry() {
      return tried.size() < target.retries() && isIdempotent(request.method()) && !bodySent;
    }

    private void releaseBackend() {
      clients.silence().unwatch(this);
      if (!backendReleased) {
        backendReleased = true;
        backend.stats().end();
      }
    }

    @Override
    public String clientIp() {
      SocketAddress remote = request.remoteAddress();
      return remote == null ? "" : remote.hostAddress();
    }

    @Override
    public String path() {
      return request.path();
    }

    @Override
    public String header(String name) {
      return request.getHeader(name);
    }
  }

  static boolean isIdempotent(HttpMethod m) {
    return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS || m == HttpMethod.PUT
        || m == HttpMethod.DELETE || m == HttpMethod.TRACE;
  }

  /** Maps a failure talking to the upstream to the reason word users see (SPEC §4). */
  static Reason classify(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof java.util.concurrent.TimeoutException
          || t instanceof io.netty.channel.ConnectTimeoutException) {
        return Reason.UPSTREAM_TIMEOUT;
      }
      if (t instanceof javax.net.ssl.SSLException) {
        return Reason.UPSTREAM_TLS;
      }
      if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
          || t instanceof java.net.NoRouteToHostException) {
        return Reason.UPSTREAM_REFUSED;
      }
    }
    return Reason.UPSTREAM_RESET;
  }
}
