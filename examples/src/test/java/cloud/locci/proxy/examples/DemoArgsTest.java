package cloud.locci.proxy.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DemoArgsTest {

  @Test
  void singleInstanceWithAllOptions() {
    DemoArgs args = DemoArgs.parse("--data", "examples/json-server/db-users.json", "--port", "3001", "--id", "server-1");

    assertThat(args.helpRequested()).isFalse();
    assertThat(args.instances()).containsExactly(
        new InstanceSpec("server-1", "127.0.0.1", 3001, "examples/json-server/db-users.json"));
  }

  @Test
  void singleInstanceDefaultsPortAndLeavesIdToThePort() {
    assertThat(DemoArgs.parse("--data", "db.json").instances())
        .containsExactly(new InstanceSpec(null, "127.0.0.1", 3000, "db.json"));
  }

  @Test
  void optionsAcceptEqualsForm() {
    assertThat(DemoArgs.parse("--data=db.json", "--port=0", "--id=a", "--host=0.0.0.0").instances())
        .containsExactly(new InstanceSpec("a", "0.0.0.0", 0, "db.json"));
  }

  @Test
  void severalInstancesKeepTheirOrderAndShareTheHost() {
    DemoArgs args = DemoArgs.parse(
        "--instance", "server-1:3001:examples/json-server/db-lb.json",
        "--instance", "server-2:3002:examples/json-server/db-lb.json",
        "--instance", ":3003:C:\\demo\\db-lb.json",
        "--host", "0.0.0.0");

    assertThat(args.instances()).containsExactly(
        new InstanceSpec("server-1", "0.0.0.0", 3001, "examples/json-server/db-lb.json"),
        new InstanceSpec("server-2", "0.0.0.0", 3002, "examples/json-server/db-lb.json"),
        new InstanceSpec(null, "0.0.0.0", 3003, "C:\\demo\\db-lb.json"));
  }

  @Test
  void dataInstanceComesBeforeInstanceOptions() {
    assertThat(DemoArgs.parse("--instance", "b:3002:b.json", "--data", "a.json", "--port", "3001").instances())
        .extracting(InstanceSpec::dataFile)
        .containsExactly("a.json", "b.json");
  }

  @Test
  void portZeroMayRepeat() {
    assertThat(DemoArgs.parse("--instance", "a:0:a.json", "--instance", "b:0:b.json").instances()).hasSize(2);
  }

  @Test
  void helpWinsOverEverythingElse() {
    assertThat(DemoArgs.parse("--bogus", "--help").helpRequested()).isTrue();
    assertThat(DemoArgs.parse("--data", "db.json", "--help").instances()).isEmpty();
    DemoArgs help = DemoArgs.parse("-h", "--bogus");
    assertThat(help.helpRequested()).isTrue();
    assertThat(help.instances()).isEmpty();
    assertThat(DemoArgs.usage()).startsWith("Usage: demo-upstream ").contains("--instance ID:PORT:FILE");
  }

  @Test
  void rejectsBadCommandLines() {
    assertRejected("nothing to serve: give --data FILE or --instance ID:PORT:FILE");
    assertRejected("--port needs a value", "--data", "db.json", "--port");
    assertRejected("--port: port must be a number from 0 to 65535, got 'abc'", "--data", "db.json", "--port", "abc");
    assertRejected("--port: port must be a number from 0 to 65535, got '65536'", "--data", "db.json", "--port=65536");
    assertRejected("--port and --id describe the --data instance; give --data FILE too", "--port", "3001");
    assertRejected("--data given twice", "--data", "a.json", "--data", "b.json");
    assertRejected("--host given twice", "--host", "::1", "--host=0.0.0.0", "--data", "a.json");
    assertRejected("unknown option: --verbose", "--data", "db.json", "--verbose");
    assertRejected("unexpected argument: db.json", "db.json");
    assertRejected("--instance must be ID:PORT:FILE, e.g. server-1:3001:db.json, got 'server-1:3001'",
        "--instance", "server-1:3001");
    assertRejected("--instance server-1:x:db.json: port must be a number from 0 to 65535, got 'x'",
        "--instance", "server-1:x:db.json");
    assertRejected("instance bad id: id must use only letters, digits, '.', '_' or '-', got 'bad id'",
        "--instance", "bad id:3001:db.json");
    assertRejected("two instances want port 3001",
        "--instance", "a:3001:db.json", "--instance", "b:3001:db.json");
    assertRejected("two instances have the id a",
        "--instance", "a:3001:db.json", "--instance", "a:3002:db.json");
    assertRejected("instance on port 3001: host must not be empty", "--host", " ", "--data", "db.json", "--port", "3001");
  }

  private static void assertRejected(String message, String... args) {
    assertThatThrownBy(() -> DemoArgs.parse(args))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }
}
