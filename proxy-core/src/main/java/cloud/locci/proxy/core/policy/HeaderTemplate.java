package cloud.locci.proxy.core.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A header value of {@code request_headers}/{@code response_headers}, compiled once per config version:
 * literal text with {@code ${client_ip}}, {@code ${request_id}}, {@code ${route}} and
 * {@code ${upstream}} (the upstream's name) put in per request. A {@code $} not followed by
 * {@code {} is itself. Rendering never parses: it walks the compiled parts.
 */
public final class HeaderTemplate {

  /** What {@code ${...}} may name. */
  public enum Var {
    CLIENT_IP("client_ip"), REQUEST_ID("request_id"), ROUTE("route"), UPSTREAM("upstream");

    private final String yamlName;

    Var(String yamlName) {
      this.yamlName = yamlName;
    }

    public String yamlName() {
      return yamlName;
    }
  }

  /** The values of one request. */
  public interface Values {
    String clientIp();

    String requestId();

    String route();

    String upstream();
  }

  private final String source;
  /** Each part a String (literal) or a Var. */
  private final Object[] parts;
  /** The whole value when it has no variable. */
  private final String constant;

  private HeaderTemplate(String source, Object[] parts) {
    this.source = source;
    this.parts = parts;
    this.constant = parts.length == 0 ? "" : parts.length == 1 && parts[0] instanceof String s ? s : null;
  }

  /**
   * Why {@code text} is not a valid template ({@code ${name}} with an unknown name, or an unclosed
   * {@code ${}), or empty. Characters are checked elsewhere ({@link HeaderEdits#valueProblem}).
   */
  public static Optional<String> problem(String text) {
    try {
      compile(text);
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.of(e.getMessage());
    }
  }

  /** Compiles {@code text}; throws IllegalArgumentException as {@link #problem} describes. */
  public static HeaderTemplate compile(String text) {
    List<Object> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
        int close = text.indexOf('}', i + 2);
        if (close < 0) {
          throw new IllegalArgumentException("\"${\" without \"}\" in \"" + text + "\"");
        }
        String name = text.substring(i + 2, close);
        Var var = null;
        for (Var v : Var.values()) {
          if (v.yamlName.equals(name)) {
            var = v;
          }
        }
        if (var == null) {
          throw new IllegalArgumentException("unknown variable ${" + name + "}; known: ${client_ip}, ${request_id},"
              + " ${route}, ${upstream}");
        }
        if (literal.length() > 0) {
          parts.add(literal.toString());
          literal.setLength(0);
        }
        parts.add(var);
        i = close + 1;
      } else {
        literal.append(c);
        i++;
      }
    }
    if (literal.length() > 0) {
      parts.add(literal.toString());
    }
    return new HeaderTemplate(text, parts.toArray());
  }

  /** The value for one request. */
  public String render(Values v) {
    if (constant != null) {
      return constant;
    }
    StringBuilder out = new StringBuilder(64);
    for (Object p : parts) {
      if (p instanceof String s) {
        out.append(s);
      } else {
        out.append(switch ((Var) p) {
          case CLIENT_IP -> v.clientIp();
          case REQUEST_ID -> v.requestId();
          case ROUTE -> v.route();
          case UPSTREAM -> v.upstream();
        });
      }
    }
    return out.toString();
  }

  /** The text as configured. */
  @Override
  public String toString() {
    return source;
  }
}
