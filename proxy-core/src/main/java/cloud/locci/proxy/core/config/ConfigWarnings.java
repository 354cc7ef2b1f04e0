package cloud.locci.proxy.core.config;

import cloud.locci.proxy.core.grpc.GrpcRouteWarnings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Things a valid configuration should not do but may: said by {@code validate} and logged at start
 * and on reload, never refused.
 */
public final class ConfigWarnings {

  private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);

  private ConfigWarnings() {}

  /** One line per warning, each starting with the key path it is about. */
  public static List<String> of(ProxyConfig config) {
    List<String> out = new ArrayList<>();
    // ACME's own keys are written 0600 by the store; only an operator's key file can be too open.
    config.server().tls().flatMap(ServerConfig.ListenerTls::keyPath).ifPresent(keyPath -> {
      Path key = Path.of(keyPath);
      readableByOthers(key).ifPresent(who -> out.add("server.tls.key_path: the private key \"" + key
          + "\" is readable by " + who + "; make it readable by the proxy's user only (chmod 600)"));
    });
    out.addAll(GrpcRouteWarnings.of(config));
    ipFilterProxies(config, out);
    return List.copyOf(out);
  }

  /**
   * An ip_filter that trusts a proxy the server does not: the proxy drops that peer's
   * {@code X-Forwarded-For} before any middleware runs, so the filter would judge the proxy's own address.
   */
  private static void ipFilterProxies(ProxyConfig config, List<String> out) {
    List<Cidr> server = config.server().trustedProxies();
    for (MiddlewareConfig m : config.allMiddlewares().values()) {
      if (!(m instanceof MiddlewareConfig.IpFilter f)) {
        continue;
      }
      String path = (config.middlewares().containsKey(f.name()) ? "middlewares." : "api_gateway.middlewares.")
          + f.name() + ".trusted_proxies";
      for (int i = 0; i < f.trustedProxies().size(); i++) {
        Cidr block = f.trustedProxies().get(i);
        boolean covered = server.stream().anyMatch(s -> s.prefix() <= block.prefix() && s.contains(block.network()));
        if (!covered) {
          out.add(path + "[" + i + "]: " + block + " is not in server.trusted_proxies, so the proxy drops its"
              + " X-Forwarded-For before this filter runs and the filter judges that peer's own address; add it there too");
        }
      }
    }
  }

  /** "group", "others" or "group and others" when {@code file} grants them read; empty otherwise or off POSIX. */
  static java.util.Optional<String> readableByOthers(Path file) {
    PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
    if (view == null) {
      return java.util.Optional.empty();
    }
    Set<PosixFilePermission> perms;
    try {
      perms = view.readAttributes().permissions();
    } catch (IOException e) {
      return java.util.Optional.empty(); // the validator reports unreadable files
    }
    perms.retainAll(GROUP_OR_OTHERS);
    if (perms.isEmpty()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(perms.size() == 2 ? "group and others"
        : perms.contains(PosixFilePermission.GROUP_READ) ? "group" : "others");
  }
}
