package cloud.locci.proxy.control;

import cloud.locci.proxy.core.bus.ReloadOutcome;
import cloud.locci.proxy.core.config.ConfigDiff;
import cloud.locci.proxy.core.config.ConfigError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The last {@link #MAX} configuration events this process saw ({@code GET /api/v1/changes}): reloads of
 * the file (applied, unchanged or refused, with their diff or errors) and changes made through the
 * control API (with the diff to the version before). Kept by the control verticle on its own context
 * (not thread-safe), fed by {@code locci.config.changed} and {@code locci.config.reloaded}; it starts
 * empty at process start and lives in memory only.
 *
 * <p>A reload that changes the config is heard twice: as a new version and as a reload outcome, in that
 * order, though either may come first. The new version is recorded as a control-API change and the
 * outcome then claims it (same version and diff); an outcome heard first is recorded as the reload and
 * the version, when it comes, finds its entry there.
 */
final class ChangeHistory {

  static final int MAX = 20;

  enum Source {
    RELOAD("reload"), CONTROL_API("control_api");

    final String word;

    Source(String word) {
      this.word = word;
    }
  }

  enum Result {
    APPLIED("applied"), UNCHANGED("unchanged"), REFUSED("refused");

    final String word;

    Result(String word) {
      this.word = word;
    }
  }

  /** One event; {@code version} is the version current after it. */
  record Entry(long version, Instant at, Source source, Result result, ConfigDiff diff, List<String> errors,
      List<String> restartRequired) {

    JsonObject json() {
      return new JsonObject()
          .put("version", version)
          .put("at", at.toString())
          .put("source", source.word)
          .put("result", result.word)
          .put("diff", ControlApiVerticle.diff(diff))
          .put("errors", new JsonArray(errors))
          .put("restart_required", new JsonArray(restartRequired));
    }
  }

  private final Clock clock;
  private final List<Entry> entries = new ArrayList<>(); // newest first

  ChangeHistory(Clock clock) {
    this.clock = clock;
  }

  /** A new version seen; recorded unless a reload outcome already recorded it. */
  void changed(long version, ConfigDiff diff) {
    for (Entry e : entries) {
      if (e.version() == version && e.result() == Result.APPLIED) {
        return;
      }
    }
    add(new Entry(version, clock.instant(), Source.CONTROL_API, Result.APPLIED, diff, List.of(), List.of()));
  }

  /** A reload of the file finished (SIGHUP, {@code locci-proxy reload} or {@code POST /api/v1/reload}). */
  void reloaded(ReloadOutcome outcome) {
    List<String> errors = outcome.errors().stream().map(ConfigError::toString).toList();
    if (!outcome.succeeded()) {
      add(new Entry(outcome.version(), clock.instant(), Source.RELOAD, Result.REFUSED, ConfigDiff.NONE, errors,
          List.of()));
      return;
    }
    boolean applied = !outcome.diff().equals(ConfigDiff.NONE) || !outcome.restartRequired().isEmpty();
    Entry reload = new Entry(outcome.version(), clock.instant(), Source.RELOAD,
        applied ? Result.APPLIED : Result.UNCHANGED, outcome.diff(), List.of(), outcome.restartRequired());
    if (applied) {
      for (int i = 0; i < entries.size(); i++) {
        Entry e = entries.get(i);
        if (e.version() == outcome.version() && e.result() == Result.APPLIED) {
          if (e.source() == Source.CONTROL_API && e.diff().equals(outcome.diff())) {
            entries.set(i, new Entry(e.version(), e.at(), Source.RELOAD, Result.APPLIED, outcome.diff(),
                List.of(), outcome.restartRequired()));
            return;
          }
          break;
        }
      }
    }
    add(reload);
  }

  /** Newest first. */
  JsonArray json() {
    JsonArray list = new JsonArray();
    entries.forEach(e -> list.add(e.json()));
    return list;
  }

  List<Entry> entries() {
    return List.copyOf(entries);
  }

  private void add(Entry e) {
    entries.add(0, e);
    while (entries.size() > MAX) {
      entries.remove(entries.size() - 1);
    }
  }
}
