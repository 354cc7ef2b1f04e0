package cloud.locci.proxy.core.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.locci.proxy.core.config.UpstreamConfig.Protocol;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.VertxExtension;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The lease contract of {@link UpstreamTransport} on the HTTP/1.1 implementation, against a real server:
 * a recycled lease's connection is reused, an aborted or {@code Connection: close} one is not, a fresh
 * lease never reuses, and a full pool makes the next lease wait, then fail with {@code Exhausted}.
 */
@ExtendWith(VertxExtension.class)
class Http1TransportTest {

  private Vertx vertx;
  private HttpServer server;
  private final AtomicInteger connections = new AtomicInteger();
  private Context loop;
  private Http1Transport transport;
  private UpstreamTransport.Key key;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    server = vertx.createHttpServer()
        .connectionHandler(c -> connections.incrementAndGet())
        .requestHandler(req -> {
          if (req.path().equals("/close")) {
            req.response().putHeader("Connection", "close").end("bye");
          } else {
            req.response().end("ok");
          }
        })
        .listen(0, "127.0.0.1").await();
    loop = vertx.getOrCreateContext();
    transport = new Http1Transport(vertx);
    key = new UpstreamTransport.Key(SocketAddress.inetSocketAddress(server.actualPort(), "127.0.0.1"), "127.0.0.1",
        server.actualPort(), Optional.empty(), Protocol.HTTP1, 2000);
  }

  @AfterEach
  void tearDown() {
    on(() -> transport.close());
  }

  /** Runs {@code step} on the transport's event loop (it is confined to one) and waits for its result. */
  private <T> T on(Supplier<Future<T>> step) {
    Promise<T> done = Promise.promise();
    loop.runOnContext(v -> {
      try {
        step.get().onComplete(done);
      } catch (RuntimeException e) {
        done.fail(e);
      }
    });
    return done.future().await();
  }

  private void run(Runnable step) {
    on(() -> {
      step.run();
      return Future.succeededFuture();
    });
  }

  /** Opens a lease and runs one GET on it to the end. */
  private UpstreamTransport.Lease exchange(String path, boolean fresh) {
    UpstreamTransport.Lease lease = on(() -> transport.open(key, 2, fresh));
    String body = on(() -> lease.request(new RequestOptions().setMethod(HttpMethod.GET).setURI(path))
        .compose(HttpClientRequest::send).compose(HttpClientResponse::body)).toString();
    assertThat(body).isEqualTo(path.equals("/close") ? "bye" : "ok");
    return lease;
  }

  @Test
  void aRecycledLeasesConnectionServesTheNextLease() {
    UpstreamTransport.Lease first = exchange("/", false);
    assertThat(first.reused()).isFalse();
    assertThat(first.protocol()).isEqualTo(Protocol.HTTP1);
    run(first::recycle);
    UpstreamTransport.Lease second = exchange("/", false);
    assertThat(second.reused()).isTrue();
    run(second::recycle);
    assertThat(connections.get()).isEqualTo(1);
  }

  @Test
  void anAbortedLeaseOrConnectionCloseIsNotReused() {
    UpstreamTransport.Lease aborted = exchange("/", false);
    run(aborted::abort);
    UpstreamTransport.Lease next = exchange("/close", false);
    assertThat(next.reused()).isFalse();
    run(next::recycle);
    UpstreamTransport.Lease third = exchange("/", false);
    assertThat(third.reused()).isFalse();
    run(third::recycle);
    assertThat(connections.get()).isEqualTo(3);
  }

  @Test
  void aFreshLeaseNeverTakesAnIdleConnection() {
    run(exchange("/", false)::recycle);
    UpstreamTransport.Lease fresh = exchange("/", true);
    assertThat(fresh.reused()).isFalse();
    run(fresh::recycle);
    assertThat(connections.get()).isEqualTo(2);
  }

  @Test
  void aFullPoolMakesTheNextLeaseWaitThenFail() {
    UpstreamTransport.Key tight = new UpstreamTransport.Key(key.server(), key.peerHost(), key.port(), key.tls(),
        key.protocol(), 200);
    UpstreamTransport.Lease held = on(() -> transport.open(tight, 1, false));
    assertThatThrownBy(() -> on(() -> transport.open(tight, 1, false)))
        .isInstanceOf(UpstreamTransport.Exhausted.class);
    // A waiter gets the connection the moment it is recycled.
    UpstreamTransport.Lease next = on(() -> {
      Future<UpstreamTransport.Lease> waiting = transport.open(tight, 1, false);
      held.recycle();
      return waiting;
    });
    assertThat(next.reused()).isTrue();
    run(next::recycle);
  }

  @Test
  void oneRequestPerLease() {
    UpstreamTransport.Lease lease = exchange("/", false);
    assertThatThrownBy(() -> on(() -> lease.request(new RequestOptions().setURI("/"))))
        .isInstanceOf(IllegalStateException.class);
    run(lease::recycle);
  }
}
