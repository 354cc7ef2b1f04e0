package cloud.locci.proxy.gateway;

import java.util.Locale;

/**
 * A route's {@code host} condition (SPEC §10): compared case-insensitively without the port; an exact
 * name, or {@code *.example.com}, which matches any name ending in {@code .example.com} but not
 * {@code example.com} itself. Absent means every host.
 */
record HostMatcher(String exact, String suffix) {

  static final HostMatcher ANY = new HostMatcher(null, null);

  static HostMatcher of(String pattern) {
    String p = pattern.toLowerCase(Locale.ROOT);
    if (p.endsWith(".")) {
      p = p.substring(0, p.length() - 1);
    }
    return p.startsWith("*.") ? new HostMatcher(null, p.substring(1)) : new HostMatcher(p, null);
  }

  boolean isAny() {
    return exact == null && suffix == null;
  }

  /** @param host the request's host, lower case and without port; null when the request had none */
  boolean matches(String host) {
    if (isAny()) {
      return true;
    }
    if (host == null) {
      return false;
    }
    if (exact != null) {
      return exact.equals(host);
    }
    return host.length() > suffix.length() && host.endsWith(suffix);
  }

  @Override
  public String toString() {
    return isAny() ? "*" : exact != null ? exact : "*" + suffix;
  }
}
