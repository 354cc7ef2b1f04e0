package cloud.locci.proxy.cli;

import cloud.locci.proxy.core.config.ConfigException;
import cloud.locci.proxy.core.config.ConfigLoader;
import cloud.locci.proxy.core.config.Environment;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.explain.ExplainQuery;
import cloud.locci.proxy.core.explain.Explanation;
import cloud.locci.proxy.core.explain.ExplanationJson;
import cloud.locci.proxy.gateway.Explainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code explain}: which route a request would take, and why the others would not. */
@Command(name = "explain",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    description = {
        "Show how the proxy would route one request (which route wins, and why the others do not).",
        "Lists every route in the order it is tried with why it was passed over, then the upstream,",
        "strategy, upstream URI, timeout, retries and middlewares that would apply.",
        "Reads -c FILE and assumes every server healthy; with --control, asks the running proxy instead",
        "(its current routing table and server health, GET /api/v1/explain). Exits 0 when a route would",
        "serve the request, 1 when the proxy would answer 404 or 405 itself (or the control API cannot",
        "be reached), 2 on a configuration error."})
final class ExplainCommand implements Callable<Integer> {

  @Mixin
  ConfigOptions options;

  @Option(names = "--method", paramLabel = "M", defaultValue = "GET", description = "Request method (default: GET).")
  String method;

  @Option(names = "--host", paramLabel = "H", defaultValue = "", description = "Host header of the request (default: none).")
  String host;

  @Option(names = "--header", paramLabel = "NAME:VALUE",
      description = "A header the request carries (for match_headers); repeatable.")
  List<String> headers;

  @Option(names = "--json", description = "Print JSON instead of text.")
  boolean json;

  @Option(names = "--control", paramLabel = "URL",
      description = "Ask the running proxy whose control API is at URL instead of reading --config.")
  String control;

  @Option(names = "--api-key", paramLabel = "KEY",
      description = "API key for --control (default: LOCCI_API_KEY).")
  String apiKey;

  @Parameters(index = "0", paramLabel = "PATH", description = "Request path, optionally with ?query.")
  String path;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Map<String, String> given = new LinkedHashMap<>();
    for (String h : headers == null ? List.<String>of() : headers) {
      int colon = h.indexOf(':');
      if (colon <= 0) {
        err.println("--header wants NAME:VALUE, got \"" + h + "\"");
        err.flush();
        return ExitCodes.USAGE;
      }
      given.putIfAbsent(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
    }
    ExplainQuery query = new ExplainQuery(method.toUpperCase(Locale.ROOT), host, path.startsWith("/") ? path : "/" + path,
        given);
    if (control != null) {
      return print(out, query, live(query));
    }
    ProxyConfig config;
    try {
      config = ConfigLoader.load(options.config, options.overrides(Environment.load(Path.of(""))));
    } catch (ConfigException e) {
      e.errors().forEach(err::println);
      err.flush();
      return ExitCodes.USAGE;
    }
    return print(out, query, Explainer.explain(config, query));
  }

  private int print(PrintWriter out, ExplainQuery query, Explanation e) {
    if (json) {
      out.println(ExplanationJson.toJson(e).encodePrettily());
    } else {
      printText(out, query, e);
    }
    out.flush();
    return e.served() ? ExitCodes.OK : ExitCodes.RUNTIME;
  }

  /** The running proxy's answer, from its control API. */
  private Explanation live(ExplainQuery q) {
    String uri = "/api/v1/explain?method=" + ControlClient.segment(q.method()) + "&host=" + ControlClient.segment(q.host())
        + "&path=" + ControlClient.segment(q.path());
    for (Map.Entry<String, String> h : q.headers().entrySet()) {
      uri += "&header=" + ControlClient.segment(h.getKey() + ":" + h.getValue());
    }
    return ExplanationJson.fromJson(ClientOptions.connect(control, apiKey, Optional::empty).send("GET", uri, null, null));
  }

  static void printText(PrintWriter out, ExplainQuery q, Explanation e) {
    out.println(q.method() + " " + q.path() + (q.host().isEmpty() ? "" : " (Host: " + q.host() + ")")
        + q.headers().entrySet().stream().map(h -> " (" + h.getKey() + ": " + h.getValue() + ")")
            .collect(java.util.stream.Collectors.joining())
        + " in " + e.mode() + " mode");
    int i = 1;
    for (Explanation.Candidate c : e.candidates()) {
      out.printf("  %d. %-20s %-24s host %-16s methods %-14s %s: %s%n", i++, c.route(), c.pathPattern(), c.host(),
          c.methods().isEmpty() ? "all" : String.join(",", c.methods()), c.outcome(), c.detail());
      if (!c.matchers().isEmpty()) {
        out.println("     matchers: " + String.join(", ", c.matchers()));
      }
    }
    if (e.target().isPresent()) {
      Explanation.Target t = e.target().get();
      out.println("=> " + e.winner().map(w -> "route " + w).orElse("load balancer") + " -> upstream " + t.upstream()
          + " (" + t.strategy() + ": " + String.join(", ", t.healthyServers()) + ")");
      out.println("   upstream uri " + t.uri() + ", timeout " + t.timeoutSecs() + " s, retries " + t.retries()
          + ", middlewares " + (t.middlewares().isEmpty() ? "none" : String.join(", ", t.middlewares())));
      if (!t.split().isEmpty()) {
        out.println("   split: " + t.split().stream().map(sh -> sh.upstream() + " " + sh.weight() + " (" + sh.percent()
            + "%)").collect(java.util.stream.Collectors.joining(", ")) + "; the next request goes to " + t.upstream());
      }
      if (!t.rewrite().isEmpty()) {
        out.println("   rewrite: " + t.rewrite());
      }
      if (!t.requestHeaders().isEmpty()) {
        out.println("   request headers: " + String.join("; ", t.requestHeaders()));
      }
      if (!t.responseHeaders().isEmpty()) {
        out.println("   response headers: " + String.join("; ", t.responseHeaders()));
      }
      out.println("   failover: " + Explanation.CONNECT_FAILOVER);
    } else {
      out.println("=> " + e.status() + " " + e.reason()
          + (e.allow().isEmpty() ? "" : " (Allow: " + String.join(", ", e.allow()) + ")"));
    }
  }
}
