package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.policy.HeaderEdits;
import cloud.locci.proxy.core.policy.HeaderTemplate;
import cloud.locci.proxy.core.policy.RequestIds;
import cloud.locci.proxy.core.tracing.RequestSpan;
import cloud.locci.proxy.core.upstream.Backend;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * What happened to one request, filled in as it goes through the proxy and handed to the
 * {@link ExchangeListener} once, when the response is over (access log, metrics). Confined to the
 * event loop of its connection.
 */
public final class Exchange implements HeaderTemplate.Values {

  private final HttpServerRequest request;
  private final long startNanos;
  private String route = "";
  private String upstream = "";
  private String upstreamProtocol = "";
  private Backend backend;
  private long upstreamNanos = -1;
  private Reason reason;
  private int attempts;
  private boolean completed;
  private MultiMap responseHeaders;
  private MultiMap upstreamSet;
  private List<String> upstreamRemoved;
  private String authSubject;
  private RequestSpan trace = RequestSpan.NONE;
  private List<FailedAttempt> failedAttempts;
  private ClientIdle idle;
  private boolean tunnel;
  private ResponseTransform transform;
  private ResponseTransform.Body transformed;
  private RequestTap tap = RequestTap.NONE;
  private String requestId;
  private String clientIp;
  private HeaderEdits requestEdits = HeaderEdits.NONE;
  private HeaderEdits responseEdits = HeaderEdits.NONE;
  private boolean inputHeld = true;

  /**
   * One attempt that failed before its server's response head (the exchange then tried again or gave up).
   *
   * @param backend the server of that attempt
   * @param reason what went wrong, as a reason word
   */
  public record FailedAttempt(Backend backend, Reason reason) {}

  public Exchange(HttpServerRequest request, long startNanos) {
    this.request = request;
    this.startNanos = startNanos;
  }

  public HttpServerRequest request() {
    return request;
  }

  /**
   * Whether anything may follow {@code request}'s head that must wait until the exchange can take it: a
   * body (HTTP/1.x: a Content-Length other than 0, or a Transfer-Encoding; every HTTP/2 stream, whose end
   * comes as a frame of its own), or the bytes after an upgrade. Only such a request is paused on arrival:
   * pausing creates the request's inbound queue in Vert.x, which a bodyless HTTP/1.x request (almost every
   * GET) otherwise never needs.
   */
  public static boolean inputMayFollow(HttpServerRequest request) {
    return request.version() == HttpVersion.HTTP_2 || ExchangeDriver.hasBody(request)
        || request.headers().contains(HttpHeaders.UPGRADE);
  }

  /** Whether the request was paused on arrival ({@link #inputMayFollow}); true unless said otherwise. */
  public boolean inputHeld() {
    return inputHeld;
  }

  public void inputHeld(boolean held) {
    this.inputHeld = held;
  }

  public long startNanos() {
    return startNanos;
  }

  /** The route name; {@code ""} when none (load-balancer mode or no match). */
  @Override
  public String route() {
    return route;
  }

  public void route(String name) {
    this.route = name;
  }

  /** The upstream group name; {@code ""} when the request never got that far. */
  @Override
  public String upstream() {
    return upstream;
  }

  public void upstream(String name) {
    this.upstream = name;
  }

  /**
   * The protocol spoken to the upstream ({@link Protocols}: {@code http1}, {@code h2c}, {@code h2});
   * {@code ""} when the request never got that far.
   */
  public String upstreamProtocol() {
    return upstreamProtocol;
  }

  void upstreamProtocol(String protocol) {
    this.upstreamProtocol = protocol;
  }

  /** The protocol the client spoke ({@link Protocols}: {@code http1}, {@code h2c}, {@code h2}). */
  public String clientProtocol() {
    return Protocols.client(request);
  }

  /** The server of the last attempt, or null. */
  public Backend backend() {
    return backend;
  }

  void backend(Backend b) {
    this.backend = b;
    this.attempts++;
  }

  /**
   * Number of attempts made: servers tried, plus a resend on a fresh connection after a reused one
   * failed. 0 when the request never reached the upstream stage.
   */
  public int attempts() {
    return attempts;
  }

  /** The attempts that failed, in order; the last attempt is among them only if it failed too. */
  public List<FailedAttempt> failedAttempts() {
    return failedAttempts == null ? List.of() : failedAttempts;
  }

  void attemptFailed(Backend b, Reason r) {
    if (failedAttempts == null) {
      failedAttempts = new ArrayList<>(2);
    }
    failedAttempts.add(new FailedAttempt(b, r));
  }

  /** Whether the last attempt failed before its response head (then {@link #reason()} says why). */
  public boolean lastAttemptFailed() {
    return failedAttempts != null && failedAttempts.size() == attempts;
  }

  /** The idle clock of the client connection; this exchange counts as in flight on it until it ends. */
  public void idle(ClientIdle clock) {
    this.idle = clock;
    clock.begin();
  }

  /** The exchange became a WebSocket tunnel: the connection's idle clock leaves it to the tunnel's. */
  void tunnel() {
    this.tunnel = true;
    if (idle != null) {
      idle.tunnel();
    }
  }

  /** Nanoseconds from sending to the upstream until its response head arrived; -1 when it never did. */
  public long upstreamNanos() {
    return upstreamNanos;
  }

  void upstreamNanos(long nanos) {
    this.upstreamNanos = nanos;
  }

