package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.config.UpstreamConfig.Protocol;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.List;

/**
 * The header rules of one pair of protocols, client side and upstream side (HTTP/1.x or HTTP/2 each).
 * The common rules are {@link HeaderRules}' (hop-by-hop headers and what {@code Connection} lists stay
 * on their side, both ways); what differs per pair:
 *
 * <ul>
 *   <li><b>Cookies</b>: an HTTP/2 client may split {@code cookie} into several fields (RFC 9113
 *       §8.2.3); an HTTP/1.1 upstream gets them joined into one with {@code "; "}.</li>
 *   <li><b>{@code TE}</b>: hop-by-hop towards HTTP/1.1 upstreams (SPEC §4); towards HTTP/2 upstreams
 *       {@code TE: trailers} goes on when the client offered {@code trailers}, the one TE value HTTP/2
 *       allows, which gRPC servers require (SPEC §12, {@link HeaderRules#forwardTeTrailers}).</li>
 *   <li><b>Host and {@code :authority}</b>: the driver sets the request's authority, which Vert.x
 *       writes as {@code Host} on HTTP/1.1 and {@code :authority} on HTTP/2; a {@code Host} field is
 *       never copied as a header.</li>
 *   <li><b>Response trailers</b> follow {@link Trailers}' rules (the end of a {@link BodyRelay}).</li>
 * </ul>
 *
 * <p>The mappers are stateless singletons built once; {@link #of} picks one per lease from a table, by
 * the request's version and the protocol of the lease it got (which may differ from the upstream's
 * configured protocol if a server negotiated down by ALPN).
 */
abstract class HeaderMapper {

  private static final HeaderMapper[][] TABLE = new HeaderMapper[2][Protocol.values().length];

  static {
    for (Protocol p : Protocol.values()) {
      TABLE[0][p.ordinal()] = p.multiplexed() ? new ToHttp2(false) : new ToHttp1(false);
      TABLE[1][p.ordinal()] = p.multiplexed() ? new ToHttp2(true) : new ToHttp1(true);
    }
  }

  /** Whether the client speaks HTTP/2. */
  final boolean http2Client;

  private HeaderMapper(boolean http2Client) {
    this.http2Client = http2Client;
  }

  /** The mapper for a client speaking {@code client} and an upstream lease speaking {@code upstream}. */
  static HeaderMapper of(HttpVersion client, Protocol upstream) {
    return TABLE[client == HttpVersion.HTTP_2 ? 1 : 0][upstream.ordinal()];
  }

  /**
   * Copies the end-to-end request headers of {@code request} into {@code out} (the upstream request's
   * headers). Host, Expect and the X-Forwarded-* headers are left to the caller.
   *
   * @param webSocket a WebSocket handshake: {@code Upgrade: websocket} and {@code Connection: Upgrade}
   */
  abstract void requestHeaders(HttpServerRequest request, MultiMap out, boolean webSocket);

  /** Copies the end-to-end response headers {@code from} the upstream {@code to} the client's response. */
  void responseHeaders(MultiMap from, MultiMap to, boolean webSocket) {
    HeaderRules.copyResponseHeaders(from, to, webSocket);
  }

  /** Towards an HTTP/1.1 upstream. */
  private static final class ToHttp1 extends HeaderMapper {

    ToHttp1(boolean http2Client) {
      super(http2Client);
    }

    @Override
    void requestHeaders(HttpServerRequest request, MultiMap out, boolean webSocket) {
      HeaderRules.copyRequestHeaders(request.headers(), out, webSocket);
      if (http2Client) {
        List<String> cookies = out.getAll(HttpHeaders.COOKIE);
        if (cookies.size() > 1) {
          out.set(HttpHeaders.COOKIE, String.join("; ", cookies));
        }
      }
    }
  }

  /** Towards an HTTP/2 upstream (h2c or h2). */
  private static final class ToHttp2 extends HeaderMapper {

    ToHttp2(boolean http2Client) {
      super(http2Client);
    }

    @Override
    void requestHeaders(HttpServerRequest request, MultiMap out, boolean webSocket) {
      // No WebSocket over HTTP/2 upstreams (no RFC 8441 CONNECT).
      HeaderRules.copyRequestHeaders(request.headers(), out, false);
      HeaderRules.forwardTeTrailers(request.headers(), out);
    }
  }
}
