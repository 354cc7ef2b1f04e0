package cloud.locci.proxy.core.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Netty's leak detector at {@code PARANOID} (every buffer tracked) for the duration of a test, with its
 * reports captured: {@link #leaks()} collects the garbage and returns the "LEAK:" reports of buffers
 * that were collected without being released. A report is only made for a buffer the collector has
 * already found, so an empty answer is evidence, not proof; a non-empty one is always a real leak.
 */
public final class LeakWatch implements AutoCloseable {

  private final ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
  private final Logger logger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
  private final ListAppender<ILoggingEvent> reports = new ListAppender<>();

  private LeakWatch() {
    reports.start();
    logger.addAppender(reports);
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
  }

  /** Starts watching; {@link #close} restores the previous level. */
  public static LeakWatch start() {
    return new LeakWatch();
  }

  /** The leak reports so far, after giving the collector a few chances to find lost buffers. */
  public List<String> leaks() {
    for (int i = 0; i < 5; i++) {
      System.gc();
      // The detector reports the buffers collected so far when the next buffer is tracked.
      ByteBuf probe = PooledByteBufAllocator.DEFAULT.directBuffer(16);
      probe.release();
    }
    return reports.list.stream()
        .map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.contains("LEAK"))
        .toList();
  }

  /** Drops the reports so far (a test that leaked on purpose). */
  public void forget() {
    reports.list.clear();
  }

  @Override
  public void close() {
    ResourceLeakDetector.setLevel(before);
    logger.detachAppender(reports);
    reports.stop();
  }
}
