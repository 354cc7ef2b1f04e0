package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.VMOption;
import com.sun.management.VMOption.Origin;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HeapGovernorTest {

  /** The flags of a JVM started with no flag on a big machine: G1 and the heap chosen by ergonomics. */
  private static Map<String, VMOption> plainJvm() {
    Map<String, VMOption> m = new HashMap<>();
    m.put("UseG1GC", new VMOption("UseG1GC", "true", true, Origin.ERGONOMIC));
    m.put("UseSerialGC", new VMOption("UseSerialGC", "false", true, Origin.DEFAULT));
    m.put("MaxHeapSize", new VMOption("MaxHeapSize", "6320816128", true, Origin.ERGONOMIC));
    m.put("MaxRAMPercentage", new VMOption("MaxRAMPercentage", "25.000000", true, Origin.DEFAULT));
    m.put("MaxHeapFreeRatio", new VMOption("MaxHeapFreeRatio", "70", true, Origin.DEFAULT));
    return m;
  }

  private static Optional<String> whyOff(Map<String, VMOption> flags) {
    return HeapGovernor.whyOff(name -> Optional.ofNullable(flags.get(name)));
  }

  @Test
  void onForAJvmStartedWithoutFlags() {
    assertThat(whyOff(plainJvm())).isEmpty();
  }

  @Test
  void offWhenTheUserSizedTheHeapOrChoseTheCollectorInAnyWay() {
    for (String flag : new String[] {"MaxHeapSize", "MaxRAMPercentage", "UseG1GC", "MaxHeapFreeRatio"}) {
      for (Origin origin : new Origin[] {Origin.VM_CREATION, Origin.ENVIRON_VAR, Origin.CONFIG_FILE, Origin.MANAGEMENT}) {
        Map<String, VMOption> m = plainJvm();
        VMOption was = m.get(flag);
        m.put(flag, new VMOption(flag, was.getValue(), true, origin));
        assertThat(whyOff(m)).as(flag + " " + origin).hasValueSatisfying(why -> assertThat(why).contains(flag));
      }
    }
  }

  @Test
  void offWhenTheJvmPickedAnotherCollector() {
    // A small machine or container: the JVM itself picks Serial, which already keeps a small heap.
    Map<String, VMOption> m = plainJvm();
    m.put("UseG1GC", new VMOption("UseG1GC", "false", true, Origin.DEFAULT));
    m.put("UseSerialGC", new VMOption("UseSerialGC", "true", true, Origin.ERGONOMIC));
    assertThat(whyOff(m)).hasValue("the JVM did not pick G1");
  }

  @Test
  void asksForAFullCollectionOnlyWhenACollectionLeavesMoreThanTheBudgetCommitted() throws Exception {
    AtomicLong committed = new AtomicLong(50);
    Semaphore collections = new Semaphore(0);
    try (HeapGovernor g = new HeapGovernor(100, committed::get, collections::release)) {
      g.afterCollection(); // under budget: nothing
      assertThat(collections.tryAcquire(200, TimeUnit.MILLISECONDS)).isFalse();
      committed.set(150);
      g.afterCollection();
      assertThat(collections.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
      committed.set(60); // what the full collection left
      // Several collections over budget in a row give one request per interval, not one each.
      committed.set(150);
      long start = System.nanoTime();
      g.afterCollection();
      g.afterCollection();
      g.afterCollection();
      assertThat(collections.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
      assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(HeapGovernor.MIN_INTERVAL_NANOS / 2);
      committed.set(60);
      assertThat(collections.tryAcquire(HeapGovernor.MIN_INTERVAL_NANOS * 2, TimeUnit.NANOSECONDS)).isFalse();
      assertThat(g.requested()).isEqualTo(2);
    }
  }
}
