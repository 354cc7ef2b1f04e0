package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.config.UpstreamConfig;
import cloud.locci.proxy.core.grpc.GrpcDeadline;
import cloud.locci.proxy.core.grpc.GrpcErrors;
import cloud.locci.proxy.core.tracing.AttemptSpan;
import cloud.locci.proxy.core.upstream.Backend;
import cloud.locci.proxy.core.upstream.SelectionContext;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.AsyncResult;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one client request through its upstream attempts, phase by phase ({@link Phase}): select a
 * server, connect, send, await the head, stream the body (or tunnel a WebSocket), done.
 *
 * <p>Whatever ends the exchange early (a failure of either side, a timeout, the client leaving, an
 * exception thrown anywhere in it) goes through one abort path, {@link #abort}, which knows the phase
 * and the side that failed. It releases what the attempt holds (the pooled connection, the server's
 * in-flight count, the route timeout), asks {@link RetryPolicy} whether another attempt follows, and
 * otherwise answers the client with the proxy's JSON error if nothing was sent yet, or cuts it.
 *
 * <p>Each attempt runs on a {@link UpstreamTransport.Lease} (a connection on HTTP/1.1, a stream on
 * HTTP/2), with the {@link HeaderMapper} of the client's and the lease's protocols. Bodies move through
 * {@link BodyRelay}s, which tell the {@link SilenceWatch} who owes bytes.
 *
 * <p>Confined to the event loop of the client connection. Callbacks of an earlier attempt are ignored
 * (each carries its attempt number).
 */
final class ExchangeDriver extends SilenceWatch.Watched implements SelectionContext, BodyRelay.Events {

  private static final Logger log = LoggerFactory.getLogger(ExchangeDriver.class);

  /**
   * The options every upstream request is created with (Vert.x only reads them, never keeps or changes
   * them; this one is never changed either): method and URI are set on the request itself in
   * {@link #send}, which saves a {@code RequestOptions} per request.
   */
  private static final RequestOptions DEFAULT_REQUEST = new RequestOptions();

  private final Forwarder forwarder;
  private final UpstreamClients clients;
  private final Exchange exchange;
  private final HttpServerRequest request;
  private final Target target;
  private final Forwarder.ClientLimits limits;
  private final long maxBody;
  private final boolean hasBody;
  /**
   * Servers whose attempt failed; connect failover tries each server at most once. Made on the first
   * failure: most exchanges have none.
   */
  private List<Backend> failed = List.of();

  private Phase phase = Phase.SELECT;
  private int attempt;
  private int retriesUsed;
  private boolean freshUsed;

  /** The client's request body, once relayed to an attempt (kept across attempts). */
  private BodyRelay requestBody;
  private boolean continueSent;
  private boolean clientEnded;

  // The current attempt.
  private Backend backend;
  private boolean backendHeld;
  private UpstreamTransport.Lease lease;
  private HeaderMapper mapper;
  private HttpClientRequest upstreamRequest;
  private BodyRelay responseBody;
  private boolean requestSent;
  private long sentNanos;
  private NetSocket clientSocket;
  private NetSocket upstreamSocket;
  private AttemptSpan span = AttemptSpan.NONE;
  /** The gRPC client's deadline when shorter than the route timeout (SPEC §12), or null. */
  private GrpcDeadline deadline;

  ExchangeDriver(Forwarder forwarder, UpstreamClients clients, Exchange exchange, Target target,
      Forwarder.ClientLimits limits, long maxBody) {
    this.forwarder = forwarder;
    this.clients = clients;
    this.exchange = exchange;
    this.request = exchange.request();
    this.target = target;
    this.limits = limits;
    this.maxBody = maxBody;
    // A request not held on arrival was found bodyless then (Exchange.inputMayFollow): no second look.
    this.hasBody = exchange.inputHeld() && hasBody(request);
    clientLimits(limits.bodyTimeoutMs(), limits.idleTimeoutMs());
  }

  void start() {
    HttpServerResponse response = request.response();
    response.closeHandler(v -> {
      if (!response.ended()) {
        run(attempt, () -> abort(Side.CLIENT, null, null));
      }
      Forwarder.releaseHeldBody(request);
    });
    if (request.getHeader(GrpcDeadline.HEADER) != null) { // no callback made for the calls without one
      deadline = GrpcDeadline.start(request, target.timeoutMs(), () -> run(attempt, this::deadlinePassed));
    }
    try {
      if (!select(false)) {
        cancelDeadline();
        phase = Phase.DONE;
        forwarder.reject(exchange, Reason.NO_HEALTHY_UPSTREAM,
            "no healthy server in upstream \"" + target.group().name() + "\"", null, false);
      }
    } catch (RuntimeException e) {
      log.warn("{} {}: exchange failed in phase {}", request.method(), request.uri(), phase, e);
      abort(Side.PROXY, Reason.INTERNAL_ERROR, e);
    }
  }

  // ---- select and connect

  /**
   * Picks the next server and starts an attempt on it.
   *
   * @param untriedOnly connect failover: only servers not tried yet (each at most once)
   * @return false when no server is left (nothing started)
   */
  private boolean select(boolean untriedOnly) {
    phase = Phase.SELECT;
    Optional<Backend> next = untriedOnly ? target.group().selectUntried(this, failed)
        : target.group().select(this, failed);
    if (next.isEmpty()) {
      return false;
    }
    connect(next.get(), false);
    return true;
  }

  private void connect(Backend b, boolean fresh) {
    int my = ++attempt;
    phase = Phase.CONNECT;
    backend = b;
    exchange.backend(b);
    span = exchange.trace().attempt(b, my);
    b.stats().begin();
    backendHeld = true;
    lease = null;
    upstreamRequest = null;
    requestSent = false;
    // Callbacks of the request path are Completables (one lambda each, no Handler wrapper, no Runnable
    // for run()): they check the attempt themselves (current) and turn what they throw into an abort.
    clients.lease(target.group().config(), b, fresh, request.canUpgradeToWebSocket()).onComplete(
        (leased, failure) -> leased(my, leased, failure));
  }

  private void leased(int my, UpstreamTransport.Lease leased, Throwable failure) {
    if (my != attempt || phase != Phase.CONNECT) {
      // The exchange moved on (the client left): an unused lease goes back as it came.
      if (leased != null) {
        leased.recycle();
      }
      return;
    }
    try {
      if (failure != null) {
        abort(Side.UPSTREAM, Forwarder.classify(failure), failure);
        return;
      }
      lease = leased;
      phase = Phase.SEND;
      // No Vert.x idle timeout: the route timeout is SilenceWatch's, over the whole exchange. A request
      // that arrives after the exchange moved on is reset by the lease (abort() came first).
      lease.request(DEFAULT_REQUEST).onComplete((created, err) -> {
        if (current(my)) {
          try {
            send(my, created, err);
          } catch (RuntimeException e) {
            internalError(e);
          }
        }
      });
    } catch (RuntimeException e) {
      internalError(e);
    }
  }

  // ---- send

  private void send(int my, HttpClientRequest created, Throwable failure) {
    if (failure != null) {
      abort(Side.UPSTREAM, Forwarder.classify(failure), failure);
      return;
    }
    upstreamRequest = created;
    // What this connection speaks, which is not always the group's protocol: a WebSocket to an h2c/h2
    // group goes over HTTP/1.1, and an h2 server may pick http/1.1 by ALPN.
    exchange.upstreamProtocol(lease.protocol().yamlName());
    upstreamRequest.setMethod(request.method()).setURI(target.uri());
    MultiMap out = upstreamRequest.headers();
    // A WebSocket handshake needs HTTP/1.1 (no RFC 8441 CONNECT): it got an HTTP/1.1 lease even to an
    // h2c/h2 upstream (UpstreamClients.lease), so the multiplexed case is only a safety net.
    boolean webSocket = request.canUpgradeToWebSocket() && !lease.protocol().multiplexed();
    mapper = HeaderMapper.of(request.version(), lease.protocol());
    mapper.requestHeaders(request, out, webSocket);
    HostAndPort authority = request.authority();
    upstreamRequest.authority(authority != null ? authority
        : HostAndPort.create(backend.address().host(), backend.address().port()));
    HeaderRules.setForwarded(request, out, exchange.clientIp());
    exchange.applyUpstreamHeaders(out);
    span.inject(out);
    sentNanos = System.nanoTime();
    clients.silence().watch(this, target.timeoutMs());
    upstreamRequest.exceptionHandler(err -> run(my, () -> abort(Side.UPSTREAM, Forwarder.classify(err), err)));
    if (webSocket) {
      phase = Phase.AWAIT_HEAD;
      upstreamRequest.connect().onComplete((answer, err) -> {
        if (current(my)) {
          try {
            upgraded(my, answer, err);
          } catch (RuntimeException e) {
            internalError(e);
          }
        }
      });
      return;
    }
    upstreamRequest.response().onComplete((answer, err) -> {
      if (current(my)) {
        try {
          answered(my, answer, err);
        } catch (RuntimeException e) {
          internalError(e);
        }
      }
    });
    exchange.requestTap().head(request.method(), target.uri(), upstreamRequest.authority(), out, hasBody);
    if (!hasBody) {
      phase = Phase.AWAIT_HEAD;
      if (exchange.inputHeld()) {
        request.resume();
      }
      upstreamRequest.end().onComplete((v, err) -> sent(my, err));
      return;
    }
    if (!out.contains(HttpHeaders.CONTENT_LENGTH) && request.version() != HttpVersion.HTTP_2) {
      // An HTTP/2 client's body has no framing of its own: Vert.x chunks the upstream request at its
      // first data write, and a stream that ends without data goes out without a body (its END_STREAM
      // may still be queued behind the paused request, so hasBody cannot know it yet).
      upstreamRequest.setChunked(true);
    }
    if (clientEnded) {
      // An empty chunked body, already over before an earlier attempt failed (its trailers kept).
      phase = Phase.AWAIT_HEAD;
      RequestTrailers.end(upstreamRequest, requestBody != null ? requestBody.trailers() : BodyRelay.NO_TRAILERS, false)
          .onComplete((v, err) -> sent(my, err));
      return;
    }
    relayBody();
  }

  private void sent(int my, Throwable failure) {
    if (failure == null && my == attempt) {
      requestSent = true;
    }
  }

  /**
   * Streams the client's body to the current attempt's request with back-pressure both ways, counting
   * bytes against {@code max_body_size} and the client's silence against {@code body_timeout_secs}. The
   * relay is made once; each attempt becomes its sink.
   */
  private void relayBody() {
    if (requestBody == null) {
      requestBody = BodyRelay.request(request, this, this);
    }
    requestBody.to(upstreamRequest);
    relays(requestBody, null);
    if (!continueSent && expectsContinue()) {
      // Only now, after the middlewares accepted the request and a server took it (SPEC §15).
      continueSent = true;
      request.response().writeContinue();
    }
    requestBody.start();
  }

  // ---- BodyRelay.Events: both bodies and the tunnel report here

  @Override
  public boolean data(BodyRelay relay, Buffer chunk) {
    if (relay != requestBody) {
      return true;
    }
    if (maxBody > 0 && relay.bytes() > maxBody) {
      run(attempt, () -> abort(Side.CLIENT, Reason.BODY_TOO_LARGE, null));
      return false;
    }
    if (upstreamRequest == null || phase.compareTo(Phase.SEND) < 0 || phase == Phase.DONE) {
      run(attempt, () -> abort(Side.PROXY, Reason.INTERNAL_ERROR,
          new IllegalStateException("request body data in phase " + phase)));
      return false;
    }
    exchange.requestTap().chunk(chunk); // a mirror's copy, as the chunk goes upstream
    return true;
  }

  @Override
  public void sourceEnded(BodyRelay relay, MultiMap trailers) {
    if (relay == requestBody) {
      clientEnded = true;
      exchange.requestTap().end();
      if (phase == Phase.SEND) {
        phase = Phase.AWAIT_HEAD;
      }
    } else if (relay == responseBody && phase == Phase.STREAM) {
      Trailers.copy(trailers, request); // only to a client that can take them, without forbidden fields
    }
  }

  @Override
  public void ended(BodyRelay relay, WriteStream<Buffer> sink, AsyncResult<Void> end) {
    if (relay == requestBody) {
      if (end.succeeded() && sink == upstreamRequest) {
        requestSent = true;
      }
    } else if (relay == responseBody) {
      run(attempt, () -> responseEnded(end));
    }
  }

  @Override
  public void failed(BodyRelay relay, Throwable cause) {
    if (relay == requestBody) {
      run(attempt, () -> abort(Side.CLIENT, null, cause));
    } else if (relay == responseBody) {
      run(attempt, () -> {
        log.debug("response from {} for {} {} cut: {}", backend, request.method(), request.uri(), cause.toString());
        abort(Side.UPSTREAM, null, cause);
      });
    } else {
      run(attempt, () -> abort(Side.CLIENT, null, cause)); // a tunnel: both sides close
    }
  }

  // ---- the answer

  private void answered(int my, HttpClientResponse upstream, Throwable failure) {
    if (failure != null) {
      abort(Side.UPSTREAM, Forwarder.classify(failure), failure);
      return;
    }
    span.answered(upstream.statusCode());
    touch();
    target.group().reportSuccess(backend);
    exchange.upstreamNanos(System.nanoTime() - sentNanos);
    HttpServerResponse response = request.response();
    if (response.closed()) {
      abort(Side.CLIENT, null, null);
      return;
    }
    phase = Phase.STREAM;
    response.setStatusCode(upstream.statusCode());
    String message = upstream.statusMessage();
    if (message != null && !message.isEmpty() && !standardReason(upstream.statusCode(), message)) {
      // Only a reason phrase of the upstream's own: setting one builds a new Netty status per response.
      response.setStatusMessage(message);
    }
    mapper.responseHeaders(upstream.headers(), response.headers(), false);
    exchange.applyResponseHeaders(response.headers());
    // A response transform (compression) may replace the sink the relay writes to and drop Content-Length.
    WriteStream<Buffer> sink = exchange.responseBody(upstream.statusCode(), response.headers(), response);
    if (!response.headers().contains(HttpHeaders.CONTENT_LENGTH) && mayHaveBody(upstream.statusCode())
        && request.version() != HttpVersion.HTTP_1_0) {
      response.setChunked(true);
    }
    responseBody = BodyRelay.response(upstream, sink, this, this);
    relays(requestBody, responseBody);
    responseBody.start();
  }

  /** The response body went to the client to its end (or its end failed). */
  private void responseEnded(AsyncResult<Void> end) {
    if (end.failed()) {
      log.debug("response from {} for {} {} cut: {}", backend, request.method(), request.uri(),
          end.cause().toString());
      abort(Side.UPSTREAM, null, end.cause());
      return;
    }
    phase = Phase.DONE;
    cancelDeadline();
    clients.silence().unwatch(this);
    releaseBackend();
    if (requestSent) {
      lease.recycle();
    } else {
      lease.abort();
    }
    lease = null;
    forwarder.finish(exchange);
  }

  /**
   * The upstream answered a WebSocket handshake. On 101 the two connections become one tunnel of raw
   * bytes, each side closing the other, with its own idle limit ({@code server.idle_timeout_secs}); the
   * exchange is reported then (status 101). Any other answer is relayed like a normal response.
   */
  private void upgraded(int my, HttpClientResponse upstream, Throwable failure) {
    if (failure != null || upstream.statusCode() != 101) {
      answered(my, upstream, failure);
      return;
    }
    String invalid = WebSocketHandshake.problem(request.headers(), upstream.headers());
    if (invalid != null) {
      upstream.exceptionHandler(t -> { }); // discarding the connection is what ends this response
      abort(Side.UPSTREAM, Reason.UPSTREAM_PROTOCOL, new IllegalStateException(invalid));
      return;
    }
    span.answered(101);
    exchange.upstreamNanos(System.nanoTime() - sentNanos);
    HttpServerResponse response = request.response();
    response.setStatusCode(101);
    HeaderRules.copyResponseHeaders(upstream.headers(), response.headers(), true);
    exchange.applyResponseHeaders(response.headers());
    phase = Phase.TUNNEL;
    exchange.tunnel();
    lease.tunnel();
    upstreamSocket = upstream.netSocket();
    clients.silence().unwatch(this);
    relays(null, null);
    clients.silence().watch(this, limits.idleTimeoutMs());
    request.toNetSocket().onComplete(client -> run(my, () -> {
      if (client.failed()) {
        log.debug("WebSocket upgrade of {} failed on the client side: {}", request.uri(), client.cause().toString());
        abort(Side.CLIENT, null, client.cause());
        return;
      }
      clientSocket = client.result();
      NetSocket clientSide = clientSocket;
      NetSocket upstreamSide = upstreamSocket;
      clientSocket.closeHandler(v -> {
        run(my, () -> abort(Side.CLIENT, null, null));
        releaseHeldInput(clientSide);
      });
      upstreamSocket.closeHandler(v -> {
        run(my, () -> abort(Side.UPSTREAM, null, null));
        releaseHeldInput(upstreamSide);
      });
      BodyRelay.tunnel(clientSocket, upstreamSocket, this, this).start();
      BodyRelay.tunnel(upstreamSocket, clientSocket, this, this).start();
      forwarder.finish(exchange);
    }));
  }

  /**
   * A socket of the tunnel closed: resumes it so that input it holds while paused (the other side was
   * full) is handed on and released. Vert.x 5.1 keeps a paused connection's unread input as pooled
   * buffers and never releases them on close ({@code VertxBufferOwnershipTest}); resumed, it copies each
   * to the heap and releases it, and the relay, already finished, drops the copy.
   */
  private static void releaseHeldInput(NetSocket closed) {
    closed.resume();
  }

  // ---- timeouts

  @Override
  void silent(long limitMillis) {
    run(attempt, () -> {
      if (phase == Phase.TUNNEL) {
        log.debug("WebSocket tunnel of {} idle for {} ms: closed", request.uri(), limitMillis);
        abort(Side.CLIENT, null, null);
        return;
      }
      abort(Side.UPSTREAM, Reason.UPSTREAM_TIMEOUT,
          new TimeoutException("no data from " + backend + " for " + limitMillis + " ms (timeout_secs)"));
    });
  }

  @Override
  void clientSilent(boolean body, long limitMillis) {
    run(attempt, () -> {
      log.debug("{} {}: the client {} for {} ms", request.method(), request.uri(),
          body ? "sent no body byte" : "accepted no response byte", limitMillis);
      abort(Side.CLIENT, Reason.CLIENT_TIMEOUT, null);
    });
  }

  /**
   * The gRPC deadline passed: the call ends as a route timeout, without a retry and without blaming the
   * server (the client chose the deadline).
   */
  private void deadlinePassed() {
    deadline = null;
    abort(Side.PROXY, Reason.UPSTREAM_TIMEOUT, new TimeoutException("grpc-timeout passed"));
  }

  private void cancelDeadline() {
    if (deadline != null) {
      deadline.cancel();
      deadline = null;
    }
  }

  // ---- the one abort path

  /**
   * Runs {@code action} for attempt {@code my} unless the exchange moved on; an exception thrown in it
   * is a fault of the proxy and aborts the exchange like any other failure.
   */
  private void run(int my, Runnable action) {
    if (!current(my)) {
      return;
    }
    try {
      action.run();
    } catch (RuntimeException e) {
      internalError(e);
    }
  }

  /** Whether a callback of attempt {@code my} still counts: the exchange did not move on. */
  private boolean current(int my) {
    return my == attempt && phase != Phase.DONE;
  }

  /** An exception thrown in the proxy's own handling of the exchange: a fault of the proxy. */
  private void internalError(RuntimeException e) {
    log.warn("{} {}: exchange failed in phase {}", request.method(), request.uri(), phase, e);
    abort(Side.PROXY, Reason.INTERNAL_ERROR, e);
  }

  /**
   * Ends the current attempt early. Releases what it holds, then either starts another attempt (as
   * {@link RetryPolicy} decides) or answers the client: the proxy's JSON error while no response head
   * was sent, else a cut connection.
   *
   * @param side who failed
   * @param reason the reason word; null when the client left or the upstream cut a response mid-body
   * @param cause what was thrown or reported, if anything
   */
  private void abort(Side side, Reason reason, Throwable cause) {
    if (phase == Phase.DONE) {
      return;
    }
    Phase at = phase;
    phase = Phase.DONE;
    cancelDeadline();
    if (side == Side.UPSTREAM && reason != null) {
      span.failed(reason);
    }
    boolean reused = lease != null && lease.reused();
    boolean bodyRead = requestBody != null && requestBody.read();
    try {
      releaseAttempt(at);
      if (at == Phase.TUNNEL) {
        forwarder.finish(exchange);
        return;
      }
      boolean clientGone = request.response().closed();
      if (side == Side.UPSTREAM && reason != null && at.beforeResponse() && at != Phase.SELECT) {
        exchange.attemptFailed(backend, reason);
        if (reason == Reason.UPSTREAM_TLS) {
          TlsFailureLog.report(target.group().name(), backend, cause);
        } else {
          log.debug("{} {} to {} failed in phase {} ({}): {}", request.method(), request.uri(), backend, at,
              reason.word(), cause == null ? "-" : cause.toString());
        }
        RetryPolicy.Action action = clientGone ? RetryPolicy.Action.GIVE_UP
            : RetryPolicy.decide(at, side, reused, request.method(), !bodyRead,
                new RetryPolicy.Tried(retriesUsed, target.retries(), freshUsed));
        if (!clientGone && action != RetryPolicy.Action.FRESH_CONNECTION
            && !(cause instanceof UpstreamTransport.Exhausted)) {
          // A reused connection the upstream had closed is not the server's failure, nor our own pool limit.
          target.group().reportFailure(backend, reason.word());
        }
        if (action == RetryPolicy.Action.FRESH_CONNECTION) {
          freshUsed = true;
          request.pause();
          connect(backend, true);
          return;
        }
        if (failed.isEmpty()) {
          failed = new ArrayList<>(2);
        }
        if (!failed.contains(backend)) {
          failed.add(backend);
        }
        if (action == RetryPolicy.Action.NEXT_SERVER) {
          if (at != Phase.CONNECT) {
            retriesUsed++;
          }
          request.pause();
          if (select(at == Phase.CONNECT)) {
            return;
          }
          phase = Phase.DONE;
          reason = allFailed();
        }
      }
      answer(side, reason, cause);
    } catch (RuntimeException e) {
      log.warn("{} {}: aborting the exchange failed", request.method(), request.uri(), e);
      phase = Phase.DONE;
      request.response().reset();
      forwarder.finish(exchange);
    }
  }

  /** Releases the attempt's upstream side: the lease (its request, never reused), the server's count. */
  private void releaseAttempt(Phase at) {
    clients.silence().unwatch(this);
    if (at == Phase.TUNNEL) {
      if (clientSocket != null) {
        clientSocket.close();
      }
      if (upstreamSocket != null) {
        upstreamSocket.close();
      }
      if (clientSocket == null) {
        request.response().reset();
      }
    } else {
      if (responseBody != null) {
        responseBody.stop();
        responseBody = null;
      }
      if (lease != null) {
        // Resets the request (HTTP/2: this stream only) and closes an HTTP/1.1 connection.
        lease.abort();
      }
    }
    lease = null;
    upstreamRequest = null;
    releaseBackend();
  }

  private void releaseBackend() {
    span.end();
    if (backendHeld) {
      backendHeld = false;
      backend.stats().end();
    }
  }

  /**
   * The reason when every server tried failed before answering: 504 {@code upstream_timeout} when every
   * failure was a timeout (as nginx), else the last other reason (502).
   */
  private Reason allFailed() {
    Reason last = Reason.UPSTREAM_TIMEOUT;
    for (Exchange.FailedAttempt f : exchange.failedAttempts()) {
      if (f.reason() != Reason.UPSTREAM_TIMEOUT) {
        last = f.reason();
      }
    }
    return last;
  }

  private void answer(Side side, Reason reason, Throwable cause) {
    HttpServerResponse response = request.response();
    if (reason != null && !response.closed() && response.headWritten() && !response.ended()
        && request.version() == HttpVersion.HTTP_2 && GrpcErrors.isGrpc(request)) {
      // A gRPC call under way ends with its status in the trailers rather than a reset (SPEC §12).
      forwarder.reject(exchange, reason, message(side, reason), null, false);
      return;
    }
    if (reason == null || response.closed() || response.headWritten()) {
      // The client left, or the response was already under way: only cutting is left.
      if (!response.closed()) {
        response.reset();
      }
      forwarder.finish(exchange);
      return;
    }
    String message = message(side, reason);
    // An unread request body leaves the connection at an unknown position: it carries no further request.
    boolean close = !request.isEnded() && request.version() != HttpVersion.HTTP_2;
    MultiMap headers = null;
    if (close) {
      headers = MultiMap.caseInsensitiveMultiMap().add(HttpHeaders.CONNECTION, HttpHeaderValues.CLOSE);
      request.pause();
    }
    forwarder.reject(exchange, reason, message, headers, close);
  }

  private String message(Side side, Reason reason) {
    if (side == Side.CLIENT) {
      return reason == Reason.BODY_TOO_LARGE
          ? "request body over " + maxBody + " bytes (max_body_size)"
          : "no request body byte received for " + limits.bodyTimeoutMs() / 1000 + " s (server.body_timeout_secs)";
    }
    if (side == Side.PROXY) {
      return reason.message();
    }
    List<Exchange.FailedAttempt> attempts = exchange.failedAttempts();
    if (attempts.size() <= 1) {
      return reason.message() + " (" + backend + ")";
    }
    return reason.message() + "; every attempt failed: " + attempts.stream()
        .map(f -> f.backend().address() + " " + f.reason().word()).collect(Collectors.joining(", "));
  }

  // ---- helpers

  private boolean expectsContinue() {
    return request.version() != HttpVersion.HTTP_1_0
        && HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(String.valueOf(request.getHeader(HttpHeaders.EXPECT)));
  }

  static boolean hasBody(HttpServerRequest request) {
    if (request.version() == HttpVersion.HTTP_2) {
      return !request.isEnded();
    }
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      return !length.equals("0");
    }
    return request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
  }

  /** Whether {@code message} is the reason phrase the response gets anyway for {@code status}. */
  private static boolean standardReason(int status, String message) {
    return status >= 100 && status < 600
        && HttpResponseStatus.valueOf(status).reasonPhrase().contentEquals(message);
  }

  private boolean mayHaveBody(int status) {
    return request.method() != HttpMethod.HEAD && status >= 200 && status != 204 && status != 304;
  }

  @Override
  public String clientIp() {
    return exchange.clientIp();
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
