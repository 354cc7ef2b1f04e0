package cloud.locci.proxy.cli;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.LongSupplier;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Keeps the heap of a JVM started without any heap or GC flag small. Such a JVM (Java 17 on a machine with
 * 2+ CPUs and 2+ GB) runs G1 with a maximum heap of a quarter of the RAM, and G1 grows the heap until young
 * collections take less than ~1% of the time when the heap is far below that maximum: under proxy load
 * (hundreds of MB/s of short-lived garbage) that was 400+ MB of heap and 545-556 MB of RSS, for no measured
 * gain in throughput. No flag that would stop it (-Xmx, the collector, G1's young sizing, GCTimeRatio) can be
 * changed once the JVM runs, and G1 on Java 17 shrinks the heap only after a full collection or a concurrent
 * mark (using MinHeapFreeRatio/MaxHeapFreeRatio); it ignores SoftMaxHeapSize, and G1PeriodicGCInterval acts
 * only on an idle JVM. So this watches the committed heap after each collection and, when it exceeds the
 * budget, asks for one full collection (at most one per {@link #MIN_INTERVAL_NANOS}), after which G1
 * uncommits down to MaxHeapFreeRatio (70%) of free space over the live set (~15-20 MB here).
 *
 * <p>It is on only when the user gave neither a heap size nor a collector (see {@link #USER_FLAGS}): any such
 * flag means the user sized the JVM and is left alone. The full collections are stop-the-world pauses of a
 * small live set; README "Performance" gives their measured count and length.
 */
final class HeapGovernor implements AutoCloseable {

  /** Committed heap above which a full collection is requested: RSS stays under ~256 MB with the JVM's rest. */
  static final long BUDGET_BYTES = 96L << 20;
  /** At most one requested collection per second, whatever G1 does in between. */
  static final long MIN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  /**
   * Flags that, given by the user in any way (command line, JDK_JAVA_OPTIONS, JAVA_TOOL_OPTIONS, a flags
   * file, jcmd), mean "I sized this JVM": the governor stays off.
   */
  static final List<String> USER_FLAGS = List.of(
      "MaxHeapSize", "InitialHeapSize", "MinHeapSize", "MaxNewSize", "NewSize", "NewRatio",
      "MaxRAM", "MaxRAMPercentage", "MinRAMPercentage", "InitialRAMPercentage",
      "MaxRAMFraction", "MinRAMFraction", "InitialRAMFraction", "SoftMaxHeapSize",
      "MinHeapFreeRatio", "MaxHeapFreeRatio",
      "UseG1GC", "UseSerialGC", "UseParallelGC", "UseZGC", "UseShenandoahGC", "UseEpsilonGC");

  private final long budget;
  private final LongSupplier committedHeap;
  private final Runnable fullGc;
  private final Semaphore wanted = new Semaphore(0);
  private final AtomicLong requested = new AtomicLong();
  private final Thread thread;
  private final List<Runnable> unregister = new ArrayList<>();
  private volatile boolean closed;

  HeapGovernor(long budget, LongSupplier committedHeap, Runnable fullGc) {
    this.budget = budget;
    this.committedHeap = committedHeap;
    this.fullGc = fullGc;
    thread = new Thread(this::run, "locci-heap-governor");
    thread.setDaemon(true);
    // Below the event loops: it only ever waits, then asks for a collection.
    thread.setPriority(Thread.MIN_PRIORITY);
    thread.start();
  }

  /**
   * Why the governor stays off for this JVM, or empty when it should run. {@code flags} looks a VM flag up
   * (empty for a flag this JVM does not know).
   */
  static Optional<String> whyOff(Function<String, Optional<VMOption>> flags) {
    for (String name : USER_FLAGS) {
      Optional<VMOption> o = flags.apply(name);
      if (o.isPresent() && o.get().getOrigin() != VMOption.Origin.DEFAULT
          && o.get().getOrigin() != VMOption.Origin.ERGONOMIC) {
        return Optional.of("-XX:" + name + " was given (" + o.get().getOrigin() + ")");
      }
    }
    boolean g1 = flags.apply("UseG1GC").map(o -> "true".equals(o.getValue())).orElse(false);
    return g1 ? Optional.empty() : Optional.of("the JVM did not pick G1");
  }

  /** The system property that turns the governor on ({@code -Dlocci.heap_governor=true}). */
  static final String SWITCH = "locci.heap_governor";

  /**
   * {@link #whyOff} for this JVM; off unless {@code -Dlocci.heap_governor=true} was given. It is opt-in
   * because, measured on a quiet 2-core machine in one interleaved run (README "Memory without flags"),
   * its full collections cost a third of the throughput for 64 KiB responses and doubled p99, while the
   * RSS still passed 256 MB between them: a worse default than G1's own sizing.
   */
  static Optional<String> whyOff() {
    if (!"true".equalsIgnoreCase(System.getProperty(SWITCH, "").strip())) {
      return Optional.of("not asked for; -D" + SWITCH + "=true turns it on");
    }
    HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    if (hotspot == null) {
      return Optional.of("not a HotSpot JVM");
    }
    return whyOff(name -> {
      try {
        return Optional.of(hotspot.getVMOption(name));
      } catch (IllegalArgumentException unknown) {
        return Optional.empty();
      }
    });
  }

  /**
   * Starts the governor on this JVM's collectors: one full collection now (it sheds the start-up heap,
   * 1/64 of the RAM committed at start), then one whenever a collection leaves more than the budget
   * committed.
   */
  static HeapGovernor start() {
    var memory = ManagementFactory.getMemoryMXBean();
    HeapGovernor governor = new HeapGovernor(BUDGET_BYTES, () -> memory.getHeapMemoryUsage().getCommitted(),
        System::gc);
    NotificationListener listener = (Notification n, Object handback) -> {
      if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        // A full collection (ours or anyone's) already resized the heap.
        if (!"end of major GC".equals(info.getGcAction())) {
          governor.afterCollection();
        }
      }
    };
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener(listener, null, null);
        governor.unregister.add(() -> {
          try {
            emitter.removeNotificationListener(listener);
          } catch (ListenerNotFoundException ignored) {
            // Already gone.
          }
        });
      }
    }
    governor.wanted.release();
    return governor;
  }

  /** Called after every young collection (on the JMX notification thread): wakes the governor if over budget. */
  void afterCollection() {
    if (!closed && committedHeap.getAsLong() > budget && wanted.availablePermits() == 0) {
      wanted.release();
    }
  }

  /** Full collections requested so far (the first, at start, included). */
  long requested() {
    return requested.get();
  }

  long budget() {
    return budget;
  }

  private void run() {
    long last = System.nanoTime() - MIN_INTERVAL_NANOS;
    boolean first = true;
    while (!closed) {
      try {
        wanted.acquire();
      } catch (InterruptedException e) {
        return;
      }
      wanted.drainPermits();
      long wait = last + MIN_INTERVAL_NANOS - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      if (closed) {
        return;
      }
      // The heap may have been shrunk meanwhile (by a concurrent mark, or our previous collection).
      if (!first && committedHeap.getAsLong() <= budget) {
        continue;
      }
      first = false;
      fullGc.run();
      last = System.nanoTime();
      requested.incrementAndGet();
    }
  }

  @Override
  public void close() {
    closed = true;
    unregister.forEach(Runnable::run);
    thread.interrupt();
  }
}
