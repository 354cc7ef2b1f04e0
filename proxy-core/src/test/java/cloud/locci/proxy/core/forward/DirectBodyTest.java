package cloud.locci.proxy.core.forward;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.UpstreamConfig.Protocol;
import cloud.locci.proxy.core.testing.Eventually;
import cloud.locci.proxy.core.testing.LeakWatch;
import cloud.locci.proxy.core.testing.PatternBody;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.WriteStream;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The copy-free response body ({@link DirectBody} through {@link BodyRelay}) between real servers: a
 * small front server relays each request to a real upstream over {@link Http1Transport} leases the way
 * the exchange driver does (relay started on the response head, lease recycled at the end, aborted on a
 * failure or when the client goes), with Netty's leak detector at PARANOID. Every byte arrives, the
 * connection is reused afterwards, back-pressure holds, trailers still end the body, and every buffer is
 * released when the client goes away or the upstream cuts the body; a sink that is not the client
 * response, or an HTTP/2 client, keeps Vert.x's path.
 */
@ExtendWith(VertxExtension.class)
class DirectBodyTest {

  private static final PatternBody BIG = PatternBody.ofMebibytes(4);

  private Vertx vertx;
  private LeakWatch leaks;
  private final AtomicInteger upstreamConnections = new AtomicInteger();
  private final List<BodyRelay> relays = new CopyOnWriteArrayList<>();
  private final List<String> outcomes = new CopyOnWriteArrayList<>();
  private final List<MultiMap> trailers = new CopyOnWriteArrayList<>();
  private int frontPort;

  /** The front server, with its transport, on one event loop (as a proxy instance is). */
  private final class Front extends VerticleBase {
    private final int upstreamPort;
    private Http1Transport transport;

    Front(int upstreamPort) {
      this.upstreamPort = upstreamPort;
    }

    @Override
    public Future<?> start() {
      transport = new Http1Transport(vertx);
      // Small socket buffers, so that a client that stops reading fills the response's write queue.
      return vertx.createHttpServer(new HttpServerOptions().setSendBufferSize(64 * 1024))
          .requestHandler(this::forward).listen(0, "127.0.0.1")
          .onSuccess(s -> frontPort = s.actualPort());
    }

    @Override
    public Future<?> stop() {
      return transport.close();
    }

    private void forward(HttpServerRequest req) {
      UpstreamTransport.Key key = new UpstreamTransport.Key(SocketAddress.inetSocketAddress(upstreamPort, "127.0.0.1"),
          "127.0.0.1", upstreamPort, Optional.empty(), Protocol.HTTP1, 2000);
      transport.open(key, 4, false).onSuccess(lease -> lease.request(new RequestOptions().setURI(req.uri()))
          .compose(HttpClientRequest::send)
          .onFailure(e -> {
            lease.abort();
            req.response().setStatusCode(502).end();
          })
          .onSuccess(upstream -> relay(req, lease, upstream)));
    }

    private void relay(HttpServerRequest req, UpstreamTransport.Lease lease, HttpClientResponse upstream) {
      HttpServerResponse response = req.response().setStatusCode(upstream.statusCode());
      String length = upstream.getHeader(HttpHeaders.CONTENT_LENGTH);
      if (length != null) {
        response.putHeader(HttpHeaders.CONTENT_LENGTH, length);
      } else {
        response.setChunked(true);
      }
      WriteStream<Buffer> sink = req.path().startsWith("/wrapped") ? new Wrapped(response) : response;
      BodyRelay relay = BodyRelay.response(upstream, sink, new SilenceWatch.Watched() {
        @Override
        void silent(long limitMillis) {}

        @Override
        void clientSilent(boolean body, long limitMillis) {}
      }, new BodyRelay.Events() {
        @Override
        public void sourceEnded(BodyRelay relay, MultiMap ended) {
          trailers.add(ended);
          response.trailers().addAll(ended);
        }

        @Override
        public void ended(BodyRelay relay, WriteStream<Buffer> to, AsyncResult<Void> end) {
          outcomes.add(end.succeeded() ? "ended" : "end failed");
          lease.recycle();
        }

        @Override
        public void failed(BodyRelay relay, Throwable cause) {
          outcomes.add("failed");
          lease.abort();
          response.reset();
        }
      });
      response.closeHandler(v -> {
        if (!relay.sourceEnded()) {
          outcomes.add("client gone");
          relay.stop();
          lease.abort();
        }
      });
      relays.add(relay);
      relay.start();
    }
  }

