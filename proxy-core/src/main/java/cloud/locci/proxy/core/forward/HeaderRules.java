package cloud.locci.proxy.core.forward;

import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.ArrayList;
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

  private static final AsciiString[] HOP_BY_HOP = {
      AsciiString.cached("connection"),
      AsciiString.cached("keep-alive"),
      AsciiString.cached("te"),
      AsciiString.cached("trailer"),
      AsciiString.cached("transfer-encoding"),
      AsciiString.cached("upgrade"),
      AsciiString.cached("proxy-connection"),
      AsciiString.cached("proxy-authorization"),
      AsciiString.cached("proxy-authenticate"),
  };
  private static final AsciiString UPGRADE = AsciiString.cached("upgrade");
  private static final AsciiString CONNECTION = AsciiString.cached("connection");
  private static final AsciiString VARY = AsciiString.cached("vary");
  // Host is set from the request's authority; Expect is answered by the proxy itself (100-continue).
  private static final AsciiString HOST = AsciiString.cached("host");
  private static final AsciiString EXPECT = AsciiString.cached("expect");

  private HeaderRules() {}

  /**
   * Copies the end-to-end request headers of {@code from} into {@code to}. Host, Expect and the
   * X-Forwarded-* headers are left to the caller.
   *
   * @param webSocket keep {@code Upgrade} and send {@code Connection: Upgrade} (a WebSocket handshake)
   */
  public static void copyRequestHeaders(MultiMap from, MultiMap to, boolean webSocket) {
    List<String> listed = connectionTokens(from);
    for (Map.Entry<String, String> h : from) {
      String name = h.getKey();
      if (isHopByHop(name, listed) && !(webSocket && UPGRADE.contentEqualsIgnoreCase(name))
          || HOST.contentEqualsIgnoreCase(name) || EXPECT.contentEqualsIgnoreCase(name)
          || X_FORWARDED_FOR.contentEqualsIgnoreCase(name) || X_FORWARDED_PROTO.contentEqualsIgnoreCase(name)
          || X_FORWARDED_HOST.contentEqualsIgnoreCase(name)) {
        continue;
      }
      to.add(name, h.getValue());
    }
    if (webSocket) {
      to.set(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE);
    }
  }

  /**
   * Copies the end-to-end response headers of {@code from} into {@code to}; framing
   * ({@code Transfer-Encoding}) is the proxy's own business on each side.
   */
  public static void copyResponseHeaders(MultiMap from, MultiMap to, boolean webSocket) {
    List<String> listed = connectionTokens(from);
    for (Map.Entry<String, String> h : from) {
      String name = h.getKey();
      if (isHopByHop(name, listed)
          && !(webSocket && (UPGRADE.contentEqualsIgnoreCase(name) || CONNECTION.contentEqualsIgnoreCase(name)))) {
        continue;
      }
      to.add(name, h.getValue());
    }
  }

  /**
   * Sets the X-Forwarded-* headers: the client's address appended to any {@code X-Forwarded-For} it
   * sent, {@code X-Forwarded-Proto} and {@code X-Forwarded-Host} replaced with what this proxy saw.
   */
  public static void setForwarded(MultiMap incoming, MultiMap to, String clientIp, String scheme, String host) {
    List<String> prior = incoming.getAll(X_FORWARDED_FOR);
    if (clientIp != null) {
      if (prior.isEmpty()) {
        to.set(X_FORWARDED_FOR, clientIp);
      } else {
        to.set(X_FORWARDED_FOR, String.join(", ", prior) + ", " + clientIp);
      }
    } else if (!prior.isEmpty()) {
      to.set(X_FORWARDED_FOR, String.join(", ", prior));
    }
    to.set(X_FORWARDED_PROTO, scheme);
    if (host != null) {
      to.set(X_FORWARDED_HOST, host);
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
    List<String> current = headers.getAll(HttpHeaders.VARY);
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
      headers.set(HttpHeaders.VARY, merged.toString());
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

  private static boolean isHopByHop(String name, List<String> listed) {
    for (AsciiString h : HOP_BY_HOP) {
      if (h.contentEqualsIgnoreCase(name)) {
        return true;
      }
    }
    if (!listed.isEmpty()) {
      for (String l : listed) {
        if (l.equalsIgnoreCase(name)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The header names listed in {@code Connection} (other than close/keep-alive/upgrade options). */
  private static List<String> connectionTokens(MultiMap headers) {
    List<String> values = headers.getAll(HttpHeaders.CONNECTION);
    if (values.isEmpty()) {
      return List.of();
    }
    List<String> tokens = new ArrayList<>(2);
    for (String v : values) {
      for (String t : v.split(",")) {
        String token = t.trim();
        if (!token.isEmpty()) {
          tokens.add(token);
        }
      }
    }
    return tokens;
  }
}
