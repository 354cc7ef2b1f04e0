package cloud.locci.proxy.cli;

import cloud.locci.proxy.core.config.ConfigException;
import cloud.locci.proxy.core.config.ConfigLoader;
import cloud.locci.proxy.core.config.ConfigWarnings;
import cloud.locci.proxy.core.config.Environment;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.gateway.RouteShadowing;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code validate}: checks a configuration like {@code nginx -t}, without starting anything. */
@Command(name = "validate",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    description = {
        "Check a configuration file without starting anything (like 'nginx -t').",
        "Prints 'configuration OK' and exits 0, or prints every error (file:line: key.path: message)",
        "and exits 2. --mode and --bind are applied first, as 'start' would.",
        "Warns (exit stays 0) about gateway routes that can never win because a route tried before",
        "them matches every request they match."})
final class ValidateCommand implements Callable<Integer> {

  @Mixin
  ConfigOptions options;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ProxyConfig config;
    try {
      config = ConfigLoader.load(options.config, options.overrides(Environment.load(Path.of(""))));
    } catch (ConfigException e) {
      e.errors().forEach(error -> err.println(error));
      err.println(e.errors().size() + " error" + (e.errors().size() == 1 ? "" : "s") + " in " + options.config);
      err.flush();
      return ExitCodes.USAGE;
    }
    for (String warning : ConfigWarnings.of(config)) {
      err.println("warning: " + options.config + ": " + warning);
    }
    for (String warning : RouteShadowing.warnings(config)) {
      err.println("warning: " + options.config + ": " + warning);
    }
    err.flush();
    out.println(options.config + ": configuration OK (" + config.mode().yamlName() + ")");
    out.flush();
    return ExitCodes.OK;
  }
}
