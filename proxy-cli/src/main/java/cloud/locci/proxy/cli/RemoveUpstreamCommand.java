package cloud.locci.proxy.cli;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code remove-upstream}: {@code DELETE /api/v1/upstreams/{name}/servers/{server}}. */
@Command(name = "remove-upstream",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    description = {
        "Remove one server from an upstream group of a running proxy",
        "(DELETE /api/v1/upstreams/NAME/servers/HOST:PORT). Removing a group's last server is refused:",
        "a group needs at least one server."})
final class RemoveUpstreamCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "NAME", description = "Upstream group name.")
  String name;

  @Option(names = "--server", paramLabel = "HOST:PORT", required = true, description = "The server to remove.")
  String server;

  @Mixin
  ClientOptions client;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    JsonObject done = new JsonObject().put("upstream", name).put("removed_server", server);
    return ControlClient.print(spec.commandLine().getOut(), client.client().send("DELETE",
        "/api/v1/upstreams/" + ControlClient.segment(name) + "/servers/" + ControlClient.segment(server), null, done));
  }
}
