package cloud.locci.proxy.core.forward;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Which headers cross the proxy (SPEC §4, RFC 9110 §7.6.1): hop-by-hop headers, and every header the
 * {@code Connection} header names, stay on their side in both directions; {@code Upgrade} and
 * {@code Connection: upgrade} pass only for a WebSocket handshake. Headers are copied once, without
 * building intermediate maps.
 */
public final class HeaderRules {

  static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
  static final AsciiString X_FORWARDED_PORT = AsciiString.cached("x-forwarded-port");
  static final AsciiString X_REAL_IP = AsciiString.cached("x-real-ip");
  private static final AsciiString WEBSOCKET = AsciiString.cached("websocket");
  private static final AsciiString TRAILERS = AsciiString.cached("trailers");
  private static final AsciiString TE = AsciiString.cached("te");

  private static final AsciiString VARY = AsciiString.cached("vary");

  private HeaderRules() {}

  /**
   * Copies the end-to-end request headers of {@code from} into {@code to}. Host, Expect and the
   * X-Forwarded-* headers are left to the caller.
   *
   * @param webSocket send {@code Upgrade: websocket} and {@code Connection: Upgrade} (a WebSocket
   *     handshake); whatever else the client's {@code Upgrade} offered ({@code h2c}) stays behind, since
   *     the proxy only knows how to tunnel a WebSocket
   */
  public static void copyRequestHeaders(MultiMap from, MultiMap to, boolean webSocket) {
    HttpHeaders stored = NettyHeaders.of(from);
    if (stored != null) {
      // The entries as stored: no Map.Entry and no String per header (see NettyHeaders).
      List<String> listed = connectionTokens(stored);
      for (Iterator<Map.Entry<CharSequence, CharSequence>> it = stored.iteratorCharSequence(); it.hasNext(); ) {
        Map.Entry<CharSequence, CharSequence> h = it.next();
        CharSequence name = h.getKey();
        if (classify(name) == END_TO_END && !isListed(name, listed)) {
          to.add(name, h.getValue());
        }
      }
    } else {
      List<String> listed = connectionTokens(from);
      for (Map.Entry<String, String> h : from) {
        String name = h.getKey();
        if (classify(name) == END_TO_END && !isListed(name, listed)) {
          to.add(name, h.getValue());
        }
      }
    }
    if (webSocket) {
      to.set(HttpHeaderNames.UPGRADE, WEBSOCKET);
      to.set(HttpHeaderNames.CONNECTION, HttpHeaderNames.UPGRADE);
    }
  }

  /**
   * Copies the end-to-end response headers of {@code from} into {@code to}; framing
   * ({@code Transfer-Encoding}) is the proxy's own business on each side.
   */
  public static void copyResponseHeaders(MultiMap from, MultiMap to, boolean webSocket) {
    HttpHeaders stored = NettyHeaders.of(from);
    if (stored != null) {
      // The entries as stored: no Map.Entry and no String per header (see NettyHeaders); the names go
      // on as Netty's AsciiString, which the response encoder copies as bytes.
      List<String> listed = connectionTokens(stored);
      for (Iterator<Map.Entry<CharSequence, CharSequence>> it = stored.iteratorCharSequence(); it.hasNext(); ) {
        Map.Entry<CharSequence, CharSequence> h = it.next();
        CharSequence name = h.getKey();
        if (keepResponseHeader(classify(name), name, listed, webSocket)) {
          to.add(name, h.getValue());
        }
      }
      return;
    }
    List<String> listed = connectionTokens(from);
    for (Map.Entry<String, String> h : from) {
      String name = h.getKey();
      if (keepResponseHeader(classify(name), name, listed, webSocket)) {
        to.add(name, h.getValue());
      }
    }
  }

  private static boolean keepResponseHeader(int kind, CharSequence name, List<String> listed, boolean webSocket) {
    if (kind == END_TO_END || kind == PROXY_SET) {
      // X-Forwarded-* and Host in a response are the upstream's business.
      return !isListed(name, listed);
    }
    return webSocket && (kind == UPGRADE_HEADER || kind == CONNECTION_HEADER);
  }

  /**
   * Sends {@code TE: trailers} on when the client's {@code TE} offers {@code trailers} (SPEC §12): the one
   * TE value HTTP/2 allows, which gRPC servers require. For HTTP/2 upstreams only; towards HTTP/1.1, TE
   * stays hop-by-hop (SPEC §4).
   */
  public static void forwardTeTrailers(MultiMap from, MultiMap to) {
    for (String v : from.getAll(TE)) {
      for (String t : v.split(",")) {
        int semi = t.indexOf(';');
        String token = (semi < 0 ? t : t.substring(0, semi)).trim();
        if (token.equalsIgnoreCase("trailers")) {
          to.set(TE, TRAILERS);
          return;
        }
      }
    }
  }

