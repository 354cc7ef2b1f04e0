package cloud.locci.proxy.cli;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code remove-route}: {@code DELETE /api/v1/routes/{name}}. */
@Command(name = "remove-route",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    description = {
        "Remove a gateway route from a running proxy (DELETE /api/v1/routes/NAME).",
        "Prints the new config_version; exits 1 when there is no such route."})
final class RemoveRouteCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "NAME", description = "Route name.")
  String name;

  @Mixin
  ClientOptions client;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    JsonObject done = new JsonObject().put("removed_route", name);
    return ControlClient.print(spec.commandLine().getOut(),
        client.client().send("DELETE", "/api/v1/routes/" + ControlClient.segment(name), null, done));
  }
}