  /** A sink that is not the client response itself (as a compression transform's is). */
  private record Wrapped(HttpServerResponse to) implements WriteStream<Buffer> {
    @Override
    public WriteStream<Buffer> exceptionHandler(io.vertx.core.Handler<Throwable> handler) {
      to.exceptionHandler(handler);
      return this;
    }

    @Override
    public Future<Void> write(Buffer data) {
      return to.write(data);
    }

    @Override
    public Future<Void> end() {
      return to.end();
    }

    @Override
    public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
      to.setWriteQueueMaxSize(maxSize);
      return this;
    }

    @Override
    public boolean writeQueueFull() {
      return to.writeQueueFull();
    }

    @Override
    public WriteStream<Buffer> drainHandler(io.vertx.core.Handler<Void> handler) {
      to.drainHandler(handler);
      return this;
    }
  }

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    leaks = LeakWatch.start();
    HttpServer upstream = vertx.createHttpServer()
        .connectionHandler(c -> upstreamConnections.incrementAndGet())
        .requestHandler(req -> {
          HttpServerResponse response = req.response();
          switch (req.path()) {
            case "/trailers" -> response.setChunked(true).putTrailer("X-Checksum", "abc123").end("body");
            case "/cut" -> {
              response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(BIG.length()));
              PatternBody.ofMebibytes(1).writeTo(response).onComplete(ar -> req.connection().close());
            }
            default -> {
              response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(BIG.length()));
              BIG.writeTo(response).onComplete(ar -> response.end());
            }
          }
        })
        .listen(0, "127.0.0.1").await();
    vertx.deployVerticle(new Front(upstream.actualPort())).await();
  }

  @AfterEach
  void tearDown() {
    try {
      assertThat(leaks.leaks()).isEmpty();
    } finally {
      leaks.close();
    }
  }

  private HttpClientAgent client(HttpVersion version) {
    return vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(version).setHttp2ClearTextUpgrade(false)
        .setReceiveBufferSize(32 * 1024));
  }

  private static RequestOptions get(int port, String uri) {
    return new RequestOptions().setHost("127.0.0.1").setPort(port).setURI(uri);
  }

  /** Streams the response through SHA-256; {@code slow}: pauses it until the relay waits for the client. */
  private String fetchSha(HttpClientAgent client, String uri, boolean slow) {
    MessageDigest sha = PatternBody.newSha256();
    int before = relays.size();
    client.request(get(frontPort, uri)).compose(HttpClientRequest::send).compose(resp -> {
      assertThat(resp.statusCode()).isEqualTo(200);
      resp.handler(b -> sha.update(b.getBytes()));
      if (slow) {
        resp.pause();
        Eventually.untilTrue(vertx, Duration.ofSeconds(10), "the relay waits for the client",
                () -> relays.size() > before && relays.get(before).owes() == BodyRelay.Owes.SINK)
            .onComplete(ar -> resp.resume());
      }
      return resp.end();
    }).await();
    return HexFormat.of().formatHex(sha.digest());
  }

  @Test
  void aLargeBodyTakesTheCopyFreePathWhole() {
    assertThat(fetchSha(client(HttpVersion.HTTP_1_1), "/big", false)).isEqualTo(BIG.sha256());
    assertThat(relays).hasSize(1);
    assertThat(relays.get(0).copyFree()).isTrue();
    assertThat(relays.get(0).bytes()).isEqualTo(BIG.length());
    relaysEnded(1);
    assertThat(outcomes).containsExactly("ended");
  }

  /** Reads stop while the client is full and start again after: the connection serves the next request. */
  @Test
  void backPressureHoldsAndTheConnectionIsReusedAfterwards() {
    HttpClientAgent client = client(HttpVersion.HTTP_1_1);
    assertThat(fetchSha(client, "/big", true)).isEqualTo(BIG.sha256());
    assertThat(fetchSha(client, "/big", false)).isEqualTo(BIG.sha256());
    assertThat(relays).hasSize(2).allMatch(BodyRelay::copyFree);
    relaysEnded(2);
    assertThat(outcomes).containsExactly("ended", "ended");
    assertThat(upstreamConnections.get()).isEqualTo(1);
  }

  @Test
  void trailersStillEndTheBody() {
    HttpClientResponse resp = client(HttpVersion.HTTP_1_1).request(get(frontPort, "/trailers"))
        .compose(HttpClientRequest::send)
        .compose(r -> r.body().map(b -> {
          assertThat(b.toString()).isEqualTo("body");
          return r;
        })).await();
    assertThat(relays.get(0).copyFree()).isTrue();
    assertThat(trailers).hasSize(1);
    assertThat(trailers.get(0).get("X-Checksum")).isEqualTo("abc123");
    assertThat(resp.trailers().get("X-Checksum")).isEqualTo("abc123");
  }

  /**
   * The client stops reading, then resets the connection: the exchange stops, every chunk written is
   * released. (A plain socket: a paused Vert.x client would itself leak what it read and did not deliver.)
   */
  @Test
  void everyChunkIsReleasedWhenTheClientGoes() throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(16 * 1024);
    socket.connect(new InetSocketAddress("127.0.0.1", frontPort));
    socket.getOutputStream().write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    Eventually.untilTrue(vertx, Duration.ofSeconds(10), "the relay waits for the client",
        () -> !relays.isEmpty() && relays.get(0).owes() == BodyRelay.Owes.SINK).await();
    assertThat(relays.get(0).copyFree()).isTrue();
    assertThat(relays.get(0).directWrites()).isPositive();
    socket.close(); // unread bytes: a reset
    Eventually.untilTrue(vertx, Duration.ofSeconds(10), "the exchange stopped and its writes completed",
        () -> outcomes.contains("client gone") && relays.get(0).directWrites() == 0).await();
    assertThat(relays.get(0).bytes()).isLessThan(BIG.length());
  }

  /** The upstream closes in the middle of the body: the relay fails and holds nothing. */
  @Test
  void everyChunkIsReleasedWhenTheUpstreamCutsTheBody() {
    Future<HttpClientResponse> answer = client(HttpVersion.HTTP_1_1).request(get(frontPort, "/cut"))
        .compose(HttpClientRequest::send);
    Eventually.untilTrue(vertx, Duration.ofSeconds(10), "the relay failed",
        () -> outcomes.contains("failed")).await();
    assertThat(relays.get(0).copyFree()).isTrue();
    Eventually.untilTrue(vertx, Duration.ofSeconds(10), "its writes completed",
        () -> relays.get(0).directWrites() == 0).await();
    assertThat(relays.get(0).bytes()).isLessThan(BIG.length());
    Promise<Void> cut = Promise.promise();
    answer.onComplete(ar -> {
      if (ar.failed()) {
        cut.complete();
      } else {
        ar.result().end().onComplete(end -> cut.complete());
      }
    });
    cut.future().await();
  }

  @Test
  void aSinkThatIsNotTheClientResponseKeepsVertxsPath() {
    assertThat(fetchSha(client(HttpVersion.HTTP_1_1), "/wrapped", false)).isEqualTo(BIG.sha256());
    assertThat(relays.get(0).copyFree()).isFalse();
    relaysEnded(1);
    assertThat(outcomes).containsExactly("ended");
  }

  @Test
  void anHttp2ClientKeepsVertxsPath() {
    assertThat(fetchSha(client(HttpVersion.HTTP_2), "/big", false)).isEqualTo(BIG.sha256());
    assertThat(relays.get(0).copyFree()).isFalse();
    relaysEnded(1);
    assertThat(outcomes).containsExactly("ended");
  }

  /**
   * Waits for {@code count} relay outcomes: a relay's end completes when the response's last write has,
   * which can be after the client read the whole body.
   */
  private void relaysEnded(int count) {
    Eventually.untilTrue(vertx, Duration.ofSeconds(10), count + " relay outcomes", () -> outcomes.size() >= count)
        .await();
  }
}
