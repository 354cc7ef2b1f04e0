package cloud.locci.proxy.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code locci-proxy}: without a sub-command it starts the proxy, exactly as {@code start} does.
 */
@Command(name = "locci-proxy",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
        "HTTP load balancer and API gateway configured by one YAML file.",
        "Without a command, starts the proxy (same as 'start')."},
    subcommands = {StartCommand.class, ValidateCommand.class, ExplainCommand.class, StatusCommand.class,
        ReloadCommand.class, AddRouteCommand.class, RemoveRouteCommand.class, AddUpstreamCommand.class,
        RemoveUpstreamCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success (also after a graceful stop on SIGTERM/SIGINT)",
        "1:runtime failure (port in use, control API unreachable)",
        "2:usage or configuration error"})
public final class Main implements Callable<Integer> {

  @Mixin
  ConfigOptions options;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    return StartCommand.run(options, spec.commandLine());
  }

  /** A command line with the project's error handling: {@link CommandFailure}s print one line, exit code kept. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      PrintWriter err = commandLine.getErr();
      if (ex instanceof CommandFailure f) {
        err.println("locci-proxy: " + f.getMessage());
        err.flush();
        return f.exitCode();
      }
      err.println("locci-proxy: " + ex);
      err.flush();
      return ExitCodes.RUNTIME;
    });
    // picocli's own exit code for invalid input is 2, as SPEC §2 wants for usage errors.
    return cl;
  }

  public static void main(String[] args) {
    JvmDefaults.beforeNetty();
    System.exit(commandLine().execute(args));
  }
}
