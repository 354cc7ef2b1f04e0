package cloud.locci.proxy.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's {@code chromium}, headless, driven through Debian's {@code /usr/bin/chromedriver} by Selenium
 * (never Selenium Manager: both paths are given, so nothing is downloaded). A fresh profile directory
 * per browser, removed on close; {@link #close} ends chromium and chromedriver.
 */
final class HeadlessChromium implements AutoCloseable {

  static final Path DRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path[] BROWSERS = {Path.of("/usr/bin/chromium"), Path.of("/usr/lib/chromium/chromium")};

  private final ChromeDriverService service;
  private final ChromeDriver driver;
  private final Path profile;

  private HeadlessChromium(ChromeDriverService service, ChromeDriver driver, Path profile) {
    this.service = service;
    this.driver = driver;
    this.profile = profile;
  }

  /** Why no browser can run here, or empty when both chromium and chromedriver are installed. */
  static Optional<String> missing() {
    if (!Files.isExecutable(DRIVER)) {
      return Optional.of(DRIVER + " not found: install Debian's chromium and chromium-driver"
          + " (apt-get install -y chromium chromium-driver; .ci/run does it) to run the dashboard's browser tests");
    }
    if (browser().isEmpty()) {
      return Optional.of("chromium not found: install Debian's chromium (apt-get install -y chromium) to run the"
          + " dashboard's browser tests");
    }
    return Optional.empty();
  }

  private static Optional<Path> browser() {
    return Stream.of(BROWSERS).filter(Files::isExecutable).findFirst();
  }

  static HeadlessChromium start() throws IOException {
    Path profile = Files.createTempDirectory("locci-chromium-");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(browser().orElseThrow().toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--user-data-dir=" + profile, "--window-size=1280,800", "--hide-scrollbars", "--lang=en-US");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(DRIVER.toFile())
        .usingAnyFreePort()
        .withLogOutput(OutputStream.nullOutputStream())
        .build();
    try {
      ChromeDriver driver = new ChromeDriver(service, options);
      driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(15)).scriptTimeout(Duration.ofSeconds(10));
      return new HeadlessChromium(service, driver, profile);
    } catch (RuntimeException e) {
      service.stop();
      deleteTree(profile);
      throw e;
    }
  }

  ChromeDriver driver() {
    return driver;
  }

  /** Makes the page's viewport (not the window) {@code width} x {@code height} CSS pixels. */
  void viewport(int width, int height) {
    driver.manage().window().setSize(new Dimension(width, height));
    JavascriptExecutor js = driver;
    long innerW = ((Number) js.executeScript("return window.innerWidth")).longValue();
    long innerH = ((Number) js.executeScript("return window.innerHeight")).longValue();
    if (innerW != width || innerH != height) {
      driver.manage().window().setSize(new Dimension(width + (int) (width - innerW), height + (int) (height - innerH)));
    }
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
      deleteTree(profile);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A temporary profile left behind is harmless.
    }
  }
}