  /**
   * Sets the headers that tell the upstream about the client (SPEC §4, §15). The client's own were
   * removed before routing unless its peer is a trusted proxy ({@code ClientHeaders}), so what is left
   * here came from a trusted proxy and is kept: {@code X-Forwarded-For} gets the peer's address
   * appended; {@code X-Forwarded-Proto}, {@code -Host}, {@code -Port} and {@code X-Real-IP} are set to
   * what this proxy saw unless a trusted proxy sent them ({@code Forwarded} is passed as it came from a
   * trusted proxy, never made up).
   */
  public static void setForwarded(HttpServerRequest request, MultiMap to) {
    SocketAddress remote = request.remoteAddress();
    setForwarded(request, to, remote == null ? "" : remote.hostAddress());
  }

  /**
   * {@link #setForwarded(HttpServerRequest, MultiMap)} with the client's address already known
   * ({@link Exchange#clientIp()}, formatted once per connection); "" or null when unknown.
   */
  static void setForwarded(HttpServerRequest request, MultiMap to, String clientIp) {
    HostAndPort authority = request.authority();
    SocketAddress local = request.localAddress();
    setForwarded(request.headers(), to, clientIp == null || clientIp.isEmpty() ? null : clientIp,
        request.isSSL() ? "https" : "http", authority == null ? null : authority.toString(),
        local == null || local.port() < 0 ? null : portText(local.port()));
  }

  /** The last listener port written as text; immutable, so sharing it between event loops is safe. */
  private record PortText(int port, String text) {}

  private static PortText lastPort = new PortText(-1, "");

  /** {@code Integer.toString(port)} without a new String per request: a proxy listens on few ports. */
  private static String portText(int port) {
    PortText last = lastPort;
    if (last.port() != port) {
      last = new PortText(port, Integer.toString(port));
      lastPort = last;
    }
    return last.text();
  }

  /**
   * {@link #setForwarded(HttpServerRequest, MultiMap)} with the values already taken from the request
   * ({@code null} for one the proxy does not know).
   */
  public static void setForwarded(MultiMap incoming, MultiMap to, String clientIp, String scheme, String host,
      String port) {
    List<String> prior = incoming.contains(X_FORWARDED_FOR) ? incoming.getAll(X_FORWARDED_FOR) : List.of();
    if (clientIp != null) {
      to.set(X_FORWARDED_FOR, prior.isEmpty() ? clientIp : String.join(", ", prior) + ", " + clientIp);
    } else if (!prior.isEmpty()) {
      to.set(X_FORWARDED_FOR, String.join(", ", prior));
    }
    keepOrSet(incoming, to, X_FORWARDED_PROTO, scheme);
    keepOrSet(incoming, to, X_FORWARDED_HOST, host);
    keepOrSet(incoming, to, X_FORWARDED_PORT, port);
    keepOrSet(incoming, to, X_REAL_IP, clientIp);
  }

  private static void keepOrSet(MultiMap incoming, MultiMap to, AsciiString name, String own) {
    String kept = incoming.get(name);
    if (kept != null) {
      to.set(name, kept);
    } else if (own != null) {
      to.set(name, own);
    }
  }

  /**
   * Puts every header of {@code source} into {@code target}, replacing values of the same name and
   * keeping the others ({@link MultiMap#setAll} would clear {@code target} first). {@code Vary} is
   * merged instead: a cache must know every header the answer depends on, the upstream's
   * ({@code Accept-Encoding}) as well as the proxy's ({@code Origin}).
   */
  public static void overlay(MultiMap target, MultiMap source) {
    for (String name : source.names()) {
      if (VARY.contentEqualsIgnoreCase(name)) {
        for (String value : source.getAll(name)) {
          addVary(target, value);
        }
      } else {
        target.set(name, source.getAll(name));
      }
    }
  }

  /**
   * Adds the comma-separated header names of {@code names} to {@code headers}' {@code Vary}, skipping
   * those already listed (case-insensitively); {@code Vary: *} stays as it is.
   */
  public static void addVary(MultiMap headers, String names) {
    List<String> current = headers.getAll(HttpHeaderNames.VARY);
    StringBuilder merged = new StringBuilder(String.join(", ", current));
    boolean changed = false;
    for (String n : names.split(",")) {
      String name = n.trim();
      if (name.isEmpty() || listed(current, name) || listed(current, "*")) {
        continue;
      }
      if (merged.length() > 0) {
        merged.append(", ");
      }
      merged.append(name);
      current = List.of(merged.toString());
      changed = true;
    }
    if (changed) {
      headers.set(HttpHeaderNames.VARY, merged.toString());
    }
  }

  private static boolean listed(List<String> values, String name) {
    for (String v : values) {
      for (String t : v.split(",")) {
        if (t.trim().equalsIgnoreCase(name)) {
          return true;
        }
      }
    }
    return false;
  }

