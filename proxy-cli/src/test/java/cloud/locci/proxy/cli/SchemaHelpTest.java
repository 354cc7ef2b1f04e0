package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.config.ConfigSchema;
import cloud.locci.proxy.core.config.ConfigSchema.Key;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The client commands' options that set a configuration key describe it from the key schema. */
class SchemaHelpTest {

  /** Commands whose options are keys of one schema section. */
  private static final Map<String, String> SECTIONS = Map.of(
      "add-route", "api_gateway.routes.<name>.",
      "add-upstream", "upstreams.<name>.");

  @Test
  void keyOptionsTakeTheirHelpFromTheSchema() {
    CommandLine root = Main.commandLine();
    int checked = 0;
    for (Map.Entry<String, String> e : SECTIONS.entrySet()) {
      for (OptionSpec option : root.getSubcommands().get(e.getKey()).getCommandSpec().options()) {
        String key = e.getValue() + option.longestName().replaceFirst("^--", "").replace('-', '_');
        if (ConfigSchema.key(key).isEmpty()) {
          continue; // --server (servers takes objects in the file), --control, --help, ...
        }
        Key declared = ConfigSchema.key(key).get();
        assertThat(option.descriptionKey()).as("%s %s names its key", e.getKey(), option.longestName())
            .isEqualTo(key);
        assertThat(option.description()).as("%s %s", e.getKey(), option.longestName())
            .containsExactly(SchemaHelp.text(declared));
        checked++;
      }
    }
    assertThat(checked).as("options checked (more when commands gain key options)").isGreaterThanOrEqualTo(6);
  }

  @Test
  void helpShowsTheDeclaredDefaultAndRange() {
    Key timeout = ConfigSchema.key("api_gateway.routes.<name>.timeout_secs").orElseThrow();
    assertThat(SchemaHelp.text(timeout)).isEqualTo(
        "the upstream may stay silent this long; 504 after it; 1-86400 (default: 60).");
    CliRun help = CliRun.of("add-route", "--help");
    assertThat(help.out().replaceAll("\\s+", " ")).contains("504 after it; 1-86400 (default: 60)");
    assertThat(CliRun.of("add-upstream", "--help").out().replaceAll("\\s+", " "))
        .contains("one of round_robin, weighted_round_robin");
  }
}
