package cloud.locci.proxy.cli.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The cluster's configuration as an ordered log: the text of the config file last shared (read on the
 * node where the operator ran {@code reload}, or the first node's file), then every control-API change
 * made since, in the one order all nodes apply them. Kept whole under one key of a Hazelcast-backed
 * map and only replaced by compare-and-set against the text its writer read, so each write builds on
 * the one before it (the random {@code head} makes every text unique, so an old text never matches).
 *
 * <p>Every node rebuilds its configuration from it the same way: parse the base as a file (with the
 * node's own flags and environment), put back the node's own keys ({@link NodeKeys}), then apply the
 * changes in order. Shipping the text the user wrote, not a serialised form of our records, means a
 * node reads exactly what the first node read, with the same binder and the same checks.
 *
 * @param version the configuration version this log describes: the same number on every node
 * @param head a random id of this write; two logs with the same version but different heads come from
 *     two sides of a partition
 * @param baseText the shared config file's text
 * @param baseSource where it was read (node and path), for error messages
 * @param changes the control-API changes since, each as {@link ChangeCodec} JSON
 */
record SharedLog(long version, String head, String baseText, String baseSource, List<String> changes) {

  /** Changes kept before a reload must start a new base (the whole log travels on every write). */
  static final int MAX_CHANGES = 5_000;

  SharedLog {
    Objects.requireNonNull(head, "head");
    Objects.requireNonNull(baseText, "baseText");
    Objects.requireNonNull(baseSource, "baseSource");
    changes = List.copyOf(changes);
  }

  static SharedLog of(long version, String baseText, String baseSource) {
    return new SharedLog(version, newHead(), baseText, baseSource, List.of());
  }

  /** The next version: this log plus {@code change}. */
  SharedLog append(String change) {
    List<String> next = new ArrayList<>(changes);
    next.add(change);
    return new SharedLog(version + 1, newHead(), baseText, baseSource, next);
  }

  /** The next version: a new file replaces the base and every change made before it. */
  SharedLog rebase(String text, String source) {
    return new SharedLog(version + 1, newHead(), text, source, List.of());
  }

  /**
   * The next version with the same content: used to make a log win over another of the same or a
   * higher version (a joining node, a healed partition), since nodes only ever move to newer versions.
   */
  SharedLog bump() {
    return append(ChangeCodec.NOTHING);
  }

  String encode() {
    return new JsonObject()
        .put("version", version)
        .put("head", head)
        .put("base", new JsonObject().put("text", baseText).put("source", baseSource))
        .put("changes", new JsonArray(new ArrayList<>(changes)))
        .encode();
  }

  /** @throws IllegalArgumentException when {@code text} is not a log written by {@link #encode} */
  static SharedLog decode(String text) {
    try {
      JsonObject json = new JsonObject(text);
      JsonObject base = json.getJsonObject("base");
      List<String> changes = new ArrayList<>();
      for (Object o : json.getJsonArray("changes")) {
        changes.add((String) o);
      }
      return new SharedLog(json.getLong("version"), json.getString("head"), base.getString("text"),
          base.getString("source"), changes);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the cluster's config log is unreadable: " + e.getMessage(), e);
    }
  }

  private static String newHead() {
    return UUID.randomUUID().toString();
  }
}
