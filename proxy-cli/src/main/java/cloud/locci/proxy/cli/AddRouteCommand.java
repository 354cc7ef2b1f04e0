package cloud.locci.proxy.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
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

  @Option(names = "--upstream", paramLabel = "U", required = true,
      descriptionKey = "api_gateway.routes.<name>.upstream",
      description = "Upstream group to forward to.")
  String upstream;

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
        .put("upstream", upstream)
        .put("strip_prefix", stripPrefix);
    if (methods != null && !methods.isEmpty()) {
      body.put("methods", new JsonArray(methods.stream().map(String::trim).toList()));
    }
    if (timeoutSecs != null) {
      body.put("timeout_secs", timeoutSecs);
    }
    return ControlClient.print(spec.commandLine().getOut(), client.client().send("POST", "/api/v1/routes", body, null));
  }
}
