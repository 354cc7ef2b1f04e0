package cloud.locci.proxy.core.forward;

import cloud.locci.proxy.core.upstream.UpstreamGroup;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

/**
 * The protocol on each side of an exchange (SPEC §12), as the access log and metrics name it
 * ({@code client_protocol}, {@code upstream_protocol}): {@code http1} (HTTP/1.0 and 1.1, over TLS or
 * not), {@code h2} (HTTP/2 over TLS) or {@code h2c} (cleartext HTTP/2), the values of
 * {@code upstreams.<name>.protocol}. Constants, so a label value never comes from the request.
 */
public final class Protocols {

  public static final String HTTP1 = "http1";
  public static final String H2 = "h2";
  public static final String H2C = "h2c";

  private Protocols() {}

  /** The protocol the client speaks on {@code request}'s connection. */
  public static String client(HttpServerRequest request) {
    if (request.version() != HttpVersion.HTTP_2) {
      return HTTP1;
    }
    return request.isSSL() ? H2 : H2C;
  }

  /** The protocol the proxy speaks to the servers of {@code group}. */
  static String upstream(UpstreamGroup group) {
    return group.config().protocol().yamlName();
  }
}
