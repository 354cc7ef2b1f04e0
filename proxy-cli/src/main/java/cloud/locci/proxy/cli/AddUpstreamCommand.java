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

/** {@code add-upstream}: {@code POST /api/v1/upstreams}. */
@Command(name = "add-upstream",
    mixinStandardHelpOptions = true,
    resourceBundle = "cloud.locci.proxy.cli.SchemaHelp",
    versionProvider = VersionProvider.class,
    sortOptions = false,
    description = {
        "Create an upstream group, or add servers to one, in a running proxy (POST /api/v1/upstreams).",
        "A server already in the group is refused (exit 1). Lives in memory only: a reload of the file",
        "undoes it unless the file has it too."})
final class AddUpstreamCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "NAME", description = "Upstream group name.")
  String name;

  @Option(names = "--server", paramLabel = "HOST:PORT", required = true, description = "A server; repeat for more.")
  List<String> servers;

  @Option(names = "--strategy", paramLabel = "S", descriptionKey = "upstreams.<name>.strategy",
      description = "round_robin, weighted_round_robin, least_connections, random_two_choices or consistent_hash.")
  String strategy;

  @Mixin
  ClientOptions client;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    JsonObject body = new JsonObject().put("name", name).put("servers", new JsonArray(servers));
    if (strategy != null) {
      body.put("strategy", strategy);
    }
    return ControlClient.print(spec.commandLine().getOut(),
        client.client().send("POST", "/api/v1/upstreams", body, null));
  }
}
