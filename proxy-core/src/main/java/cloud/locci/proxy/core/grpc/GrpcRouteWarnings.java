package cloud.locci.proxy.core.grpc;

import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.RouteConfig;
import cloud.locci.proxy.core.config.UpstreamConfig;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import com.google.re2j.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SPEC §12: "An HTTP/1.1 upstream receiving gRPC is a config warning". gRPC needs HTTP/2 to the server
 * (trailers carry its status); an HTTP/1.1 upstream gets a chunked POST it cannot answer as gRPC.
 * The config does not say which routes carry gRPC, so two checks, both warnings, never refusals:
 *
 * <ul>
 *   <li>{@code validate} (and start and reload) warn about a gateway route whose {@code path_pattern}
 *       starts like a gRPC method path, {@code /package.Service/} (a first segment of dotted
 *       identifiers, as gRPC's {@code /<package>.<service>/<method>}), when its upstream speaks http1;
 *   <li>at run time, the first gRPC request ({@code content-type: application/grpc*}) a route sends to
 *       an http1 upstream logs one warning for that route and upstream (load-balancer mode included).
 * </ul>
 */
public final class GrpcRouteWarnings {

  private static final Logger log = LoggerFactory.getLogger(GrpcRouteWarnings.class);
  /**
   * The start of a gRPC method path in a route pattern: {@code ^/pkg.Service/}, dots escaped or not.
   * Runs on config strings only, never per request.
   */
  private static final Pattern SERVICE_PATH =
      Pattern.compile("^\\^?/[A-Za-z_][A-Za-z0-9_]*(?:\\\\?\\.[A-Za-z_][A-Za-z0-9_]*)+(?:/|\\$|\\\\b|$)");
  /** (route, upstream) pairs already warned about at run time; bounded by the names in the config. */
  private static final Set<List<String>> WARNED = ConcurrentHashMap.newKeySet();

  private GrpcRouteWarnings() {}

  /** One line per gateway route that looks like gRPC but goes to an http1 upstream. */
  public static List<String> of(ProxyConfig config) {
    List<String> out = new ArrayList<>();
    for (RouteConfig route : config.routes()) {
      UpstreamConfig upstream = config.upstreams().get(route.upstream());
      if (upstream != null && speaksHttp1(upstream) && looksLikeGrpc(route.pathPattern())) {
        out.add("api_gateway.routes." + route.name() + ".path_pattern: \"" + route.pathPattern()
            + "\" looks like a gRPC service path, but upstream \"" + upstream.name()
            + "\" speaks HTTP/1.1; gRPC needs upstreams." + upstream.name() + ".protocol: h2c (or h2 with tls)");
      }
    }
    return List.copyOf(out);
  }

  /**
   * Logs, once per route and upstream, that a gRPC request went to an HTTP/1.1 upstream. Cheap when
   * the upstream speaks HTTP/2 or the request is not gRPC (no allocation).
   */
  public static void onRequest(HttpServerRequest request, String route, String upstream, String upstreamProtocol) {
    if (!"http1".equals(upstreamProtocol) || !GrpcErrors.isGrpc(request)) {
      return;
    }
    if (WARNED.add(List.of(route, upstream))) {
      log.warn("route \"{}\" sent a gRPC request to upstream \"{}\", which speaks HTTP/1.1: gRPC needs "
          + "upstreams.{}.protocol: h2c (or h2 with tls)", route, upstream, upstream);
    }
  }

  static boolean looksLikeGrpc(String pathPattern) {
    return SERVICE_PATH.matcher(pathPattern).find();
  }

  private static boolean speaksHttp1(UpstreamConfig upstream) {
    return !upstream.protocol().multiplexed();
  }
}
