package cloud.locci.proxy.core.request;

import cloud.locci.proxy.core.config.Cidr;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Which client headers the proxy believes (SPEC §15), applied to the request's own headers before
 * routing, so middlewares (a rate limit keyed by a header) see what the upstream will see:
 *
 * <ul>
 *   <li>{@code X-Auth-Subject} is removed from every request: only the authentication middleware sets
 *       it, after verifying a token;
 *   <li>header names containing {@code _} are removed unless {@code server.underscores_in_headers}:
 *       CGI/WSGI upstreams map {@code X_Auth_Subject} and {@code X-Auth-Subject} to the same variable;
 *   <li>{@code X-Forwarded-For/-Proto/-Host/-Port}, {@code Forwarded} and {@code X-Real-IP} are removed
 *       unless the peer is in {@code server.trusted_proxies}; the proxy then sets its own
 *       ({@link cloud.locci.proxy.core.forward.HeaderRules#setForwarded});
 *   <li>an HTTP/2 client's several {@code cookie} fields become one, joined with {@code "; "}, as
 *       HTTP/1.1 upstreams expect (RFC 9113 §8.2.3).
 * </ul>
 *
 * Costs one pass over the header names as stored ({@link HeaderEntries}), and no allocation when nothing
 * is removed.
 */
public final class ClientHeaders {

  private final boolean underscoresAllowed;
  private final List<Cidr> trustedProxies;

  public ClientHeaders(boolean underscoresAllowed, List<Cidr> trustedProxies) {
    this.underscoresAllowed = underscoresAllowed;
    this.trustedProxies = List.copyOf(trustedProxies);
  }

  /** Removes from {@code request}'s headers what the client may not send; see the class comment. */
  public void sanitize(HttpServerRequest request) {
    MultiMap headers = request.headers();
    boolean trusted = !trustedProxies.isEmpty() && isTrusted(request.remoteAddress());
    List<String> drop = null;
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = HeaderEntries.of(headers); it.hasNext(); ) {
      CharSequence name = it.next().getKey();
      boolean remove = !underscoresAllowed && hasUnderscore(name)
          || isAuthSubject(name)
          || !trusted && isForwarding(name);
      if (remove) {
        if (drop == null) {
          drop = new ArrayList<>(2);
        }
        drop.add(name.toString());
      }
    }
    if (drop != null) {
      drop.forEach(headers::remove);
    }
    if (request.version() == HttpVersion.HTTP_2) {
      List<String> cookies = headers.getAll(HttpHeaders.COOKIE);
      if (cookies.size() > 1) {
        headers.set(HttpHeaders.COOKIE, String.join("; ", cookies));
      }
    }
  }

  /** Whether {@code peer} is in {@code server.trusted_proxies}. */
  boolean isTrusted(SocketAddress peer) {
    if (peer == null || peer.hostAddress() == null) {
      return false;
    }
    byte[] address;
    try {
      address = InetAddress.getByName(peer.hostAddress()).getAddress(); // a literal: no lookup
    } catch (UnknownHostException e) {
      return false;
    }
    for (Cidr c : trustedProxies) {
      if (c.contains(address)) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasUnderscore(CharSequence name) {
    for (int i = 0; i < name.length(); i++) {
      if (name.charAt(i) == '_') {
        return true;
      }
    }
    return false;
  }

  private static boolean isAuthSubject(CharSequence name) {
    return HeaderEntries.nameIs(name, "x-auth-subject");
  }

  /** The headers that describe the client to the upstream and that only a trusted proxy may pass on. */
  static boolean isForwarding(CharSequence name) {
    return switch (name.length()) {
      case 9 -> HeaderEntries.nameIs(name, "forwarded") || HeaderEntries.nameIs(name, "x-real-ip");
      case 15 -> HeaderEntries.nameIs(name, "x-forwarded-for");
      case 16 -> HeaderEntries.nameIs(name, "x-forwarded-host") || HeaderEntries.nameIs(name, "x-forwarded-port");
      case 17 -> HeaderEntries.nameIs(name, "x-forwarded-proto");
      default -> false;
    };
  }
}
