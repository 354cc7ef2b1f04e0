package cloud.locci.proxy.core.middleware;

import cloud.locci.proxy.core.config.MiddlewareConfig;
import cloud.locci.proxy.core.forward.Exchange;
import cloud.locci.proxy.core.forward.HeaderRules;
import cloud.locci.proxy.core.forward.ResponseTransform;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.streams.WriteStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code compression} (SPEC §11): gzips upstream responses on the way to clients that accept it
 * ({@link AcceptEncoding}), streamed ({@link GzipBody}), never buffered whole.
 *
 * <p>A response is <em>compressible</em> when its status has a body and is not a partial one (not 1xx,
 * 204, 206 or 304, no {@code Content-Range}), it is not encoded yet (no {@code Content-Encoding} other
 * than {@code identity}: never encoded twice), its {@code Content-Type} is one of {@code types}, its
 * {@code Content-Length} is at least {@code min_bytes} or absent (chunked), and it does not say
 * {@code Cache-Control: no-transform} (RFC 9110 §7.7). A compressible response gets
 * {@code Vary: Accept-Encoding} (merged into the upstream's Vary) whoever asked, so caches keep the two
 * forms apart. It is compressed when, in addition, the client accepts gzip, the request is not HEAD and
 * came over HTTP/1.1 or HTTP/2 (nginx's {@code gzip_http_version 1.1}): {@code Content-Length} and
 * {@code Accept-Ranges} go, {@code Content-Encoding: gzip} comes, a strong {@code ETag} becomes weak
 * (the bytes differ), and the body is chunked (HTTP/1.1) or plain DATA frames (HTTP/2).
 *
 * <p>At most {@link #MAX_ACTIVE} responses are compressed at once in the process (each holds about
 * 256 KiB of native zlib memory); beyond that, responses go uncompressed until one finishes.
 * Brotli is not offered: no maintained pure-Java encoder is available to this build (Netty's needs the
 * native brotli4j library).
 */
final class CompressionMiddleware implements Middleware, ResponseTransform {

  /** Responses being compressed now, process-wide; bounds the zlib memory. */
  static final int MAX_ACTIVE = 512;
  static final AtomicInteger ACTIVE = new AtomicInteger();

  private final MiddlewareConfig.Compression config;
  /** Exact media types, lower case. */
  private final String[] exact;
  /** Families, as the prefix {@code type/}, lower case. */
  private final String[] families;

  CompressionMiddleware(MiddlewareConfig.Compression config) {
    this.config = config;
    List<String> types = config.types();
    this.exact = types.stream().filter(t -> !t.endsWith("/*")).toArray(String[]::new);
    this.families = types.stream().filter(t -> t.endsWith("/*"))
        .map(t -> t.substring(0, t.length() - 1)).toArray(String[]::new);
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public Future<Verdict> onRequest(Exchange exchange) {
    // Everything is decided when the response head is in: the request alone says too little.
    exchange.responseTransform(this);
    return Middlewares.GO_ON;
  }

  @Override
  public Body apply(HttpServerRequest request, int status, MultiMap headers, WriteStream<Buffer> body) {
    if (!compressible(status, headers)) {
      return null;
    }
    HeaderRules.addVary(headers, "Accept-Encoding");
    if (request.method() == HttpMethod.HEAD || request.version() == HttpVersion.HTTP_1_0
        || !AcceptEncoding.acceptsGzip(request.headers().getAll(HttpHeaders.ACCEPT_ENCODING))) {
      return null;
    }
    if (ACTIVE.incrementAndGet() > MAX_ACTIVE) {
      ACTIVE.decrementAndGet();
      return null;
    }
    headers.remove(HttpHeaders.CONTENT_LENGTH);
    headers.remove(HttpHeaders.ACCEPT_RANGES);
    headers.set(HttpHeaders.CONTENT_ENCODING, "gzip");
    String etag = headers.get(HttpHeaders.ETAG);
    if (etag != null && etag.startsWith("\"")) {
      headers.set(HttpHeaders.ETAG, "W/" + etag);
    }
    return new GzipBody(body, ACTIVE);
  }

  /** Whether the response may be compressed, whatever the client accepts; see the class comment. */
  boolean compressible(int status, MultiMap headers) {
    if (status < 200 || status == 204 || status == 206 || status == 304) {
      return false;
    }
    if (headers.contains(HttpHeaders.CONTENT_RANGE)) {
      return false;
    }
    String encoding = headers.get(HttpHeaders.CONTENT_ENCODING);
    if (encoding != null && !encoding.isBlank() && !encoding.trim().equalsIgnoreCase("identity")) {
      return false;
    }
    if (!typeMatches(headers.get(HttpHeaders.CONTENT_TYPE))) {
      return false;
    }
    String length = headers.get(HttpHeaders.CONTENT_LENGTH);
    if (length != null && !atLeast(length, config.minBytes())) {
      return false;
    }
    String cacheControl = headers.get(HttpHeaders.CACHE_CONTROL);
    return cacheControl == null || !cacheControl.toLowerCase(Locale.ROOT).contains("no-transform");
  }

  /** Whether the media type of {@code contentType} (parameters ignored) is one of the configured types. */
  boolean typeMatches(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semi = contentType.indexOf(';');
    String type = (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
    for (String e : exact) {
      if (type.equalsIgnoreCase(e)) {
        return true;
      }
    }
    for (String f : families) {
      if (type.length() > f.length() && type.regionMatches(true, 0, f, 0, f.length())) {
        return true;
      }
    }
    return false;
  }

  /** Whether the decimal {@code length} is at least {@code min}; an unreadable length is not compressed. */
  private static boolean atLeast(String length, int min) {
    String t = length.trim();
    if (t.isEmpty() || t.length() > 18) {
      return t.length() > 18 && t.chars().allMatch(Character::isDigit);
    }
    long v = 0;
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
      v = v * 10 + (c - '0');
    }
    return v >= min;
  }
}
