package cloud.locci.proxy.control;

import cloud.locci.proxy.core.config.ControlApiConfig;
import io.netty.util.NetUtil;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Keeps web pages from driving the control API (SPEC §15), before the API key is even looked at:
 *
 * <ul>
 *   <li>421 when {@code Host} (port ignored) is neither the bind address, {@code localhost},
 *       {@code 127.0.0.1}, {@code [::1]}, nor in {@code control_api.allowed_hosts}: a page whose name was
 *       re-pointed at 127.0.0.1 (DNS rebinding) sends its own name as Host. Bound to a wildcard address,
 *       every address of the machine's interfaces counts as the bind address;
 *   <li>403 when {@code Origin} is present and is neither the listener's own ({@code http://} and the
 *       Host the request was sent to) nor in {@code control_api.allowed_origins}: browsers send Origin on
 *       every cross-site POST or DELETE, also on those they send without a preflight;
 *   <li>415 for a POST, PUT, PATCH or DELETE whose {@code Content-Type} is not {@code application/json}:
 *       a cross-site form or {@code fetch(..., {mode: "no-cors"})} can only send text/plain, form and
 *       multipart bodies without a preflight.
 * </ul>
 *
 * The rules follow the running configuration ({@link #config}); the machine's addresses are read once,
 * off the event loop, when the verticle starts.
 */
final class RequestOrigin implements Handler<RoutingContext> {

  private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "::1");
  private static final Set<HttpMethod> WRITES = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH,
      HttpMethod.DELETE);

  private final Set<String> machineAddresses;
  private volatile Set<String> hosts = Set.of();
  private volatile Set<String> origins = Set.of();

  /** @param machineAddresses this machine's interface addresses, from {@link #machineAddresses()} */
  RequestOrigin(Set<String> machineAddresses) {
    this.machineAddresses = Set.copyOf(machineAddresses);
  }

  /** Every address of every interface of this machine, normalised as {@link #hostOf} does. Blocking. */
  static Set<String> machineAddresses() {
    Set<String> out = new HashSet<>();
    try {
      for (NetworkInterface ni : NetworkInterface.networkInterfaces().toList()) {
        for (InetAddress a : ni.inetAddresses().toList()) {
          out.add(normalise(a.getHostAddress()));
        }
      }
    } catch (SocketException e) {
      // No interface list: only the loopback names and allowed_hosts are accepted then.
    }
    return out;
  }

  /** Uses {@code control}'s bind address, allowed hosts and allowed origins from now on. */
  void config(ControlApiConfig control) {
    Set<String> h = new HashSet<>(LOOPBACK_NAMES);
    String bind = normalise(control.bindAddress().host());
    if (isWildcard(bind)) {
      h.addAll(machineAddresses);
    } else {
      h.add(bind);
    }
    control.allowedHosts().forEach(x -> h.add(normalise(x)));
    hosts = Set.copyOf(h);
    origins = lowerCase(control.allowedOrigins());
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    HostAndPort authority = request.authority();
    if (authority == null || !hosts.contains(normalise(authority.host()))) {
      ApiErrors.send(ctx, 421, "this control API does not answer to the host name "
          + (authority == null ? "(none)" : "\"" + authority.host() + "\"")
          + "; add it to control_api.allowed_hosts if it is yours");
      return;
    }
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    if (origin != null && !isOwnOrigin(origin, request) && !origins.contains(origin.toLowerCase(Locale.ROOT))) {
      ApiErrors.send(ctx, 403, "requests from the web origin \"" + origin + "\" are not allowed; add it to"
          + " control_api.allowed_origins if it is yours");
      return;
    }
    if (WRITES.contains(request.method()) && !isJson(request.getHeader(HttpHeaders.CONTENT_TYPE))) {
      ApiErrors.send(ctx, 415, "changes need Content-Type: application/json");
      return;
    }
    ctx.next();
  }

  /** The origin a page served by this listener would send: {@code http://} and the Host header. */
  private static boolean isOwnOrigin(String origin, HttpServerRequest request) {
    String host = request.getHeader(HttpHeaders.HOST);
    return host != null && origin.equalsIgnoreCase("http://" + host);
  }

  /** {@code application/json}, with or without parameters such as {@code charset=utf-8}. */
  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semi = contentType.indexOf(';');
    String type = (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
    return type.equalsIgnoreCase("application/json");
  }

  /**
   * A host as compared: lower case, without brackets or one trailing dot, IP literals in their canonical
   * text (so {@code [0:0::1]} is {@code ::1}).
   */
  static String normalise(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    int zone = h.indexOf('%');
    if (zone >= 0 && h.indexOf(':') >= 0) {
      h = h.substring(0, zone);
    }
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    byte[] ip = NetUtil.createByteArrayFromIpAddressString(h);
    return ip == null ? h : NetUtil.bytesToIpAddress(ip);
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("*") || host.isEmpty();
  }

  private static Set<String> lowerCase(Collection<String> values) {
    Set<String> out = new HashSet<>();
    values.forEach(v -> out.add(v.toLowerCase(Locale.ROOT)));
    return Set.copyOf(out);
  }
}
