package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/** TLS on both sides; every certificate is generated here, at test time. */
@ExtendWith(VertxExtension.class)
class TlsTest {

  private Vertx vertx;
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
  }

  @AfterEach
  void tearDown() {
    if (client != null) {
      client.close().await();
    }
  }

  private int deploy(String yaml) {
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), LoadBalancerMode::new, 1).await().port();
  }

  /** An HTTPS upstream whose answer names the SNI it was asked for. */
  private HttpServer tlsUpstream(SelfSignedCertificate cert) {
    return vertx.createHttpServer(new HttpServerOptions().setSsl(true).setSni(true)
            .setKeyCertOptions(cert.keyCertOptions()))
        .requestHandler(req -> req.body().onSuccess(body -> req.response()
            .putHeader("content-type", "application/json")
            .end(new JsonObject()
                .put("sni", req.connection().indicatedServerName())
                .put("host", req.getHeader("Host"))
                .put("bodyLength", body.length())
                .encode())))
        .listen(0, "127.0.0.1").await();
  }

  @Test
  void terminatesTlsForHttp11AndHttp2ClientsAndTellsTheUpstream() {
    int port = deployTls(SelfSignedCertificate.create("localhost"), "");

    client = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
    HttpResult h1 = HttpResult.get(client, port, "/one");
    assertThat(h1.status()).isEqualTo(200);
    assertThat(h1.json().getJsonObject("headers").getJsonArray("x-forwarded-proto").getString(0)).isEqualTo("https");

    HttpClient h2client = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustAll(true)
        .setVerifyHost(false).setUseAlpn(true).setProtocolVersion(HttpVersion.HTTP_2));
    RequestOptions post = new RequestOptions().setMethod(HttpMethod.POST).setPort(port).setHost("127.0.0.1")
        .setURI("/two?x=1");
    HttpResult h2 = h2client.request(post)
        .compose(req -> req.send(Buffer.buffer(new byte[50_000])).compose(resp -> {
          assertThat(resp.version()).isEqualTo(HttpVersion.HTTP_2);
          return HttpResult.of(resp);
        }))
        .await();
    assertThat(h2.status()).isEqualTo(200);
    JsonObject echoed = h2.json();
    assertThat(echoed.getString("uri")).isEqualTo("/two?x=1");
    assertThat(echoed.getLong("bodyLength")).isEqualTo(50_000);
    assertThat(h2.headers().names()).doesNotContain("transfer-encoding", "connection");
    h2client.close().await();
  }

  /** A load balancer with TLS on its listener ({@code tlsExtra}: more keys of server.tls) in front of an echo. */
  private int deployTls(SelfSignedCertificate cert, String tlsExtra) {
    EchoUpstream echo = EchoUpstream.start(vertx, "plain").await();
    return deploy("""
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:0"
          tls:
            cert_path: "%s"
            key_path: "%s"
        %s
        upstreams:
          app: { servers: ["%s"] }
        load_balancer: { upstream: app }
        control_api: { enabled: false }
        """.formatted(cert.certificatePath(), cert.privateKeyPath(), tlsExtra.indent(4).stripTrailing(),
        echo.address()));
  }

  /**
   * Whether a JSSE client offering only {@code protocol} and {@code suites} completes a handshake with
   * the listener (blocking; runs on the test thread, not an event loop).
   */
  private static boolean handshakes(int port, String protocol, String... suites) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.setEnabledProtocols(new String[] {protocol});
      socket.setEnabledCipherSuites(suites);
      socket.startHandshake();
      return true;
    } catch (SSLException e) {
      return false;
    }
  }

  @Test
  void theListenerOffersOnlyForwardSecretAeadSuitesByDefault() throws Exception {
    int port = deployTls(SelfSignedCertificate.create("localhost"), "");

    assertThat(handshakes(port, "TLSv1.2", "TLS_RSA_WITH_AES_128_GCM_SHA256"))
        .as("static RSA key exchange: no forward secrecy").isFalse();
    assertThat(handshakes(port, "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"))
        .as("CBC: not AEAD").isFalse();
    assertThat(handshakes(port, "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")).isTrue();
    assertThat(handshakes(port, "TLSv1.3", "TLS_AES_256_GCM_SHA384")).isTrue();
  }

  @Test
  void protocolsAndCiphersComeFromTheConfiguration() throws Exception {
    int port = deployTls(SelfSignedCertificate.create("localhost"), """
        protocols: [TLSv1.3]
        ciphers: [TLS_CHACHA20_POLY1305_SHA256]
        """);

    assertThat(handshakes(port, "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")).as("TLSv1.2 is not enabled").isFalse();
    assertThat(handshakes(port, "TLSv1.3", "TLS_AES_128_GCM_SHA256")).as("a suite not listed").isFalse();
    assertThat(handshakes(port, "TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256")).isTrue();
  }

  @Test
  void tlsUpstreamGetsTheConfiguredSniAndIsVerifiedAgainstTheGivenCa() {
    SelfSignedCertificate cert = SelfSignedCertificate.create("backend.internal");
    HttpServer upstream = tlsUpstream(cert);
    int port = deploy("""
        mode: load_balancer
        server: { bind_address: "127.0.0.1:0" }
        upstreams:
          secure:
            servers: ["127.0.0.1:%d"]
            tls: true
            sni: backend.internal
            ca_path: "%s"
        load_balancer: { upstream: secure }
        control_api: { enabled: false }
        """.formatted(upstream.actualPort(), cert.certificatePath()));
    client = vertx.createHttpClient();
    HttpResult r = HttpResult.send(client, new RequestOptions().setMethod(HttpMethod.POST).setPort(port)
        .setHost("127.0.0.1").setURI("/").putHeader("Host", "public.example.com"), Buffer.buffer("abc"));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().getString("sni")).isEqualTo("backend.internal");
    assertThat(r.json().getString("host")).isEqualTo("public.example.com");
    assertThat(r.json().getInteger("bodyLength")).isEqualTo(3);
  }

  @Test
  void aFailedTlsHandshakeFailsOverToTheNextServer() {
    SelfSignedCertificate trusted = SelfSignedCertificate.create("backend.internal");
    SelfSignedCertificate stranger = SelfSignedCertificate.create("backend.internal");
    HttpServer bad = tlsUpstream(stranger);
    HttpServer good = tlsUpstream(trusted);
    // Round robin starts at the first server, whose certificate the CA file does not vouch for.
    int port = deploy("""
        mode: load_balancer
        server: { bind_address: "127.0.0.1:0" }
        upstreams:
          secure:
            servers: ["127.0.0.1:%d", "127.0.0.1:%d"]
            tls: true
            sni: backend.internal
            ca_path: "%s"
        load_balancer: { upstream: secure }
        control_api: { enabled: false }
        """.formatted(bad.actualPort(), good.actualPort(), trusted.certificatePath()));
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    for (int i = 0; i < 2; i++) {
      HttpResult r = HttpResult.send(client, new RequestOptions().setMethod(HttpMethod.POST).setPort(port)
          .setHost("127.0.0.1").setURI("/"), Buffer.buffer("abc"));
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      assertThat(r.json().getInteger("bodyLength")).isEqualTo(3);
    }
  }

  @Test
  void unknownCaIsRefusedWith502AndOneClearLogLine() {
    SelfSignedCertificate cert = SelfSignedCertificate.create("backend.internal");
    HttpServer upstream = tlsUpstream(cert);
    Logger tlsLog = (Logger) LoggerFactory.getLogger("cloud.locci.proxy.core.forward.TlsFailureLog");
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    tlsLog.addAppender(captured);
    try {
      int port = deploy("""
          mode: load_balancer
          server: { bind_address: "127.0.0.1:0" }
          upstreams:
            secure:
              servers: ["127.0.0.1:%d"]
              tls: true
              sni: backend.internal
          load_balancer: { upstream: secure }
          control_api: { enabled: false }
          """.formatted(upstream.actualPort()));
      client = vertx.createHttpClient();
      HttpResult r = HttpResult.get(client, port, "/");
      assertThat(r.status()).isEqualTo(502);
      assertThat(r.header("X-Locci-Reason")).isEqualTo("upstream_tls");
      assertThat(r.json().getString("reason")).isEqualTo("upstream_tls");
      assertThat(HttpResult.get(client, port, "/").status()).isEqualTo(502);
      assertThat(captured.list).filteredOn(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
          .singleElement()
          .satisfies(e -> assertThat(e.getFormattedMessage())
              .contains("TLS handshake with 127.0.0.1:" + upstream.actualPort(), "upstream secure", "502 upstream_tls",
                  "tls_verify"));
    } finally {
      tlsLog.detachAppender(captured);
    }
  }

  @Test
  void tlsVerifyFalseAcceptsAnyCertificate() {
    SelfSignedCertificate cert = SelfSignedCertificate.create("someone.else");
    HttpServer upstream = tlsUpstream(cert);
    int port = deploy("""
        mode: load_balancer
        server: { bind_address: "127.0.0.1:0" }
        upstreams:
          lax:
            servers: ["127.0.0.1:%d"]
            tls: true
            tls_verify: false
        load_balancer: { upstream: lax }
        control_api: { enabled: false }
        """.formatted(upstream.actualPort()));
    client = vertx.createHttpClient();
    assertThat(HttpResult.get(client, port, "/").status()).isEqualTo(200);
  }
}
