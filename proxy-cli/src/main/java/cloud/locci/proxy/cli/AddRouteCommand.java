package cloud.locci.proxy.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code add-route}: {@code POST /api/v1/routes}. */
@Command(name = "add-route",
    mixinStandardHelpOptions = true,
    resourceBundle = "cloud.locci.proxy.cli.SchemaHelp",
    versionProvider = VersionProvider.class,
    sortOptions = false,
    description = {
        "Add a gateway route to a running proxy (POST /api/v1/routes).",
        "The whole configuration is validated as a file is; an invalid route changes nothing. The route",
        "lives in memory only: a reload of the file removes it unless the file has it too."})
final class AddRouteCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "NAME", description = "Route name (must not exist yet).")
  String name;

  // Descriptions come from ConfigSchema (SchemaHelp) by descriptionKey; the text here is the fallback.
  @Option(names = "--path-pattern", paramLabel = "RE", required = true,
      descriptionKey = "api_gateway.routes.<name>.path_pattern",
      description = "Go/RE2 regular expression matched against the path, e.g. ^/api/users.")
  String pathPattern;

  @Option(names = "--upstream", paramLabel = "U",
      descriptionKey = "api_gateway.routes.<name>.upstream",
      description = "Upstream group to forward to (this or --split is required).")
  String upstream;

  @Option(names = "--split", paramLabel = "U=WEIGHT", split = ",",
      descriptionKey = "api_gateway.routes.<name>.split",
      description = "Weighted upstreams instead of --upstream, e.g. stable=90,canary=10 (weights 0-1000).")
  List<String> split;

  @Option(names = "--match-header", paramLabel = "NAME:VALUE",
      descriptionKey = "api_gateway.routes.<name>.match_headers",
      description = "Match only requests with this header value (\"*\": any value); repeatable.")
  List<String> matchHeaders;

  @Option(names = "--match-query", paramLabel = "NAME=VALUE",
      descriptionKey = "api_gateway.routes.<name>.match_query",
      description = "Match only requests with this query parameter value (\"*\": any value); repeatable.")
  List<String> matchQuery;

  @Option(names = "--rewrite", paramLabel = "PATTERN=REPLACEMENT",
      descriptionKey = "api_gateway.routes.<name>.rewrite",
      description = "Rewrite the path (after --strip-prefix): RE2 pattern, replacement with $1-$9.")
  String rewrite;

  @Option(names = "--request-header", paramLabel = "set|add|remove:NAME[:VALUE]",
      descriptionKey = "api_gateway.routes.<name>.request_headers",
      description = "A request header rule, e.g. set:X-Env:prod or remove:Cookie; repeatable.")
  List<String> requestHeaders;

  @Option(names = "--response-header", paramLabel = "set|add|remove:NAME[:VALUE]",
      descriptionKey = "api_gateway.routes.<name>.response_headers",
      description = "A response header rule, e.g. add:X-Served-By:${upstream}; repeatable.")
  List<String> responseHeaders;

  @Option(names = "--methods", paramLabel = "GET,POST", split = ",",
      descriptionKey = "api_gateway.routes.<name>.methods",
      description = "Allowed methods (default: all).")
  List<String> methods;

  @Option(names = "--strip-prefix", descriptionKey = "api_gateway.routes.<name>.strip_prefix",
      description = "Remove the matched part of the path before forwarding.")
  boolean stripPrefix;

  @Option(names = "--timeout-secs", paramLabel = "N", descriptionKey = "api_gateway.routes.<name>.timeout_secs",
      description = "Time the upstream has to answer (default 60).")
  Integer timeoutSecs;

  @Mixin
  ClientOptions client;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    JsonObject body = new JsonObject()
        .put("name", name)
        .put("path_pattern", pathPattern)
        .put("strip_prefix", stripPrefix);
    if (upstream != null) {
      body.put("upstream", upstream);
    }
    // The proxy validates everything; here only the shape of each option is read.
    if (split != null && !split.isEmpty()) {
      JsonArray entries = new JsonArray();
      for (String e : split) {
        int eq = e.lastIndexOf('=');
        if (eq <= 0) {
          throw usage("--split wants UPSTREAM=WEIGHT, got \"" + e + "\"");
        }
        entries.add(new JsonObject().put("upstream", e.substring(0, eq).trim())
            .put("weight", number(e.substring(eq + 1).trim(), "--split")));
      }
      body.put("split", entries);
    }
    if (matchHeaders != null) {
      body.put("match_headers", pairs(matchHeaders, ':', "--match-header"));
    }
    if (matchQuery != null) {
      body.put("match_query", pairs(matchQuery, '=', "--match-query"));
    }
    if (rewrite != null) {
      int eq = rewrite.lastIndexOf('=');
      if (eq <= 0) {
        throw usage("--rewrite wants PATTERN=REPLACEMENT, got \"" + rewrite + "\"");
      }
      body.put("rewrite", new JsonObject().put("pattern", rewrite.substring(0, eq))
          .put("replacement", rewrite.substring(eq + 1)));
    }
    if (requestHeaders != null) {
      body.put("request_headers", headerRules(requestHeaders, "--request-header"));
    }
    if (responseHeaders != null) {
      body.put("response_headers", headerRules(responseHeaders, "--response-header"));
    }
    if (methods != null && !methods.isEmpty()) {
      body.put("methods", new JsonArray(methods.stream().map(String::trim).toList()));
    }
    if (timeoutSecs != null) {
      body.put("timeout_secs", timeoutSecs);
    }
    return ControlClient.print(spec.commandLine().getOut(), client.client().send("POST", "/api/v1/routes", body, null));
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  private Object number(String s, String option) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      // Sent as given: the proxy names the key and the range in its answer.
      return s;
    }
  }

  private JsonObject pairs(List<String> items, char separator, String option) {
    JsonObject out = new JsonObject();
    for (String item : items) {
      int at = item.indexOf(separator);
      if (at <= 0) {
        throw usage(option + " wants NAME" + separator + "VALUE, got \"" + item + "\"");
      }
      out.put(item.substring(0, at).trim(), item.substring(at + 1).trim());
    }
    return out;
  }

  private JsonObject headerRules(List<String> rules, String option) {
    JsonObject set = new JsonObject();
    JsonObject add = new JsonObject();
    JsonArray remove = new JsonArray();
    for (String rule : rules) {
      int colon = rule.indexOf(':');
      String op = colon < 0 ? rule : rule.substring(0, colon);
      String rest = colon < 0 ? "" : rule.substring(colon + 1);
      switch (op) {
        case "remove" -> {
          if (rest.isBlank()) {
            throw usage(option + " remove:NAME needs a name");
          }
          remove.add(rest.trim());
        }
        case "set", "add" -> {
          int at = rest.indexOf(':');
          if (at <= 0) {
            throw usage(option + " " + op + ":NAME:VALUE, got \"" + rule + "\"");
          }
          (op.equals("set") ? set : add).put(rest.substring(0, at).trim(), rest.substring(at + 1).trim());
        }
        default -> throw usage(option + " starts with set, add or remove, got \"" + rule + "\"");
      }
    }
    JsonObject out = new JsonObject();
    if (!set.isEmpty()) {
      out.put("set", set);
    }
    if (!add.isEmpty()) {
      out.put("add", add);
    }
    if (!remove.isEmpty()) {
      out.put("remove", remove);
    }
    return out;
  }
}
