package cloud.locci.proxy.core.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

/** Checks of the names an ACME section holds: domains, the contact address, the directory URL. */
final class AcmeNames {

  // One label: letters, digits and inner hyphens, at most 63 characters (RFC 1035).
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern EMAIL = Pattern.compile("[^@\\s<>,;:\"]{1,64}@[a-zA-Z0-9.-]{1,253}\\.[a-zA-Z]{2,63}");

  private AcmeNames() {}

  /** Why {@code domain} cannot get a certificate by http-01 or tls-alpn-01; null when it can. */
  static String domainProblem(String domain) {
    String d = domain.toLowerCase(Locale.ROOT);
    if (d.startsWith("*.")) {
      return "wildcard \"" + domain + "\" needs the dns-01 challenge, which is not supported; list each name";
    }
    if (d.length() > 253) {
      return "domain longer than 253 characters";
    }
    String[] labels = d.split("\\.", -1);
    if (labels.length < 2) {
      return "\"" + domain + "\" is not a fully qualified domain name (a CA issues only for names with a dot)";
    }
    for (String label : labels) {
      if (!LABEL.matcher(label).matches()) {
        return "\"" + domain + "\" is not a valid domain name";
      }
    }
    if (labels[labels.length - 1].chars().allMatch(Character::isDigit)) {
      return "\"" + domain + "\" is an IP address; ACME certificates here are for domain names";
    }
    return null;
  }

  static boolean isEmail(String s) {
    return EMAIL.matcher(s).matches();
  }

  /** Why {@code url} cannot be an ACME directory; null when it can. */
  static String directoryProblem(String url) {
    try {
      URI u = new URI(url);
      if (!"https".equalsIgnoreCase(u.getScheme()) || u.getHost() == null) {
        return "\"" + url + "\" is not an https:// URL (RFC 8555 requires HTTPS for the directory)";
      }
      return null;
    } catch (URISyntaxException e) {
      return "\"" + url + "\" is not a URL: " + e.getReason();
    }
  }
}
