package cloud.locci.proxy.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Figures about a process read from Linux's {@code /proc}; empty where {@code /proc} is not there. */
final class ProcStatus {

  private ProcStatus() {}

  /** Peak resident set size (VmHWM) in KiB. */
  static OptionalLong peakRssKib(long pid) {
    return field(pid, "VmHWM:");
  }

  /** Current resident set size (VmRSS) in KiB. */
  static OptionalLong rssKib(long pid) {
    return field(pid, "VmRSS:");
  }

  /** The soft limit on open files ("Max open files"), or empty. */
  static OptionalLong openFileLimit(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "limits"))) {
        if (line.startsWith("Max open files")) {
          String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
          return soft.equals("unlimited") ? OptionalLong.of(Long.MAX_VALUE) : OptionalLong.of(Long.parseLong(soft));
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or the process is gone.
    }
    return OptionalLong.empty();
  }

  /** Open file descriptors of the process right now, or empty. */
  static OptionalLong openFiles(long pid) {
    try (var list = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return OptionalLong.of(list.count());
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  private static OptionalLong field(long pid, String name) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(name)) {
          return OptionalLong.of(Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]));
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or the process is gone.
    }
    return OptionalLong.empty();
  }
}
