package cloud.locci.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HoldingUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import cloud.locci.proxy.core.testing.ProxyDeployment;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientConfig;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every selection strategy end to end, through the real load-balancer verticle with two instances and
 * a new connection per request (so requests land on both instances and only process-wide state can
 * keep the counts exact). Random strategies are checked on what can never happen, or with margins of
 * many standard deviations.
 */
@ExtendWith(VertxExtension.class)
class SelectionStrategiesTest {

  private static final int INSTANCES = 2;

  private Vertx vertx;
  private final List<EchoUpstream> echoes = new ArrayList<>();
  private final List<HoldingUpstream> slow = new ArrayList<>();
  /** The server of every finished exchange, in order: the proxy's own "request over" event. */
  private final BlockingQueue<String> finished = new LinkedBlockingQueue<>();
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    for (int i = 1; i <= 3; i++) {
      echoes.add(EchoUpstream.start(vertx, "server-" + i).await());
    }
    // No keep-alive: each request is a new connection, so requests spread over every proxy instance.
    client = vertx.httpClientBuilder()
        .with(new HttpClientOptions().setKeepAlive(false))
        .with(new PoolOptions().setHttp1MaxSize(64))
        .build();
  }

  @AfterEach
  void tearDown() {
    slow.forEach(HoldingUpstream::releaseAll);
    client.close().await();
  }

  /** One server line of the YAML: {@code address: weight}. */
  private record Server(String address, int weight) {}

  private static String config(String strategy, String hashOn, List<Server> servers) {
    StringBuilder list = new StringBuilder();
    for (Server s : servers) {
      list.append("      - address: \"").append(s.address()).append("\"\n")
          .append("        weight: ").append(s.weight()).append('\n');
    }
    return """
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:0"
        upstreams:
          app:
            strategy: %s
        %s    servers:
        %s
        load_balancer:
          upstream: app
        control_api:
          enabled: false
        """.formatted(strategy, hashOn == null ? "" : "    hash_on: \"" + hashOn + "\"\n",
        list.toString().stripTrailing());
  }

  private static List<Server> servers(String... addresses) {
    List<Server> list = new ArrayList<>();
    for (String a : addresses) {
      list.add(new Server(a, 1));
    }
    return list;
  }

  private ProxyDeployment deploy(String yaml) {
    return ProxyDeployment.deploy(vertx, ProxyDeployment.parse(yaml), LoadBalancerMode::new, INSTANCES, e -> finished.add(e.backend() == null ? "" : e.backend().toString())).await();
  }

  private String idOf(int port, String uri) {
    HttpResult r = HttpResult.get(client, port, uri);
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    return r.header("X-Upstream-Id");
  }

  private String idOf(HttpClient c, int port, String uri, String header, String value) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI(uri);
    if (header != null) {
      options.addHeader(header, value);
    }
    HttpResult r = HttpResult.send(c, options, null);
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    return r.header("X-Upstream-Id");
  }

  /** The client address the upstream was told of. */
  private static String forwardedFor(HttpClient c, int port) {
    HttpResult r = HttpResult.get(c, port, "/whoami");
    return r.json().getJsonObject("headers").getJsonArray("x-forwarded-for").getString(0);
  }

  private static Map<String, Integer> tally(List<String> ids) {
    Map<String, Integer> counts = new HashMap<>();
    ids.forEach(id -> counts.merge(id, 1, Integer::sum));
    return counts;
  }

  @Test
  void weightedRoundRobinFiveOneOneIsNginxSequenceAndExactCounts() {
    ProxyDeployment proxy = deploy(config("weighted_round_robin", null, List.of(
        new Server(echoes.get(0).address(), 5), new Server(echoes.get(1).address(), 1),
        new Server(echoes.get(2).address(), 1))));

    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 700; i++) {
      seen.add(idOf(proxy.port(), "/wrr/" + i));
    }

    assertThat(seen.subList(0, 7)).containsExactly("server-1", "server-1", "server-2", "server-1", "server-3",
        "server-1", "server-1");
    assertThat(tally(seen)).containsExactlyInAnyOrderEntriesOf(
        Map.of("server-1", 500, "server-2", 100, "server-3", 100));
  }

  @Test
  void consistentHashOnHeaderKeepsUsersAndMovesOnlyTheRemovedServersUsers() {
    List<String> addresses = echoes.stream().map(EchoUpstream::address).toList();
    ProxyDeployment proxy = deploy(config("consistent_hash", "header:X-User", servers(addresses.toArray(String[]::new))));
    Map<String, String> owner = new LinkedHashMap<>();
    for (int round = 0; round < 3; round++) {
      for (int u = 0; u < 100; u++) {
        String id = idOf(client, proxy.port(), "/profile/" + round, "X-User", "user-" + u);
        String previous = owner.putIfAbsent("user-" + u, id);
        assertThat(id).as("user-%d, round %d", u, round).isEqualTo(previous == null ? id : previous);
      }
    }
    assertThat(new HashSet<>(owner.values())).hasSize(3);
    // Without the header the client IP is the key: the same server as a header holding that IP.
    assertThat(idOf(client, proxy.port(), "/", null, null))
        .isEqualTo(idOf(client, proxy.port(), "/", "X-User", "127.0.0.1"));

    ProxyConfig withoutThird = ProxyDeployment.parse(config("consistent_hash", "header:X-User",
        servers(addresses.get(0), addresses.get(1))));
    proxy.apply(withoutThird).await();

    int moved = 0;
    for (Map.Entry<String, String> e : owner.entrySet()) {
      String now = idOf(client, proxy.port(), "/profile", "X-User", e.getKey());
      if (e.getValue().equals("server-3")) {
        moved++;
        assertThat(now).isIn("server-1", "server-2");
      } else {
        assertThat(now).as(e.getKey()).isEqualTo(e.getValue());
      }
    }
    assertThat(moved).isPositive();
  }

  @Test
  void consistentHashOnPathKeepsEachPathOnOneServer() {
    ProxyDeployment proxy = deploy(config("consistent_hash", "path",
        servers(echoes.stream().map(EchoUpstream::address).toArray(String[]::new))));
    Map<String, String> owner = new HashMap<>();
    for (int round = 0; round < 2; round++) {
      for (int p = 0; p < 60; p++) {
        // The query string and the client's headers are not part of the key.
        String id = idOf(client, proxy.port(), "/items/" + p + "?round=" + round, "X-User", "u" + round);
        String previous = owner.putIfAbsent("/items/" + p, id);
        assertThat(id).isEqualTo(previous == null ? id : previous);
      }
    }
    assertThat(new HashSet<>(owner.values())).hasSizeGreaterThan(1);
  }

  @Test
  void consistentHashOnClientIpKeepsEachClientOnOneServer() {
    ProxyDeployment proxy = deploy(config("consistent_hash", "client_ip",
        servers(echoes.stream().map(EchoUpstream::address).toArray(String[]::new))));
    Set<String> used = new HashSet<>();
    // Linux routes all of 127.0.0.0/8 to loopback: each local address is a different client IP.
    for (int host = 2; host < 32; host++) {
      // HttpClientOptions.setLocalAddress is not carried over to the TCP config in Vert.x 5.1: set it there.
      HttpClientConfig config = new HttpClientConfig();
      config.getTcpConfig().setLocalAddress(SocketAddress.inetSocketAddress(0, "127.0.0." + host));
      HttpClient from = vertx.createHttpClient(config);
      try {
        String first = idOf(from, proxy.port(), "/a", "X-User", "one");
        assertThat(forwardedFor(from, proxy.port())).isEqualTo("127.0.0." + host);
        assertThat(idOf(from, proxy.port(), "/b/" + host, "X-User", "two")).isEqualTo(first);
        used.add(first);
      } finally {
        from.close().await();
      }
    }
    assertThat(used).hasSizeGreaterThan(1);
  }

  @Test
  void leastConnectionsSendsNothingToTheSlowServerWhileItIsBusyAndIdleServersShare() throws Exception {
    HoldingUpstream held = HoldingUpstream.start(vertx, "slow").await();
    slow.add(held);
    ProxyDeployment proxy = deploy(config("least_connections", null,
        servers(held.address(), echoes.get(0).address(), echoes.get(1).address())));

    // All idle: the tie goes round robin from the first server, the slow one, which keeps the request.
    Future<HttpResult> first = client.request(HttpMethod.GET, proxy.port(), "127.0.0.1", "/slow")
        .compose(r -> r.send()).compose(HttpResult::of);
    held.arrived(1).await();

    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      seen.add(idOf(proxy.port(), "/fast/" + i));
      // Wait for the proxy to count the exchange as over before the next request.
      assertThat(finished.poll(10, TimeUnit.SECONDS)).isNotNull().isNotEqualTo(held.address());
    }
    assertThat(tally(seen)).containsExactlyInAnyOrderEntriesOf(Map.of("server-1", 10, "server-2", 10));
    assertThat(held.heldCount()).isEqualTo(1);

    held.releaseAll();
    assertThat(first.await().header("X-Upstream-Id")).isEqualTo("slow");
    assertThat(finished.poll(10, TimeUnit.SECONDS)).isEqualTo(held.address());
  }

  @Test
  void randomTwoChoicesSpreadsLoadOverIdleServers() {
    ProxyDeployment proxy = deploy(config("random_two_choices", null,
        servers(echoes.stream().map(EchoUpstream::address).toArray(String[]::new))));
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      seen.add(idOf(proxy.port(), "/p2c/" + i));
    }
    // Expected 100 each, standard deviation about 8.2.
    Map<String, Integer> counts = tally(seen);
    assertThat(counts).containsOnlyKeys("server-1", "server-2", "server-3");
    counts.values().forEach(c -> assertThat(c).isGreaterThan(50));
  }

  @Test
  void randomTwoChoicesAvoidsAServerWithManyRequestsInFlight() throws Exception {
    HoldingUpstream held = HoldingUpstream.start(vertx, "busy").await();
    slow.add(held);
    // First the busy server alone receives 20 requests it keeps...
    ProxyDeployment proxy = deploy(config("round_robin", null, servers(held.address())));
    List<Future<HttpResult>> pending = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      pending.add(client.request(HttpMethod.GET, proxy.port(), "127.0.0.1", "/held/" + i)
          .compose(r -> r.send()).compose(HttpResult::of));
    }
    held.arrived(20).await();
    // ...then a reload adds two idle servers; in-flight counts are process-wide and survive it.
    proxy.apply(ProxyDeployment.parse(config("random_two_choices", null,
        servers(held.address(), echoes.get(0).address(), echoes.get(1).address())))).await();

    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      seen.add(idOf(proxy.port(), "/p2c/" + i));
    }

    // Any two different servers drawn include an idle one, which beats 20 in flight.
    Map<String, Integer> counts = tally(seen);
    assertThat(counts).containsOnlyKeys("server-1", "server-2");
    // Expected 50 each, standard deviation 5.
    counts.values().forEach(c -> assertThat(c).isGreaterThan(20));
    held.releaseAll();
    for (Future<HttpResult> f : pending) {
      assertThat(f.await().header("X-Upstream-Id")).isEqualTo("busy");
    }
  }
}
