package cloud.locci.proxy.core.config;

/**
 * One problem found in a configuration, printed as {@code file:line: key.path: message}, e.g.
 * {@code config.yaml:14: api_gateway.routes.users.upstream: unknown upstream "user_service"; known: users_service}.
 *
 * @param source file name, or {@code control API} for changes that came over HTTP
 * @param line 1-based line of the offending key or value; 0 when unknown
 * @param path dotted key path ({@code upstreams.web.servers[1]}); empty for the document itself
 * @param message what is wrong and, where possible, what would be right
 */
public record ConfigError(String source, int line, String path, String message) {

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(source);
    if (line > 0) {
      sb.append(':').append(line);
    }
    sb.append(": ");
    if (!path.isEmpty()) {
      sb.append(path).append(": ");
    }
    return sb.append(message).toString();
  }
}