  /** An end-to-end header: it crosses the proxy unless {@code Connection} lists it. */
  static final int END_TO_END = 0;
  /** Hop-by-hop: never crosses. */
  private static final int HOP_BY_HOP_HEADER = 1;
  /** {@code Upgrade}: hop-by-hop, except in a WebSocket handshake. */
  private static final int UPGRADE_HEADER = 2;
  /** {@code Connection}: hop-by-hop; the proxy writes its own for a WebSocket handshake. */
  private static final int CONNECTION_HEADER = 3;
  /** Set by the proxy on requests ({@code Host}, {@code Expect} handled, {@code X-Forwarded-*}). */
  private static final int PROXY_SET = 4;

  /**
   * What kind of header {@code name} is. Dispatches on the length first, so most names are settled
   * with one or two comparisons (this runs for every header of every request and response).
   */
  static int classify(CharSequence name) {
    switch (name.length()) {
      case 2:
        return eq(name, "te") ? HOP_BY_HOP_HEADER : END_TO_END;
      case 4:
        return eq(name, "host") ? PROXY_SET : END_TO_END;
      case 6:
        return eq(name, "expect") ? PROXY_SET : END_TO_END;
      case 7:
        if (eq(name, "upgrade")) {
          return UPGRADE_HEADER;
        }
        return eq(name, "trailer") ? HOP_BY_HOP_HEADER : END_TO_END;
      case 10:
        if (eq(name, "connection")) {
          return CONNECTION_HEADER;
        }
        return eq(name, "keep-alive") ? HOP_BY_HOP_HEADER : END_TO_END;
      case 9:
        return eq(name, "x-real-ip") ? PROXY_SET : END_TO_END;
      case 15:
        return eq(name, "x-forwarded-for") ? PROXY_SET : END_TO_END;
      case 16:
        if (eq(name, "proxy-connection")) {
          return HOP_BY_HOP_HEADER;
        }
        return eq(name, "x-forwarded-host") || eq(name, "x-forwarded-port") ? PROXY_SET : END_TO_END;
      case 17:
        if (eq(name, "transfer-encoding")) {
          return HOP_BY_HOP_HEADER;
        }
        return eq(name, "x-forwarded-proto") ? PROXY_SET : END_TO_END;
      case 18:
        return eq(name, "proxy-authenticate") ? HOP_BY_HOP_HEADER : END_TO_END;
      case 19:
        return eq(name, "proxy-authorization") ? HOP_BY_HOP_HEADER : END_TO_END;
      default:
        return END_TO_END;
    }
  }

  private static boolean eq(CharSequence name, String lower) {
    return AsciiString.contentEqualsIgnoreCase(name, lower);
  }

  private static boolean isListed(CharSequence name, List<String> listed) {
    for (int i = 0; i < listed.size(); i++) {
      if (AsciiString.contentEqualsIgnoreCase(listed.get(i), name)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The header names listed in {@code Connection}, without the connection options {@code close},
   * {@code keep-alive} and {@code upgrade} (they name no header to drop, or one dropped anyway). The
   * usual {@code Connection: keep-alive} costs no allocation.
   */
  private static List<String> connectionTokens(MultiMap headers) {
    String single = headers.get(HttpHeaderNames.CONNECTION);
    if (single == null || isOption(single)) {
      if (single == null || headers.getAll(HttpHeaderNames.CONNECTION).size() == 1) {
        return List.of();
      }
    }
    List<String> tokens = new ArrayList<>(2);
    for (String v : headers.getAll(HttpHeaderNames.CONNECTION)) {
      for (String t : v.split(",")) {
        String token = t.trim();
        if (!token.isEmpty() && !isOption(token)) {
          tokens.add(token);
        }
      }
    }
    return tokens;
  }

  /**
   * {@link #connectionTokens(MultiMap)} on the stored entries: one pass over the names, and no list unless
   * a {@code Connection} value names a header (the usual {@code Connection: keep-alive} of an upstream's
   * response costs nothing).
   */
  private static List<String> connectionTokens(HttpHeaders headers) {
    if (!headers.contains(HttpHeaderNames.CONNECTION)) {
      return List.of();
    }
    List<String> tokens = List.of();
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> h = it.next();
      if (h.getKey().length() != 10 || !eq(h.getKey(), "connection")) {
        continue;
      }
      String value = h.getValue().toString();
      if (isOption(value)) {
        continue;
      }
      for (String t : value.split(",")) {
        String token = t.trim();
        if (!token.isEmpty() && !isOption(token)) {
          if (tokens.isEmpty()) {
            tokens = new ArrayList<>(2);
          }
          tokens.add(token);
        }
      }
    }
    return tokens;
  }

  private static boolean isOption(String token) {
    String t = token.trim();
    return t.equalsIgnoreCase("keep-alive") || t.equalsIgnoreCase("close") || t.equalsIgnoreCase("upgrade");
  }
}
