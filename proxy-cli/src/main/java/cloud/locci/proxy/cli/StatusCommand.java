package cloud.locci.proxy.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code status}: {@code GET /api/v1/status} of a running proxy. */
@Command(name = "status",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    description = {
        "Show a running proxy's mode, instances, config version and uptime (GET /api/v1/status).",
        "Prints the JSON answer and exits 0; exits 1 with one line when the control API is unreachable",
        "or refuses the request."})
final class StatusCommand implements Callable<Integer> {

  @Mixin
  ClientOptions client;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    return ControlClient.print(spec.commandLine().getOut(), client.client().send("GET", "/api/v1/status", null, null));
  }
}
