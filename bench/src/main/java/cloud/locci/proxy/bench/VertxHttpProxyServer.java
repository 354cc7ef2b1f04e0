package cloud.locci.proxy.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.httpproxy.ForwardedHeadersOptions;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.OriginRequestProvider;
import io.vertx.httpproxy.ProxyOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bench-only: the same load balancer built on vertx-http-proxy's {@link HttpProxy} instead of our own
 * forwarding engine, so that {@code bench/run.sh} can put the two side by side (target kind {@code vhp}).
 * Round robin over the upstreams (process-wide, as locci's), X-Forwarded-For/-Proto/-Host on, a pool of 64
 * keep-alive connections per upstream, one verticle per event loop. No retries, no failover, no timeouts,
 * no header hygiene beyond HttpProxy's own: it does less work than locci per request, which is the point of
 * the comparison (what our engine's extra behaviour costs, and whether HttpProxy's data path is faster).
 *
 * <pre>java -cp bench/target/benchmarks.jar cloud.locci.proxy.bench.VertxHttpProxyServer PORT INSTANCES HOST:PORT...</pre>
 */
public final class VertxHttpProxyServer {

  private VertxHttpProxyServer() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: VertxHttpProxyServer PORT INSTANCES HOST:PORT...");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    int instances = Integer.parseInt(args[1]);
    List<SocketAddress> origins = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      String[] hp = args[i].split(":", 2);
      origins.add(SocketAddress.inetSocketAddress(Integer.parseInt(hp[1]), hp[0]));
    }
    AtomicInteger next = new AtomicInteger();
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(instances));
    vertx.deployVerticle(() -> new ProxyVerticle(port, origins, next), new DeploymentOptions().setInstances(instances))
        .await(60, TimeUnit.SECONDS);
    System.out.println("vertx-http-proxy listening on 127.0.0.1:" + port + " (" + instances + " instances, native "
        + vertx.isNativeTransportEnabled() + ")");
  }

  private static final class ProxyVerticle extends AbstractVerticle {
    private final int port;
    private final List<SocketAddress> origins;
    private final AtomicInteger next;

    ProxyVerticle(int port, List<SocketAddress> origins, AtomicInteger next) {
      this.port = port;
      this.origins = origins;
      this.next = next;
    }

    @Override
    public void start(Promise<Void> started) {
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
          new PoolOptions().setHttp1MaxSize(64));
      ProxyOptions options = new ProxyOptions()
          .setForwardedHeadersOptions(new ForwardedHeadersOptions().setEnabled(true).setForwardPort(false));
      HttpProxy proxy = HttpProxy.reverseProxy(options, client)
          .origin(OriginRequestProvider.selector(ctx ->
              Future.succeededFuture(origins.get(Math.floorMod(next.getAndIncrement(), origins.size())))));
      vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
          .requestHandler(proxy)
          .listen()
          .<Void>mapEmpty()
          .onComplete(started);
    }
  }
}
