package cloud.locci.proxy.core.middleware;

import cloud.locci.proxy.core.config.Cidr;
import cloud.locci.proxy.core.config.MiddlewareConfig;
import cloud.locci.proxy.core.forward.Exchange;
import cloud.locci.proxy.core.forward.Reason;
import io.netty.util.NetUtil;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.util.List;

/**
 * {@code ip_filter} (SPEC §11): refuses a request with 403 {@code ip_denied} when the client's address
 * is in a {@code deny} block, or when {@code allow} is set and the address is in none of its blocks (deny
 * wins over allow). IPv4 and IPv6; an IPv4-mapped IPv6 peer ({@code ::ffff:10.1.2.3}) counts as its IPv4
 * address.
 *
 * <p>The client is the TCP peer, unless the peer is in {@code trusted_proxies}: then the
 * {@code X-Forwarded-For} entries are read from the right, skipping trusted ones, and the first untrusted
 * entry stands in for the client (the one a trusted proxy appended for the peer it saw; entries to its left
 * are whatever that peer claimed and are ignored). When every entry is trusted, the leftmost stands in. An
 * entry that is not an IP address (a name, {@code unknown}, garbage) cannot be checked and is refused:
 * failing closed, so no made-up value gets past a deny list.
 *
 * <p>The proxy drops {@code X-Forwarded-For} from peers outside {@code server.trusted_proxies} before any
 * middleware runs, so a proxy in front must be trusted there too for its header to reach this filter.
 */
final class IpFilterMiddleware implements Middleware {

  private static final String FORWARDED_FOR = "X-Forwarded-For";

  private final MiddlewareConfig.IpFilter config;
  private final Cidr[] allow;
  private final Cidr[] deny;
  private final Cidr[] trusted;

  IpFilterMiddleware(MiddlewareConfig.IpFilter config) {
    this.config = config;
    this.allow = config.allow().toArray(Cidr[]::new);
    this.deny = config.deny().toArray(Cidr[]::new);
    this.trusted = config.trustedProxies().toArray(Cidr[]::new);
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public Future<Verdict> onRequest(Exchange exchange) {
    HttpServerRequest request = exchange.request();
    byte[] client = clientAddress(request);
    if (client != null && admits(client)) {
      return Middlewares.GO_ON;
    }
    return Future.succeededFuture(new Verdict.Reject(Reason.IP_DENIED,
        "client address not allowed by ip_filter " + config.name(), null));
  }

  /** Whether {@code address} passes: not denied, and allowed when an allow list exists. */
  boolean admits(byte[] address) {
    if (in(deny, address)) {
      return false;
    }
    return allow.length == 0 || in(allow, address);
  }

  /** The address the filter judges (see the class comment); null when it cannot be read. */
  byte[] clientAddress(HttpServerRequest request) {
    SocketAddress peer = request.remoteAddress();
    byte[] address = peer == null ? null : parse(peer.hostAddress());
    if (address == null || trusted.length == 0 || !in(trusted, address)) {
      return address;
    }
    List<String> values = request.headers().getAll(FORWARDED_FOR);
    byte[] leftmost = address;
    for (int v = values.size() - 1; v >= 0; v--) {
      String value = values.get(v);
      int end = value.length();
      while (end >= 0) {
        int comma = value.lastIndexOf(',', end - 1);
        String entry = value.substring(comma + 1, end).trim();
        end = comma;
        if (entry.isEmpty()) {
          continue;
        }
        byte[] a = parse(entry);
        if (a == null || !in(trusted, a)) {
          return a;
        }
        leftmost = a;
        if (comma < 0) {
          break;
        }
      }
    }
    return leftmost;
  }

  private static boolean in(Cidr[] blocks, byte[] address) {
    for (Cidr c : blocks) {
      if (c.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The bytes of a literal IPv4 or IPv6 address, also as written in {@code X-Forwarded-For} with a port
   * ({@code 10.0.0.1:5000}, {@code [2001:db8::1]:443}); null for anything else. Never a name lookup.
   */
  static byte[] parse(String text) {
    if (text == null || text.isEmpty() || text.length() > 64) {
      return null;
    }
    String t = text;
    if (t.charAt(0) == '[') {
      int close = t.indexOf(']');
      if (close < 0) {
        return null;
      }
      t = t.substring(1, close);
    } else {
      int colon = t.indexOf(':');
      if (colon > 0 && colon == t.lastIndexOf(':') && t.indexOf('.') > 0) {
        t = t.substring(0, colon); // IPv4 with a port
      }
    }
    int zone = t.indexOf('%');
    if (zone > 0) {
      t = t.substring(0, zone);
    }
    return NetUtil.createByteArrayFromIpAddressString(t);
  }
}
