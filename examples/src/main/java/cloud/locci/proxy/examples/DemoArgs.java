package cloud.locci.proxy.examples;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The parsed command line of {@link DemoUpstream}.
 *
 * @param instances     the instances to start, in command-line order: the {@code --data} one first, then
 *                      each {@code --instance}; empty only when help was requested
 * @param helpRequested whether {@code -h}/{@code --help} was given
 */
public record DemoArgs(List<InstanceSpec> instances, boolean helpRequested) {

  /** Port of the {@code --data} instance when {@code --port} is absent; json-server's default. */
  public static final int DEFAULT_PORT = 3000;

  /**
   * Copies the instance list.
   *
   * @throws NullPointerException when {@code instances} is null
   */
  public DemoArgs {
    instances = List.copyOf(instances);
  }

  /**
   * The help text: the usage lines, then what each option means.
   *
   * @return the text, without a trailing newline
   */
  public static String usage() {
    return String.join(System.lineSeparator(),
        "Usage: demo-upstream [--host HOST] --data FILE [--port PORT] [--id ID] [--instance ID:PORT:FILE]...",
        "       demo-upstream [--host HOST] --instance ID:PORT:FILE [--instance ID:PORT:FILE]...",
        "Serves json-server style JSON data files over HTTP; several instances may run in one process.",
        "  --data FILE              data file of a single instance",
        "  --port PORT              its port (default " + DEFAULT_PORT + "; 0 picks a free port)",
        "  --id ID                  its id (default server-<port>)",
        "  --instance ID:PORT:FILE  one more instance (repeatable); an empty ID means server-<port>",
        "  --host HOST              address every instance binds (default " + InstanceSpec.DEFAULT_HOST + ")",
        "  -h, --help               print this help",
        "Endpoints: GET /<collection>, GET /<collection>/<id>, GET /instance, GET /health");
  }

  /**
   * Parses the command line. {@code -h} or {@code --help} anywhere means help and nothing else. Options
   * take their value as the next argument or after '=' ({@code --port 3001} or {@code --port=3001}).
   *
   * @param args the arguments given to {@code main}
   * @return the parsed arguments
   * @throws IllegalArgumentException with a one-line message for the user on an unknown option, a missing
   *                                  or malformed value, {@code --port}/{@code --id} without {@code --data},
   *                                  an option given twice ({@code --instance} may repeat), nothing to
   *                                  serve, or two instances with the same id or non-zero port
   */
  public static DemoArgs parse(String... args) {
    // Help wins wherever it stands, so "--data x --help" shows the help instead of starting a server.
    List<String> all = Arrays.asList(args);
    if (all.contains("-h") || all.contains("--help")) {
      return new DemoArgs(List.of(), true);
    }
    String host = null;
    String data = null;
    String id = null;
    Integer port = null;
    List<String> instanceArgs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      int eq = arg.indexOf('=');
      String name = arg.startsWith("--") && eq > 0 ? arg.substring(0, eq) : arg;
      String inline = arg.startsWith("--") && eq > 0 ? arg.substring(eq + 1) : null;
      switch (name) {
        case "--host", "--data", "--id", "--port", "--instance" -> {
          String value = inline;
          if (value == null) {
            if (i + 1 >= args.length) {
              throw new IllegalArgumentException(name + " needs a value");
            }
            value = args[++i];
          }
          switch (name) {
            case "--host" -> host = once(name, host, value);
            case "--data" -> data = once(name, data, value);
            case "--id" -> id = once(name, id, value);
            case "--port" -> port = Integer.valueOf(port(name, once(name, port, value)));
            default -> instanceArgs.add(value);
          }
        }
        default -> throw new IllegalArgumentException(arg.startsWith("-")
            ? "unknown option: " + arg
            : "unexpected argument: " + arg);
      }
    }
    if (data == null && (id != null || port != null)) {
      throw new IllegalArgumentException("--port and --id describe the --data instance; give --data FILE too");
    }
    if (host == null) {
      host = InstanceSpec.DEFAULT_HOST;
    }
    List<InstanceSpec> instances = new ArrayList<>();
    if (data != null) {
      instances.add(spec(id, host, port == null ? DEFAULT_PORT : port, data));
    }
    for (String instance : instanceArgs) {
      instances.add(instance(instance, host));
    }
    if (instances.isEmpty()) {
      throw new IllegalArgumentException("nothing to serve: give --data FILE or --instance ID:PORT:FILE");
    }
    checkDistinct(instances);
    return new DemoArgs(instances, false);
  }

  /**
   * Parses one {@code ID:PORT:FILE} value. The file part may itself contain ':' (a Windows drive letter).
   *
   * @param value the value of {@code --instance}
   * @param host  the address to bind
   * @return the spec
   * @throws IllegalArgumentException when the value does not have the three parts or one is invalid
   */
  static InstanceSpec instance(String value, String host) {
    String[] parts = value.split(":", 3);
    if (parts.length < 3 || parts[1].isEmpty() || parts[2].isEmpty()) {
      throw new IllegalArgumentException("--instance must be ID:PORT:FILE, e.g. server-1:3001:db.json, got '"
          + value + "'");
    }
    return spec(parts[0].isEmpty() ? null : parts[0], host, port("--instance " + value, parts[1]), parts[2]);
  }

  private static InstanceSpec spec(String id, String host, int port, String dataFile) {
    try {
      return new InstanceSpec(id, host, port, dataFile);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("instance " + (id == null ? "on port " + port : id) + ": "
          + e.getMessage(), e);
    }
  }

  private static <T> String once(String option, T previous, String value) {
    if (previous != null) {
      throw new IllegalArgumentException(option + " given twice");
    }
    return value;
  }

  private static int port(String option, String value) {
    try {
      int port = Integer.parseInt(value);
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // Reported below with the same message as an out-of-range number.
    }
    throw new IllegalArgumentException(option + ": port must be a number from 0 to 65535, got '" + value + "'");
  }

  private static void checkDistinct(List<InstanceSpec> instances) {
    Set<String> ids = new HashSet<>();
    Set<Integer> ports = new HashSet<>();
    for (InstanceSpec spec : instances) {
      if (spec.id() != null && !ids.add(spec.id())) {
        throw new IllegalArgumentException("two instances have the id " + spec.id());
      }
      // Port 0 lets the OS pick, so several instances may ask for it.
      if (spec.port() != 0 && !ports.add(spec.port())) {
        throw new IllegalArgumentException("two instances want port " + spec.port());
      }
    }
  }
}