  /** Why the proxy answered itself, or null when the upstream answered. */
  public Reason reason() {
    return reason;
  }

  public void reason(Reason r) {
    this.reason = r;
  }

  /**
   * Headers added to the client's response whoever answers (upstream or proxy), set by middlewares
   * (CORS, rate-limit headers). Created on first use.
   */
  public MultiMap responseHeaders() {
    if (responseHeaders == null) {
      responseHeaders = MultiMap.caseInsensitiveMultiMap();
    }
    return responseHeaders;
  }

  boolean hasResponseHeaders() {
    return responseHeaders != null && !responseHeaders.isEmpty();
  }

  /** The {@code sub} an authentication middleware verified for this request, or null. */
  public String authSubject() {
    return authSubject;
  }

  /** Records the verified subject (authentication middleware), for middlewares after it. */
  public void authSubject(String subject) {
    this.authSubject = subject;
  }

  /** Sends {@code name: value} to the upstream, replacing whatever the client sent under that name. */
  public void setUpstreamHeader(String name, String value) {
    if (upstreamSet == null) {
      upstreamSet = MultiMap.caseInsensitiveMultiMap();
    }
    upstreamSet.set(name, value);
  }

  /** Keeps the client's {@code name} header from the upstream (and forgets an earlier set). */
  public void removeUpstreamHeader(String name) {
    if (upstreamRemoved == null) {
      upstreamRemoved = new ArrayList<>(2);
    }
    upstreamRemoved.add(name);
    if (upstreamSet != null) {
      upstreamSet.remove(name);
    }
  }

  /**
   * Applies the middlewares' header changes, the request id and the route's {@code request_headers} to the
   * headers about to go upstream.
   */
  void applyUpstreamHeaders(MultiMap out) {
    if (upstreamRemoved != null) {
      upstreamRemoved.forEach(out::remove);
    }
    if (upstreamSet != null) {
      HeaderRules.overlay(out, upstreamSet);
    }
    if (requestId != null) {
      out.set(RequestIds.HEADER, requestId);
    }
    if (!requestEdits.isEmpty()) {
      requestEdits.apply(out, this);
    }
  }

  /**
   * Applies what every answer to this request carries, whoever makes it (upstream or proxy): the
   * middlewares' {@link #responseHeaders()}, the request id and the route's {@code response_headers}.
   */
  void applyResponseHeaders(MultiMap target) {
    if (hasResponseHeaders()) {
      HeaderRules.overlay(target, responseHeaders);
    }
    if (requestId != null) {
      target.set(RequestIds.HEADER, requestId);
    }
    if (!responseEdits.isEmpty()) {
      responseEdits.apply(target, this);
    }
  }

  /** The request id (SPEC §11); null only before the proxy verticle assigned it. */
  @Override
  public String requestId() {
    return requestId;
  }

  /** Set once, by the proxy verticle, when the request arrives. */
  public void requestId(String id) {
    this.requestId = id;
  }

  /** The route's header rules for this request (set by the gateway when a route matched). */
  public void headerEdits(HeaderEdits request, HeaderEdits response) {
    this.requestEdits = request;
    this.responseEdits = response;
  }

  /** The client's address as the TCP peer ({@code ${client_ip}}); "" when unknown. */
  @Override
  public String clientIp() {
    if (clientIp == null) {
      // Kept by the connection's idle clock when there is one: formatted once per connection.
      clientIp = idle != null ? idle.clientIp() : hostAddress(request.remoteAddress());
    }
    return clientIp;
  }

  /** {@code remote.hostAddress()}, or "" when there is no address. */
  static String hostAddress(SocketAddress remote) {
    String ip = remote == null ? null : remote.hostAddress();
    return ip == null ? "" : ip;
  }

  /** The request's server span; {@link RequestSpan#NONE} when tracing is off. */
  public RequestSpan trace() {
    return trace;
  }

  /** Set once, by the proxy verticle, when the request arrives. */
  public void trace(RequestSpan span) {
    this.trace = span;
  }

  /** Lets {@code t} change the upstream's response (a compression middleware); the last one set applies. */
  public void responseTransform(ResponseTransform t) {
    this.transform = t;
  }

  /**
   * The stream the upstream's response body goes to: {@code body}, or what the response transform put in
   * its place (it may change {@code headers} too). Called once, when the response head is in.
   */
  io.vertx.core.streams.WriteStream<io.vertx.core.buffer.Buffer> responseBody(int status, MultiMap headers,
      io.vertx.core.streams.WriteStream<io.vertx.core.buffer.Buffer> body) {
    if (transform == null) {
      return body;
    }
    transformed = transform.apply(request, status, headers, body);
    return transformed == null ? body : transformed;
  }

  /** Lets {@code t} see the request as it is forwarded (a route's mirror). */
  public void requestTap(RequestTap t) {
    this.tap = t;
  }

  /** The request tap; {@link RequestTap#NONE} when nothing watches. */
  RequestTap requestTap() {
    return tap;
  }

  /** Marks the exchange over; true only the first time, so listeners hear of it once. */
  boolean complete() {
    if (completed) {
      return false;
    }
    completed = true;
    if (transformed != null) {
      transformed.release();
    }
    tap.exchangeOver();
    if (idle != null && !tunnel) {
      idle.end();
    }
    return true;
  }
}
