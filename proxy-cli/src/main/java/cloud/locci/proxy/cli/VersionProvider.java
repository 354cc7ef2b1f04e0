package cloud.locci.proxy.cli;

import picocli.CommandLine.IVersionProvider;

/** {@code -V}: the version from the jar's manifest ({@code dev} when run from classes). */
final class VersionProvider implements IVersionProvider {

  @Override
  public String[] getVersion() {
    String v = Main.class.getPackage().getImplementationVersion();
    return new String[] {"locci-proxy " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
  }
}
