package cloud.locci.proxy.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code reload}: {@code POST /api/v1/reload}, as SIGHUP does. */
@Command(name = "reload",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    description = {
        "Make a running proxy re-read its config file (POST /api/v1/reload, same as SIGHUP).",
        "Prints the new config_version and the diff (routes, upstreams, middlewares added, removed,",
        "changed). An invalid file changes nothing: its errors are printed and the exit code is 1.",
        "Changes made through the control API and not in the file are lost on reload."})
final class ReloadCommand implements Callable<Integer> {

  @Mixin
  ClientOptions client;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    return ControlClient.print(spec.commandLine().getOut(), client.client().send("POST", "/api/v1/reload", null, null));
  }
}
