package cloud.locci.proxy.control;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Serves the dashboard's static files ({@code GET /dashboard/}) from the jar: a fixed list read once
 * into memory at start (a few tens of KiB), so no path from the request ever reaches a file system and
 * nothing is extracted to disk. They hold no data, so they are served without the API key; the page
 * itself asks for the key and sends it with every data request. A strict Content-Security-Policy allows
 * only these files and requests to this origin.
 */
final class DashboardAssets implements Handler<RoutingContext> {

  static final String PREFIX = "/dashboard/";
  private static final String RESOURCES = "locci-dashboard/";
  private static final Map<String, String> FILES = Map.of(
      "index.html", "text/html; charset=utf-8",
      "dashboard.css", "text/css; charset=utf-8",
      "dashboard.js", "text/javascript; charset=utf-8");
  private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
      + " img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private record Asset(Buffer content, String type, String etag) {}

  private final Map<String, Asset> assets;

  private DashboardAssets(Map<String, Asset> assets) {
    this.assets = assets;
  }

  /** Reads every file from the class path; blocking, so call it off the event loop. */
  static DashboardAssets load() {
    Map<String, Asset> assets = new LinkedHashMap<>();
    FILES.forEach((name, type) -> {
      byte[] bytes = read(RESOURCES + name);
      assets.put(name, new Asset(Buffer.buffer(bytes), type, '"' + HexFormat.of().formatHex(sha256(bytes), 0, 16) + '"'));
    });
    return new DashboardAssets(assets);
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    String path = ctx.request().path();
    if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
      ctx.response().putHeader(HttpHeaders.ALLOW, "GET, HEAD");
      ApiErrors.send(ctx, 405, "method " + method + " not allowed on " + path);
      return;
    }
    if (!path.startsWith(PREFIX)) { // "/dashboard" without the slash: relative links need it
      ctx.response().setStatusCode(301).putHeader(HttpHeaders.LOCATION, PREFIX).end();
      return;
    }
    String name = path.substring(PREFIX.length());
    Asset asset = assets.get(name.isEmpty() ? "index.html" : name);
    if (asset == null) {
      ApiErrors.send(ctx, 404, "no such dashboard file: " + path);
      return;
    }
    HttpServerResponse response = ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, asset.type())
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .putHeader(HttpHeaders.ETAG, asset.etag())
        .putHeader("Content-Security-Policy", CSP)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer");
    if (asset.etag().equals(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH))) {
      response.setStatusCode(304).end();
    } else if (method == HttpMethod.HEAD) {
      response.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(asset.content().length())).end();
    } else {
      response.end(asset.content());
    }
  }

  private static byte[] read(String resource) {
    try (InputStream in = DashboardAssets.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("dashboard file missing from the jar: " + resource);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
