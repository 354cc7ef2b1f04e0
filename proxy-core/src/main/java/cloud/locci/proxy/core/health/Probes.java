package cloud.locci.proxy.core.health;

import cloud.locci.proxy.core.config.ServerAddress;
import cloud.locci.proxy.core.health.CheckSpec.TlsSettings;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs single checks: an HTTP GET expecting 2xx, or a TCP connect. Holds the clients they use (one
 * HTTP client per TLS setting, one TCP client), created on first use on the health-check verticle's
 * context. Checks open a fresh connection each time (no keep-alive): a pooled connection the server
 * closed in between would make a healthy server fail a check, and a new connection is what a real
 * request may need too.
 */
final class Probes {

  private final Vertx vertx;
  private final Map<TlsSettings, HttpClient> httpClients = new HashMap<>();
  private NetClient netClient;

  Probes(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Checks {@code address} once as {@code spec} says. Succeeds with the outcome in words, or fails with
   * a {@link CheckFailed} saying why; finishes within {@code timeout_secs} (plus timer slack).
   */
  Future<String> run(ServerAddress address, CheckSpec spec) {
    return spec.check().path().isPresent() ? http(address, spec, spec.check().path().get()) : tcp(address, spec);
  }

  private Future<String> http(ServerAddress address, CheckSpec spec, String path) {
    String what = spec.describe();
    long timeoutMs = spec.timeoutMs();
    Promise<String> result = Promise.promise();
    List<HttpClientRequest> sent = new ArrayList<>(1);
    // Connect and idle timeouts alone would let a server that trickles bytes hold a check open longer.
    long deadline = vertx.setTimer(timeoutMs, t -> {
      if (result.tryFail(new CheckFailed(what + " timed out after " + spec.check().timeoutSecs() + " s"))) {
        sent.forEach(HttpClientRequest::reset);
      }
    });
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setServer(SocketAddress.inetSocketAddress(address.port(), address.host()))
        // The request's host is the TLS peer name: SNI and certificate verification use it.
        .setHost(spec.tls().sni().orElse(address.host()))
        .setPort(address.port())
        .setSsl(spec.tls().enabled())
        .setURI(path)
        .setTimeout(timeoutMs);
    httpClient(spec.tls()).request(options)
        .compose(req -> {
          if (result.future().isComplete()) {
            req.reset();
            return Future.failedFuture(new CheckFailed("cancelled"));
          }
          sent.add(req);
          req.authority(HostAndPort.create(address.host(), address.port()));
          return req.send();
        })
        .onComplete(ar -> {
          vertx.cancelTimer(deadline);
          if (ar.failed()) {
            result.tryFail(new CheckFailed(what + " failed: " + describe(ar.cause(), spec)));
            return;
          }
          int status = ar.result().statusCode();
          // The status decides; the body is read and dropped so the connection closes cleanly.
          ar.result().end();
          if (status >= 200 && status < 300) {
            result.tryComplete(what + " answered " + status);
          } else {
            result.tryFail(new CheckFailed(what + " answered " + status));
          }
        });
    return result.future();
  }

  private Future<String> tcp(ServerAddress address, CheckSpec spec) {
    if (netClient == null) {
      netClient = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true));
    }
    ConnectOptions options = new ConnectOptions()
        .setHost(address.host())
        .setPort(address.port())
        .setTimeout((int) spec.timeoutMs());
    return netClient.connect(options).transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(new CheckFailed("TCP connect failed: " + describe(ar.cause(), spec)));
      }
      ar.result().close();
      return Future.succeededFuture("TCP connect succeeded");
    });
  }

  private HttpClient httpClient(TlsSettings tls) {
    return httpClients.computeIfAbsent(tls, t -> {
      HttpClientOptions options = new HttpClientOptions()
          .setKeepAlive(false)
          .setTcpNoDelay(true)
          .setDecompressionSupported(false);
      if (t.http2()) {
        // protocol h2c | h2: checked over HTTP/2 like the proxied requests (prior knowledge in cleartext).
        options.setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false).setUseAlpn(t.enabled());
      }
      if (t.enabled()) {
        options.setSsl(true)
            // Send the configured name even where the JDK would not (it skips SNI for some names).
            .setForceSni(t.sni().isPresent())
            .setVerifyHost(t.verify())
            .setTrustAll(!t.verify());
        t.caPath().filter(p -> t.verify()).ifPresent(p -> options.setTrustOptions(new PemTrustOptions().addCertPath(p)));
      }
      return vertx.createHttpClient(options);
    });
  }

  /** Closes the HTTP clients of TLS settings no group uses any more. */
  void retain(Set<TlsSettings> inUse) {
    httpClients.entrySet().removeIf(e -> {
      if (inUse.contains(e.getKey())) {
        return false;
      }
      e.getValue().close();
      return true;
    });
  }

  Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    httpClients.values().forEach(c -> closing.add(c.close()));
    httpClients.clear();
    if (netClient != null) {
      closing.add(netClient.close());
    }
    return Future.join(closing).mapEmpty();
  }

  /** The cause of a failed check in a few words. */
  private static String describe(Throwable err, CheckSpec spec) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof java.util.concurrent.TimeoutException || t instanceof io.netty.channel.ConnectTimeoutException) {
        return "timed out after " + spec.check().timeoutSecs() + " s";
      }
      if (t instanceof javax.net.ssl.SSLException) {
        // The outer exceptions only say that the handshake failed; the root cause says why.
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
          root = root.getCause();
        }
        return "TLS handshake failed: " + (root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage());
      }
      if (t instanceof java.net.ConnectException) {
        return t.getMessage() == null ? "connection refused" : t.getMessage();
      }
    }
    return err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
  }

  /** A check that did not pass; the message says why. No stack trace: it is an expected outcome. */
  static final class CheckFailed extends Exception {
    CheckFailed(String message) {
      super(message, null, false, false);
    }
  }
}
