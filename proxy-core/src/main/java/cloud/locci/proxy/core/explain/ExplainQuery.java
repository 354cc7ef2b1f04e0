package cloud.locci.proxy.core.explain;

import java.util.Objects;

/**
 * A request to explain: which route would serve it and why the others would not.
 *
 * @param method upper-case method, {@code GET} by default
 * @param host the Host the request would carry (without port); empty for none
 * @param path the path, optionally with a query string
 */
public record ExplainQuery(String method, String host, String path) {
  public ExplainQuery {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(path, "path");
  }
}
