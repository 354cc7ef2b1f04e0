package cloud.locci.proxy.core.mirror;

import cloud.locci.proxy.core.forward.RequestTap;
import cloud.locci.proxy.core.upstream.Backend;
import cloud.locci.proxy.core.upstream.SelectionContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.HostAndPort;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The copy of one forwarded request for a route's mirror (SPEC §11). It takes the head as the first
 * attempt sends it, copies the body chunks as they go to the real upstream (only up to
 * {@link Mirrors#MAX_BODY}; the client's body is never held back or held longer for it), and once the
 * client's request is complete sends the copy, fire-and-forget: the answer is read and dropped, and
 * nothing of the copy's fate reaches the client's exchange.
 *
 * <p>Bounded: a copy takes one of {@link Mirrors#MAX_IN_FLIGHT} process-wide slots from its head until its
 * answer ends (none free: {@code skipped}), and its body bytes count against {@link Mirrors#MAX_BUFFERED}
 * until sent. A copy whose client request never completed (the client left, the exchange failed before
 * reading the body) is {@code skipped}. Confined to the exchange's event loop until sent; the send's
 * callbacks run on the same loop.
 */
final class MirrorCopy implements RequestTap, SelectionContext {

  private static final Logger log = LoggerFactory.getLogger(MirrorCopy.class);

  private enum State { NEW, COLLECTING, SENDING, DONE }

  private final MirrorPlan plan;
  private final String clientIp;
  private State state = State.NEW;
  private HttpMethod method;
  private String uri;
  private HostAndPort authority;
  private MultiMap headers;
  private Buffer body;
  private long reserved;
  private long declared;

  MirrorCopy(MirrorPlan plan, String clientIp) {
    this.plan = plan;
    this.clientIp = clientIp;
  }

  @Override
  public void head(HttpMethod method, String uri, HostAndPort authority, MultiMap headers, boolean hasBody) {
    if (state != State.NEW) {
      return; // a later attempt of the same request
    }
    state = State.DONE;
    if (!plan.shared.sample(plan.route, plan.config.percent())) {
      return;
    }
    declared = declaredLength(headers);
    if (declared > Mirrors.MAX_BODY) {
      skipped("body over 1 MiB");
      return;
    }
    if (plan.shared.inFlight.incrementAndGet() > Mirrors.MAX_IN_FLIGHT) {
      plan.shared.inFlight.decrementAndGet();
      skipped(Mirrors.MAX_IN_FLIGHT + " copies in flight");
      return;
    }
    this.method = method;
    this.uri = uri;
    this.authority = authority;
    this.headers = MultiMap.caseInsensitiveMultiMap().addAll(headers);
    this.headers.remove(HttpHeaders.CONTENT_LENGTH).remove(HttpHeaders.TRANSFER_ENCODING).remove(HttpHeaders.HOST)
        .remove(HttpHeaders.EXPECT);
    state = State.COLLECTING;
    if (!hasBody) {
      end();
    }
  }

  @Override
  public void chunk(Buffer chunk) {
    if (state != State.COLLECTING) {
      return;
    }
    int n = chunk.length();
    long have = body == null ? 0 : body.length();
    if (have + n > Mirrors.MAX_BODY) {
      giveUp("body over 1 MiB");
      return;
    }
    if (plan.shared.buffered.addAndGet(n) > Mirrors.MAX_BUFFERED) {
      plan.shared.buffered.addAndGet(-n);
      giveUp("over " + Mirrors.MAX_BUFFERED + " bytes held for copies");
      return;
    }
    reserved += n;
    if (body == null) {
      body = Buffer.buffer((int) Math.min(Mirrors.MAX_BODY, Math.max(n, declared)));
    }
    body.appendBuffer(chunk);
  }

  @Override
  public void end() {
    if (state != State.COLLECTING) {
      return;
    }
    state = State.SENDING;
    try {
      send();
    } catch (RuntimeException e) {
      // Whatever went wrong with the copy stays with the copy.
      log.debug("mirror copy for route {} failed to start: {}", plan.route, e.toString());
      finished(false);
    }
  }

  @Override
  public void exchangeOver() {
    if (state == State.COLLECTING) {
      giveUp("the client's request never completed");
    }
  }

  private void send() {
    Optional<Backend> picked = plan.group.select(this, List.of());
    if (picked.isEmpty()) {
      log.debug("mirror copy for route {}: no healthy server in upstream {}", plan.route, plan.group.name());
      finished(false);
      return;
    }
    Backend b = picked.get();
    b.stats().begin();
    ClientSSLOptions tls = plan.tls();
    RequestOptions options = new RequestOptions()
        .setServer(b.socketAddress())
        .setHost(tls == null ? b.address().host() : plan.group.config().sni().orElse(b.address().host()))
        .setPort(b.address().port())
        .setSsl(tls != null)
        .setMethod(method)
        .setURI(uri)
        .setHeaders(headers)
        .setConnectTimeout(TimeUnit.SECONDS.toMillis(plan.group.config().connectTimeoutSecs()))
        .setIdleTimeout(plan.timeoutMs);
    if (tls != null) {
      options.setSslOptions(tls);
    }
    Buffer payload = body;
    body = null;
    Promise<Void> outcome = Promise.promise();
    HttpClientRequest[] sent = {null};
    // The whole copy, connect to last answer byte, has the route's timeout, however slowly the answer trickles.
    long timer = plan.vertx.setTimer(plan.timeoutMs, id -> {
      if (outcome.tryFail(new TimeoutException("mirror copy over " + plan.timeoutMs + " ms")) && sent[0] != null) {
        sent[0].reset();
      }
    });
    plan.client().request(options).compose(req -> {
      sent[0] = req;
      if (outcome.future().isComplete()) {
        req.reset();
        return Future.failedFuture("timed out");
      }
      if (authority != null) {
        req.authority(authority);
      }
      return payload == null ? req.send() : req.send(payload);
    }).compose(MirrorCopy::discard).onComplete(ar -> {
      if (ar.succeeded()) {
        outcome.tryComplete();
      } else {
        outcome.tryFail(ar.cause());
      }
    });
    outcome.future().onComplete(ar -> {
      plan.vertx.cancelTimer(timer);
      b.stats().end();
      if (ar.failed()) {
        log.debug("mirror copy for route {} to {} failed: {}", plan.route, b, ar.cause().toString());
      }
      finished(ar.succeeded());
    });
  }

  /** Reads the mirror's answer to its end and drops it, never holding it. */
  private static Future<Void> discard(HttpClientResponse response) {
    response.handler(chunk -> { });
    return response.end();
  }

  private void finished(boolean sent) {
    state = State.DONE;
    release();
    plan.shared.inFlight.decrementAndGet();
    Mirrors.Counts c = plan.shared.counts(plan.route);
    (sent ? c.sent : c.failed).increment();
  }

  private void giveUp(String why) {
    state = State.DONE;
    body = null;
    release();
    plan.shared.inFlight.decrementAndGet();
    skipped(why);
  }

  private void release() {
    if (reserved > 0) {
      plan.shared.buffered.addAndGet(-reserved);
      reserved = 0;
    }
  }

  private void skipped(String why) {
    log.debug("mirror copy for route {} skipped: {}", plan.route, why);
    plan.shared.counts(plan.route).skipped.increment();
  }

  private static long declaredLength(MultiMap headers) {
    String length = headers.get(HttpHeaders.CONTENT_LENGTH);
    if (length == null) {
      return 0;
    }
    try {
      return Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  // ---- SelectionContext: the mirror upstream's own strategy may hash on these

  @Override
  public String clientIp() {
    return clientIp;
  }

  @Override
  public String path() {
    int q = uri.indexOf('?');
    return q < 0 ? uri : uri.substring(0, q);
  }

  @Override
  public String header(String name) {
    return headers.get(name);
  }
}
