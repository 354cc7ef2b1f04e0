package cloud.locci.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.PatternBody;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import cloud.locci.proxy.core.testing.RawClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.DataFormatException;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** SPEC §11 {@code compression} on a gateway route, against a real upstream and client over sockets. */
@ExtendWith(VertxExtension.class)
class CompressionTest {

  private static final String TEXT = "The quick brown fox jumps over the lazy dog. ".repeat(120); // 5400 bytes
  // 100 MiB through a small heap is CompressedStreamIT's (proxy-it, the jar with -Xmx64m); here a bounded size.
  private static final PatternBody BIG = PatternBody.ofMebibytes(16);

  private Vertx vertx;
  private HttpClient client;
  private HttpServer upstream;
  /** Completed by the test once the client has read the first chunk of /first-then-wait. */
  private final Promise<Void> firstSeen = Promise.promise();
  private int port;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    client = vertx.createHttpClient();
    upstream = vertx.createHttpServer().requestHandler(req -> {
      HttpServerResponse r = req.response();
      switch (req.path()) {
        case "/json", "/twice/json" -> r.putHeader("content-type", "application/json; charset=utf-8")
            .putHeader("etag", "\"v1\"").putHeader("accept-ranges", "bytes").putHeader("vary", "Origin").end(TEXT);
        case "/small" -> r.putHeader("content-type", "application/json").end("{\"small\":true}");
        case "/png" -> r.putHeader("content-type", "image/png").end(TEXT);
        case "/encoded" -> r.putHeader("content-type", "text/plain").putHeader("content-encoding", "br").end(TEXT);
        case "/chunked" -> {
          r.setChunked(true).putHeader("content-type", "text/plain");
          r.write("tiny ");
          r.end("body");
        }
        case "/partial" -> r.setStatusCode(206).putHeader("content-type", "text/plain")
            .putHeader("content-range", "bytes 0-5399/10000").end(TEXT);
        case "/nocontent" -> r.setStatusCode(204).putHeader("content-type", "text/plain").end();
        case "/notransform" -> r.putHeader("content-type", "text/html").putHeader("cache-control", "no-transform")
            .end(TEXT);
        case "/big" -> {
          r.setChunked(true).putHeader("content-type", "text/plain");
          BIG.writeTo(r).onSuccess(v -> r.end());
        }
        case "/first-then-wait" -> {
          r.setChunked(true).putHeader("content-type", "text/event-stream");
          r.write("data: one\n\n");
          firstSeen.future().onSuccess(v -> r.end("data: two\n\n"));
        }
        default -> r.setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1").await();
    String yaml = """
        mode: api_gateway
        server:
          bind_address: "127.0.0.1:0"
        upstreams:
          app:
            servers: ["127.0.0.1:%d"]
        api_gateway:
          routes:
            twice:
              path_pattern: "^/twice"
              upstream: app
              strip_prefix: true
              middlewares: [gzip, gzip_again]
            all:
              path_pattern: "^/"
              upstream: app
              middlewares: [gzip]
        middlewares:
          gzip:
            type: compression
          gzip_again:
            type: compression
            min_bytes: 1
        control_api:
          enabled: false
        """.formatted(upstream.actualPort());
    port = ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), GatewayMode::new, 2).await().port();
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  private HttpResult get(HttpMethod method, String uri, String acceptEncoding) {
    RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(uri);
    if (acceptEncoding != null) {
      o.addHeader("Accept-Encoding", acceptEncoding);
    }
    return HttpResult.send(client, o, null);
  }

  static byte[] gunzip(Buffer gz) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz.getBytes()))) {
      return in.readAllBytes();
    }
  }

  @Test
  void aCompressibleAnswerIsGzippedForAClientThatAcceptsIt() throws IOException {
    HttpResult r = get(HttpMethod.GET, "/json", "br;q=1.0, gzip;q=0.8");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Encoding")).isEqualTo("gzip");
    assertThat(r.header("Content-Length")).as("the length is no longer known: chunked").isNull();
    assertThat(r.header("Transfer-Encoding")).isEqualTo("chunked");
    assertThat(r.headers().getAll("Vary")).containsExactly("Origin, Accept-Encoding");
    assertThat(r.header("ETag")).as("the bytes differ: a strong tag becomes weak").isEqualTo("W/\"v1\"");
    assertThat(r.header("Accept-Ranges")).isNull();
    assertThat(r.body().length()).isLessThan(TEXT.length() / 5);
    assertThat(new String(gunzip(r.body()))).isEqualTo(TEXT);
  }

  @Test
  void aClientThatRefusesGzipGetsItAsItIsWithVary() {
    for (String ae : new String[] {null, "gzip;q=0", "br", "identity", "*;q=0"}) {
      HttpResult r = get(HttpMethod.GET, "/json", ae);
      assertThat(r.header("Content-Encoding")).as(ae).isNull();
      assertThat(r.header("Content-Length")).as(ae).isEqualTo(Integer.toString(TEXT.length()));
      assertThat(r.body().toString()).isEqualTo(TEXT);
      assertThat(r.headers().getAll("Vary")).as("caches must keep the two forms apart").containsExactly(
          "Origin, Accept-Encoding");
    }
    assertThat(get(HttpMethod.GET, "/json", "*").header("Content-Encoding")).isEqualTo("gzip");
  }

  @Test
  void smallWrongTypeEncodedPartialBodilessAndNoTransformAnswersAreUntouched() {
    for (String uri : new String[] {"/small", "/png", "/encoded", "/partial", "/nocontent", "/notransform"}) {
      HttpResult r = get(HttpMethod.GET, uri, "gzip");
      assertThat(r.header("Content-Encoding")).as(uri).isEqualTo(uri.equals("/encoded") ? "br" : null);
      assertThat(r.header("Vary")).as(uri).isNull();
    }
    assertThat(get(HttpMethod.GET, "/png", "gzip").body().toString()).isEqualTo(TEXT);
    assertThat(get(HttpMethod.GET, "/encoded", "gzip").body().toString()).as("never encoded twice").isEqualTo(TEXT);
    HttpResult head = get(HttpMethod.HEAD, "/json", "gzip");
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.header("Content-Encoding")).isNull();
  }

  @Test
  void aChunkedAnswerIsCompressedWhateverItsSize() throws IOException {
    HttpResult r = get(HttpMethod.GET, "/chunked", "gzip");
    assertThat(r.header("Content-Encoding")).isEqualTo("gzip");
    assertThat(new String(gunzip(r.body()))).isEqualTo("tiny body");
  }

  @Test
  void twoCompressionMiddlewaresNeverEncodeTwice() throws IOException {
    HttpResult r = get(HttpMethod.GET, "/twice/json", "gzip");
    assertThat(r.headers().getAll("Content-Encoding")).containsExactly("gzip");
    assertThat(r.headers().getAll("Vary")).containsExactly("Origin, Accept-Encoding");
    assertThat(new String(gunzip(r.body()))).isEqualTo(TEXT);
  }

  @Test
  void anHttp10ClientGetsTheAnswerAsItIs() {
    RawClient.Exchange ex = RawClient.sendAndAwaitClose(vertx, port,
        "GET /json HTTP/1.0\r\nHost: a\r\nAccept-Encoding: gzip\r\n\r\n", 5000).await();
    assertThat(ex.status()).isEqualTo(200);
    assertThat(ex.received().toLowerCase()).doesNotContain("content-encoding").contains("vary: origin, accept-encoding");
    assertThat(ex.received()).endsWith(TEXT);
  }

  @Test
  void eachChunkReachesTheClientAsItComesNotAtTheEnd() {
    // The upstream sends its second chunk only once the client has read the first, decompressed:
    // a proxy that held the body (or the deflater's output) until the end would never finish.
    Promise<String> all = Promise.promise();
    client.request(new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/first-then-wait")
        .addHeader("Accept-Encoding", "gzip")).onSuccess(req -> {
          req.response().onSuccess(resp -> {
            assertThat(resp.getHeader("Content-Encoding")).isEqualTo("gzip");
            StreamingGunzip gunzip = new StreamingGunzip();
            StringBuilder text = new StringBuilder();
            resp.handler(chunk -> {
              text.append(new String(gunzip.feed(chunk)));
              if (text.toString().equals("data: one\n\n")) {
                firstSeen.tryComplete();
              }
            });
            resp.endHandler(v -> all.tryComplete(text.toString()));
            resp.exceptionHandler(all::tryFail);
          }).onFailure(all::tryFail);
          req.end();
        }).onFailure(all::tryFail);
    assertThat(all.future().await()).isEqualTo("data: one\n\ndata: two\n\n");
  }

  @Test
  @Timeout(120)
  void aLargeAnswerStreamsThroughCompressed() {
    Promise<long[]> done = Promise.promise();
    MessageDigest sha = PatternBody.newSha256();
    client.request(new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/big")
        .addHeader("Accept-Encoding", "gzip")).onSuccess(req -> {
          Future<HttpClientResponse> answer = req.response();
          answer.onSuccess(resp -> {
            StreamingGunzip gunzip = new StreamingGunzip();
            long[] counts = {0, 0};
            resp.handler(chunk -> {
              counts[0] += chunk.length();
              byte[] plain = gunzip.feed(chunk);
              counts[1] += plain.length;
              sha.update(plain);
            });
            resp.endHandler(v -> done.tryComplete(counts));
            resp.exceptionHandler(done::tryFail);
          }).onFailure(done::tryFail);
          req.end();
        }).onFailure(done::tryFail);
    long[] counts = done.future().await();
    assertThat(counts[1]).isEqualTo(BIG.length());
    assertThat(HexFormat.of().formatHex(sha.digest())).isEqualTo(BIG.sha256());
    assertThat(counts[0]).as("compressed bytes on the wire").isLessThan(BIG.length() / 20);
  }

  /** Inflates a gzip stream as its pieces arrive (10-byte header without options, as the proxy writes it). */
  static final class StreamingGunzip {
    private final Inflater inflater = new Inflater(true);
    private final byte[] out = new byte[64 * 1024];
    private int headerLeft = 10;

    byte[] feed(Buffer chunk) {
      byte[] in = chunk.getBytes();
      int skip = Math.min(headerLeft, in.length);
      headerLeft -= skip;
      if (inflater.finished() || skip == in.length) {
        return new byte[0];
      }
      inflater.setInput(in, skip, in.length - skip);
      java.io.ByteArrayOutputStream plain = new java.io.ByteArrayOutputStream();
      try {
        int n;
        while ((n = inflater.inflate(out)) > 0) {
          plain.write(out, 0, n);
        }
      } catch (DataFormatException e) {
        throw new IllegalStateException(e);
      }
      return plain.toByteArray();
    }
  }
}
