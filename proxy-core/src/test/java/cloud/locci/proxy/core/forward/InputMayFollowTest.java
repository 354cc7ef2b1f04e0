package cloud.locci.proxy.core.forward;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.RawClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Which requests the proxy pauses on arrival ({@link Exchange#inputMayFollow}): every one that can carry
 * input after its head (a body by Content-Length or Transfer-Encoding, the bytes after an upgrade, any
 * HTTP/2 stream), and no bodyless HTTP/1.x request, for which a pause would only create Vert.x's inbound
 * queue. A request wrongly left out would lose the body chunks that arrive before the upstream is ready.
 */
@ExtendWith(VertxExtension.class)
class InputMayFollowTest {

  private Vertx vertx;
  private HttpServer server;
  private final Map<String, Boolean> decided = new ConcurrentHashMap<>();

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    server = vertx.createHttpServer()
        .requestHandler(req -> {
          decided.put(req.path(), Exchange.inputMayFollow(req));
          if (req.version() != HttpVersion.HTTP_2) {
            req.response().putHeader("Connection", "close");
          }
          req.response().end();
        })
        .listen(0, "127.0.0.1").await();
  }

  private boolean decisionFor(String path, String head, String body) {
    String request = head.replace("PATH", path) + "Host: example.test\r\nConnection: close\r\n\r\n" + body;
    RawClient.sendAndAwaitClose(vertx, server.actualPort(), request, 5000).await();
    assertThat(decided).containsKey(path);
    return decided.get(path);
  }

  @Test
  void bodylessHttp1RequestsAreNotHeld() {
    assertThat(decisionFor("/get", "GET PATH HTTP/1.1\r\n", "")).isFalse();
    assertThat(decisionFor("/head", "HEAD PATH HTTP/1.1\r\n", "")).isFalse();
    assertThat(decisionFor("/empty-post", "POST PATH HTTP/1.1\r\nContent-Length: 0\r\n", "")).isFalse();
    assertThat(decisionFor("/http10", "GET PATH HTTP/1.0\r\n", "")).isFalse();
  }

  @Test
  void http1RequestsWithABodyOrAnUpgradeAreHeld() {
    assertThat(decisionFor("/sized", "POST PATH HTTP/1.1\r\nContent-Length: 5\r\n", "hello")).isTrue();
    assertThat(decisionFor("/chunked", "POST PATH HTTP/1.1\r\nTransfer-Encoding: chunked\r\n",
        "5\r\nhello\r\n0\r\n\r\n")).isTrue();
    assertThat(decisionFor("/upgrade", "GET PATH HTTP/1.1\r\nUpgrade: example/1\r\n", "")).isTrue();
  }

  @Test
  void everyHttp2StreamIsHeld() {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    HttpClientResponse response = client.request(new RequestOptions().setMethod(HttpMethod.GET)
            .setHost("127.0.0.1").setPort(server.actualPort()).setURI("/h2-get"))
        .compose(req -> req.send()).await();
    assertThat(response.version()).isEqualTo(HttpVersion.HTTP_2);
    assertThat(decided.get("/h2-get")).isTrue();
    client.close().await();
  }
}
