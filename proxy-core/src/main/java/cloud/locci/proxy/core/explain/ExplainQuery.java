package cloud.locci.proxy.core.explain;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A request to explain: which route would serve it and why the others would not.
 *
 * @param method upper-case method, {@code GET} by default
 * @param host the Host the request would carry (without port); empty for none
 * @param path the path, optionally with a query string
 * @param headers headers the request would carry (for {@code match_headers}), name as given to value;
 *     the first of two with the same name (case-insensitively) counts
 */
public record ExplainQuery(String method, String host, String path, Map<String, String> headers) {
  public ExplainQuery {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(path, "path");
    headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
  }

  /** A request without headers of its own. */
  public ExplainQuery(String method, String host, String path) {
    this(method, host, path, Map.of());
  }
}
