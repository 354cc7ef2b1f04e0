package cloud.locci.proxy.cli;

import cloud.locci.proxy.core.config.ConfigException;
import cloud.locci.proxy.core.config.ConfigLoader;
import cloud.locci.proxy.core.config.ConfigOverrides;
import cloud.locci.proxy.core.config.ConfigWarnings;
import cloud.locci.proxy.core.config.Environment;
import cloud.locci.proxy.core.config.ProxyConfig;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code start}: loads and validates the configuration, starts the proxy, runs until SIGTERM/SIGINT. */
@Command(name = "start",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    description = {
        "Start the proxy (the default command).",
        "The configuration is validated first; on any error nothing starts and every error is printed (exit 2).",
        "SIGTERM or SIGINT stop it gracefully: no new connections, in-flight requests get",
        "server.shutdown_grace_secs to finish, then exit 0. SIGHUP re-reads the file (as 'reload' does):",
        "an invalid file is logged and changes nothing; changes made through the control API are lost.",
        "Values come from, highest first: these flags, the environment (LOCCI_LOG, RUST_LOG, a .env file",
        "in the working directory), the config file, built-in defaults."})
final class StartCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(StartCommand.class);

  @Mixin
  ConfigOptions options;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    return run(options, spec.commandLine());
  }

  static int run(ConfigOptions options, CommandLine cl) throws Exception {
    Signals signals = Signals.install();
    Environment env = Environment.load(Path.of(""));
    ConfigOverrides overrides = options.overrides(env);
    overrides.logLevel().ifPresent(LogSetup::apply);
    ProxyConfig config;
    try {
      config = ConfigLoader.load(options.config, overrides);
      if (options.cluster) {
        config = config.withCluster(config.cluster().withEnabled(true));
      }
    } catch (ConfigException e) {
      cl.getErr().println("locci-proxy: invalid configuration, nothing started:");
      e.errors().forEach(err -> cl.getErr().println("  " + err));
      cl.getErr().flush();
      return ExitCodes.USAGE;
    }
    LogSetup.configure(config.logging().format(), config.logging().accessLog());
    LogSetup.apply(config.logging().level());
    for (String warning : ConfigWarnings.of(config)) {
      log.warn("{}: {}", options.config, warning);
    }
    // SPEC §8: Vert.x's own HTTP meters are in the scrape unless turned off; they cost 13-27% more CPU
    // per request (README "Performance") and duplicate locci_requests_total, so some will want them off.
    boolean vertxHttpMetrics = env.get("LOCCI_VERTX_HTTP_METRICS").map(v -> !v.strip().equalsIgnoreCase("false"))
        .orElse(true);
    Launcher launcher = Launcher.start(config, Optional.of(options.config), overrides, vertxHttpMetrics);
    startHeapGovernor();
    signals.onStop(launcher::stop);
    signals.onReload(launcher::reload);
    launcher.awaitStopped();
    return ExitCodes.OK;
  }

  /**
   * README "Performance: memory without flags": on only when asked for with -Dlocci.heap_governor=true and
   * the user gave no heap size and no collector.
   */
  private static void startHeapGovernor() {
    Optional<String> off = HeapGovernor.whyOff();
    if (off.isPresent()) {
      log.info("heap: sized by the JVM ({}); no heap governor", off.get());
      return;
    }
    HeapGovernor.start();
    log.info("heap: no heap or GC flags given: G1 with a maximum of {} MB; a full collection whenever more than {} MB"
        + " of heap stays committed after a collection, at most once a second (give -Xmx or a GC flag to size the"
        + " JVM yourself)", Runtime.getRuntime().maxMemory() >> 20, HeapGovernor.BUDGET_BYTES >> 20);
  }
}
