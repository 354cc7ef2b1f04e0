package cloud.locci.proxy.core.upstream;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** {@code round_robin}: each request takes the next candidate, with one cursor per group and process. */
final class RoundRobin implements Selector {

  private final AtomicLong cursor;

  RoundRobin(AtomicLong cursor) {
    this.cursor = cursor;
  }

  @Override
  public Backend pick(List<Backend> candidates, SelectionContext ctx) {
    return candidates.get((int) Long.remainderUnsigned(cursor.getAndIncrement(), candidates.size()));
  }
}
