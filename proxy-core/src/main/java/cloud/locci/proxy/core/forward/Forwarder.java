package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.config.ServerConfig;
import cloud.locci.proxy.core.grpc.GrpcRouteWarnings;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.util.concurrent.TimeUnit;

/**
 * Sends one client request to a server of its {@link Target} and streams the answer back, with
 * back-pressure both ways and the header rules of {@link HeaderRules}. Shared by both modes; one per
 * proxy verticle instance (it uses that instance's {@link UpstreamClients}). Each forwarded request is
 * driven by one {@link ExchangeDriver}.
 *
 * <p>Failures before the upstream's response head become the proxy's own JSON error (502/503/504 with
 * a reason word); failures after it reset the client connection, since the status is already sent.
 * A failed connect goes on to another server of the group (any method, each server once); a request
 * that failed on a reused keep-alive connection before any response byte is sent once more on a fresh
 * one; the route's {@code retries} cover the rest ({@link RetryPolicy}).
 */
public final class Forwarder {

  /**
   * What the proxy allows a client, from the {@code server} section of one config version.
   *
   * @param bodyTimeoutMs the longest wait for a request body byte ({@code server.body_timeout_secs})
   * @param idleTimeoutMs the longest wait for the client to accept a response byte, and the idle limit of
   *     a WebSocket tunnel ({@code server.idle_timeout_secs})
   * @param maxBodySize request body bytes allowed when the route sets none; 0 is unlimited
   */
  public record ClientLimits(long bodyTimeoutMs, long idleTimeoutMs, long maxBodySize) {

    public static ClientLimits of(ServerConfig server) {
      return new ClientLimits(TimeUnit.SECONDS.toMillis(server.bodyTimeoutSecs()),
          TimeUnit.SECONDS.toMillis(server.idleTimeoutSecs()), server.maxBodySize().orElse(0L));
    }
  }

  /**
   * The largest body chunk handed on at once, both ways: Netty's decoders cut bodies into chunks of at
   * most this size, and every chunk is one write (one send syscall) on the other side.
   */
  public static final int MAX_CHUNK_SIZE = UpstreamClients.MAX_CHUNK_SIZE;

  private final UpstreamClients clients;
  private final ExchangeListener listener;

  /**
   * The forwarder of one proxy instance, with its own upstream connections; created on the instance's
   * event loop, used only there.
   *
   * @param instances the number of proxy instances of the process, which share each upstream's
   *     {@code max_connections_per_server}
   * @param listener hears of every finished exchange
   */
  public Forwarder(Vertx vertx, int instances, ExchangeListener listener) {
    this(new UpstreamClients(vertx, instances), listener);
  }

  Forwarder(UpstreamClients clients, ExchangeListener listener) {
    this.clients = clients;
    this.listener = listener;
  }

  /** Closes the upstream connections (the instance stops). */
  public Future<Void> close() {
    return clients.close();
  }

  /**
   * Forwards {@code request} (paused by the caller, so no body byte is lost) to {@code target}.
   * Never fails: every outcome ends in a response or a reset, and in one call of the listener.
   */
  public void forward(Exchange exchange, Target target, ClientLimits limits) {
    exchange.upstream(target.group().name());
    exchange.upstreamProtocol(Protocols.upstream(target.group()));
    GrpcRouteWarnings.onRequest(exchange.request(), target.route(), target.group().name(), exchange.upstreamProtocol());
    long maxBody = target.maxBodySize() >= 0 ? target.maxBodySize() : limits.maxBodySize();
    if (maxBody > 0 && declaredLength(exchange.request()) > maxBody) {
      // Refused before anything is read or connected; the body the client may still send is not read.
      reject(exchange, Reason.BODY_TOO_LARGE, "request body of " + declaredLength(exchange.request())
          + " bytes is over " + maxBody + " (max_body_size)", closeHeader(exchange.request()), true);
      return;
    }
    new ExchangeDriver(this, clients, exchange, target, limits, maxBody).start();
  }

  /**
   * Answers {@code exchange} with a proxy-made error and reports it. For requests that never reach
   * {@link #forward} (no route, 405, middleware refusals).
   */
  public Future<Void> reject(Exchange exchange, Reason reason, String message, MultiMap headers) {
    // A client that announced a body and waits for 100 Continue never gets it: its body is not wanted,
    // and whether it sends it anyway is unknown, so the connection ends with this answer.
    boolean close = expectsContinue(exchange.request()) && !exchange.request().isEnded();
    if (close) {
      MultiMap extra = MultiMap.caseInsensitiveMultiMap();
      if (headers != null) {
        extra.addAll(headers);
      }
      extra.set(HttpHeaders.CONNECTION, HttpHeaderValues.CLOSE);
      headers = extra;
    }
    return reject(exchange, reason, message, headers, close);
  }

  /**
   * Like {@link #reject(Exchange, Reason, String, MultiMap)}; with {@code close}, the client connection
   * is closed once the answer is sent and the rest of the request body is not read.
   */
  Future<Void> reject(Exchange exchange, Reason reason, String message, MultiMap headers, boolean close) {
    exchange.reason(reason);
    HttpServerRequest request = exchange.request();
    if (!request.response().headWritten()) {
      exchange.applyResponseHeaders(request.response().headers());
    }
    Future<Void> sent = close ? ErrorResponses.sendWithoutReading(request, reason, message, headers, exchange.requestId())
        : ErrorResponses.send(request, reason, message, headers, exchange.requestId());
    return sent.andThen(ar -> {
      if (close && request.version() != HttpVersion.HTTP_2) {
        request.connection().close().onComplete(closed -> releaseHeldBody(request));
      }
      finish(exchange);
    });
  }

  /**
   * The client connection of {@code request} closed with the request body not read to its end: resumes
   * the request so that what the paused connection read meanwhile is handed on and released. Vert.x 5.1
   * keeps it as pooled buffers and releases them only when they are handed on, never on close
   * ({@code VertxBufferOwnershipTest.aPausedRequestResumedWhenItsConnectionClosesReleasesTheInputItHeld});
   * the exchange being over, nothing takes them and they are dropped.
   */
  static void releaseHeldBody(HttpServerRequest request) {
    if (!request.isEnded()) {
      request.resume();
    }
  }

  /** Answers {@code exchange} with {@code status}, no body and {@code headers}, without the upstream. */
  public Future<Void> respond(Exchange exchange, int status, MultiMap headers) {
    HttpServerResponse response = exchange.request().response();
    exchange.request().resume();
    exchange.applyResponseHeaders(response.headers());
    if (headers != null) {
      HeaderRules.overlay(response.headers(), headers);
    }
    return response.setStatusCode(status).end().andThen(ar -> finish(exchange));
  }

  void finish(Exchange exchange) {
    if (exchange.complete()) {
      listener.onComplete(exchange);
    }
  }

  private static MultiMap closeHeader(HttpServerRequest request) {
    return request.version() == HttpVersion.HTTP_2 ? null
        : MultiMap.caseInsensitiveMultiMap().add(HttpHeaders.CONNECTION, HttpHeaderValues.CLOSE);
  }

  private static boolean expectsContinue(HttpServerRequest request) {
    String expect = request.getHeader(HttpHeaders.EXPECT);
    return expect != null && request.version() == HttpVersion.HTTP_1_1
        && HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim());
  }

  /** The request's Content-Length, or -1 (absent or not a number: the decoder refused those already). */
  private static long declaredLength(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length == null) {
      return -1;
    }
    try {
      return Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
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
