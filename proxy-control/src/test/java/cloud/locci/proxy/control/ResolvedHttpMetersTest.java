package cloud.locci.proxy.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerConfig;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@link ResolvedHttpMeters} against vertx-micrometer-metrics itself: the same traffic through a real
 * Vert.x HTTP server and client, once with each factory and the proxy's metrics options, gives the same
 * Vert.x HTTP meter families (names, types, help) and the same counts, and the active-request gauges
 * come back to zero.
 */
class ResolvedHttpMetersTest {

  private static final int REQUESTS = 25;
  private static final Pattern FAMILY = Pattern.compile("(?m)^# (HELP|TYPE) (vertx_http_\\S+) (.*)$");

  @Test
  void theSameTrafficGivesTheSameVertxHttpMetersAsVertxMicrometerMetrics() {
    String theirs = scrapeAfterTraffic(MicrometerMetricsFactory::new);
    String ours = scrapeAfterTraffic(ResolvedHttpMeters::new);

    assertThat(families(ours)).isNotEmpty().isEqualTo(families(theirs));
    for (String series : List.of("vertx_http_server_requests_total", "vertx_http_client_requests_total",
        "vertx_http_client_responses_total", "vertx_http_server_response_time_seconds_count",
        "vertx_http_client_response_time_seconds_count", "vertx_http_server_request_bytes_count",
        "vertx_http_server_response_bytes_count", "vertx_http_client_request_bytes_count",
        "vertx_http_client_response_bytes_count")) {
      assertThat(value(ours, series)).as(series).isEqualTo(REQUESTS).isEqualTo(value(theirs, series));
    }
    // Each request sent 3 bytes and got 5 back, both ways measured alike.
    assertThat(value(ours, "vertx_http_server_request_bytes_sum")).isEqualTo(3 * REQUESTS);
    assertThat(value(ours, "vertx_http_client_response_bytes_sum")).isEqualTo(5 * REQUESTS)
        .isEqualTo(value(theirs, "vertx_http_client_response_bytes_sum"));
    assertThat(value(ours, "vertx_http_server_active_requests")).isZero();
    assertThat(value(ours, "vertx_http_client_active_requests")).isZero();
  }

  @Test
  void optionsWithAPerRequestLabelKeepVertxMicrometerMetricsOwnMeters() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ProxyMetrics metrics = ProxyMetrics.create();
    MicrometerMetricsOptions options = (MicrometerMetricsOptions) metrics.vertxMetricsOptions(true);
    options.addLabels(Label.HTTP_METHOD);
    Vertx vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(options))
        .withMetrics(new ResolvedHttpMeters(registry)).build();
    try {
      Object serverMetrics = ((VertxInternal) vertx).metrics().createHttpServerMetrics(new HttpServerConfig(), null, null);
      assertThat(serverMetrics).isNotInstanceOf(ResolvedHttpMeters.ServerMeters.class).isNotNull();
    } finally {
      vertx.close().await();
    }
  }

  /** Runs {@link #REQUESTS} requests through a server and client of a Vert.x made with {@code factory}. */
  private static String scrapeAfterTraffic(Function<PrometheusMeterRegistry, VertxMetricsFactory> factory) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ProxyMetrics options = ProxyMetrics.create();
    Vertx vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(options.vertxMetricsOptions(true)))
        .withMetrics(factory.apply(registry)).build();
    try {
      HttpServer server = vertx.createHttpServer()
          .requestHandler(req -> req.body().onSuccess(b -> req.response().end("hello")))
          .listen(0, "127.0.0.1").await();
      HttpClient client = vertx.createHttpClient();
      for (int i = 0; i < REQUESTS; i++) {
        Buffer body = client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                .setPort(server.actualPort()).setURI("/x"))
            .compose(req -> req.send("abc"))
            .compose(HttpClientResponse::body).await();
        assertThat(body.toString()).isEqualTo("hello");
      }
      client.close().await();
      server.close().await();
      return registry.scrape();
    } finally {
      vertx.close().await();
    }
  }

  private static Set<String> families(String exposition) {
    Set<String> found = new TreeSet<>();
    Matcher m = FAMILY.matcher(exposition);
    while (m.find()) {
      found.add(m.group(2) + " " + m.group(1) + " " + m.group(3));
    }
    return found;
  }

  private static double value(String exposition, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(exposition);
    assertThat(m.find()).as("%s in the exposition:%n%s", series, exposition).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
