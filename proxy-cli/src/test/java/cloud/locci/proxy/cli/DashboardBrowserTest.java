package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.ClosedPort;
import cloud.locci.proxy.core.testing.EchoUpstream;
import cloud.locci.proxy.core.testing.HttpResult;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser (Debian's chromium, headless) against the whole process: what a person
 * sees. Skipped, with the reason, where chromium or chromedriver is not installed. Writes the README's
 * screenshot to {@code target/dashboard.png} (1280x800).
 */
@ExtendWith(VertxExtension.class)
class DashboardBrowserTest {

  static final Path SCREENSHOT = Path.of("target", "dashboard.png");
  /** Not in the README: for a person checking the phone layout by eye. */
  static final Path PHONE_SCREENSHOT = Path.of("target", "dashboard-390px.png");

  private static HeadlessChromium chromium;

  @TempDir
  Path dir;

  private static Optional<String> missing;

  /** One browser for the class (its start is the slow part); none where it is not installed. */
  @BeforeAll
  static void startBrowser() throws Exception {
    missing = HeadlessChromium.missing();
    if (missing.isEmpty()) {
      chromium = HeadlessChromium.start();
    }
  }

  /** Per test, so that each one is reported skipped with the reason. */
  @BeforeEach
  void needsTheBrowser() {
    Assumptions.assumeTrue(missing.isEmpty(), () -> "skipped: " + missing.orElseThrow());
  }

  @AfterAll
  static void stopBrowser() {
    if (chromium != null) {
      chromium.close();
    }
  }

  /** {@code hostile}: adds a route whose pattern is markup, which the page must show as text. */
  private static String gateway(EchoUpstream s1, EchoUpstream s2, int dead, String apiKey, boolean hostile) {
    return """
        mode: api_gateway
        server: {bind_address: "127.0.0.1:0", workers: 1}
        upstreams:
          app:
            servers: ["%s", {address: "%s", weight: 3}]
            # A stopped server refuses at once; the long timeout only spares a cold JVM's first checks.
            health_check: {interval_secs: 1, timeout_secs: 3, path: /, unhealthy_threshold: 1}
          legacy: {servers: ["127.0.0.1:%d"]}
        api_gateway:
          routes:
            catch_all: {path_pattern: "^/", upstream: legacy}
            users: {path_pattern: "^/api/users", methods: [GET, POST], upstream: app, middlewares: [limit]}
        %s
          middlewares:
            limit: {type: rate_limiting, requests_per_minute: 6000, burst_size: 100}
        control_api: {bind_address: "127.0.0.1:0"%s}
        """.formatted(s1.address(), s2.address(), dead,
            hostile ? "    odd: {path_pattern: \"^/x<img src=x onerror=alert(1)>\", upstream: app}" : "",
            apiKey == null ? "" : ", api_key: \"" + apiKey + "\"");
  }

  private static ChromeDriver open(RunningProxy proxy) {
    ChromeDriver driver = chromium.driver();
    driver.executeScript("try { sessionStorage.clear(); } catch (e) {}");
    driver.get(proxy.controlUrl() + "/dashboard/");
    return driver;
  }

  private static WebDriverWait waiting(ChromeDriver driver, int seconds) {
    return new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(100));
  }

  /**
   * Every visible element with text of its own: the WCAG contrast ratio of its colour on the first opaque
   * background behind it (all colours here are opaque); lists those under 4.5:1.
   */
  private static void assertTextContrastAtLeastAA(ChromeDriver driver) {
    Object low = driver.executeScript("""
        const rgb = (c) => (c.match(/[0-9.]+/g) || []).map(Number);
        const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255;
            return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
          .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
        const background = (e) => {
          for (; e; e = e.parentElement) {
            const c = rgb(getComputedStyle(e).backgroundColor);
            if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c;
          }
          return [255, 255, 255];
        };
        const out = [];
        for (const e of document.querySelectorAll('body *')) {
          const own = Array.from(e.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
          if (!own || e.getClientRects().length === 0 || e.closest('[hidden]') || e.closest('table.stack thead')
              && getComputedStyle(e.closest('thead')).position === 'absolute') continue;
          const a = lum(rgb(getComputedStyle(e).color)), b = lum(background(e));
          const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
          if (ratio < 4.5) out.push(e.tagName + ' "' + e.textContent.trim().slice(0, 30) + '" ' + ratio.toFixed(2));
        }
        return out;""");
    assertThat((List<?>) low).as("text under 4.5:1 contrast").isEmpty();
  }

  // The page replaces its tables on every refresh, so an element found now may be gone a moment later:
  // each read is one script, which runs between two refreshes and sees one consistent page.

  /** The text of the first element {@code css} selects, as shown ({@code innerText}); "" when none. */
  private static String text(ChromeDriver driver, String css) {
    return texts(driver, css).stream().findFirst().orElse("");
  }

  /** The shown text of every element {@code css} selects. */
  @SuppressWarnings("unchecked")
  private static List<String> texts(ChromeDriver driver, String css) {
    return (List<String>) driver.executeScript(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText.trim())", css);
  }

  /** Attribute {@code name} of every element {@code css} selects. */
  @SuppressWarnings("unchecked")
  private static List<String> attributes(ChromeDriver driver, String css, String name) {
    return (List<String>) driver.executeScript(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.getAttribute(arguments[1]))", css, name);
  }

  @Test
  void showsRoutesUpstreamsServersRatesChangesAndAServerTurningUnhealthy(Vertx vertx) throws Exception {
    EchoUpstream s1 = EchoUpstream.start(vertx, "s1").await();
    EchoUpstream s2 = EchoUpstream.start(vertx, "s2").await();
    HttpClient client = vertx.createHttpClient();
    chromium.viewport(1280, 800);
    try (RunningProxy proxy = RunningProxy.start(dir.resolve("config.yaml"), gateway(s1, s2, ClosedPort.find(), null, false))) {
      for (int i = 0; i < 6; i++) {
        assertThat(HttpResult.get(client, proxy.port(), "/api/users/" + i).status()).isEqualTo(200);
      }
      for (int i = 0; i < 2; i++) {
        assertThat(HttpResult.get(client, proxy.port(), "/legacy").status()).isEqualTo(502);
      }
      // A reload that changes something, for the list of reloads.
      proxy.rewrite(Files.readString(proxy.file()).replace("requests_per_minute: 6000", "requests_per_minute: 9000"));
      assertThat(proxy.control(client, HttpMethod.POST, "/api/v1/reload", null).status()).isEqualTo(200);

      ChromeDriver driver = open(proxy);
      waiting(driver, 10).until(d -> d.findElement(By.id("dashboard")).isDisplayed()
          && text(driver, "#routes tbody").contains("users"));
      waiting(driver, 10).until(d -> text(driver, "#health-summary").equals("All 3 servers healthy."));
      assertThat(driver.findElement(By.id("login")).isDisplayed()).isFalse();
      assertThat(driver.findElement(By.tagName("h1")).getText()).isEqualTo("Locci Proxy");
      assertThat(text(driver, "#mode")).isEqualTo("API gateway");
      assertThat(text(driver, "#version")).isEqualTo("dev");
      assertThat(text(driver, "#config-version")).isEqualTo("2");
      assertThat(text(driver, "#uptime")).matches("[0-9]+ (s|min [0-9]+ s)");
      assertThat(driver.findElement(By.id("cluster")).isDisplayed()).as("no cluster section outside cluster mode")
          .isFalse();

      // Routes in match order (longest pattern first), with upstream, middlewares and last-minute traffic.
      assertThat(attributes(driver, "#routes tbody tr", "data-route")).containsExactly("users", "catch_all");
      waiting(driver, 5).until(d -> text(driver, "#routes tr[data-route=users]").contains("6 (0.10/s)")
          && text(driver, "#routes tr[data-route=catch_all]").contains("2 (100.0%)"));
      assertThat(texts(driver, "#routes tr[data-route=users] td"))
          .containsExactly("1", "users", "path ^/api/users · GET, POST", "app", "limit", "6 (0.10/s)", "0 (0.0%)");

      // Every server with health, active connections and weight.
      assertThat(text(driver, "#upstreams h3")).startsWith("app");
      assertThat(texts(driver, "table[data-upstream=app] tr[data-server='" + s2.address() + "'] td"))
          .containsExactly(s2.address(), "● healthy", "0", "3");
      assertThat(text(driver, "table[data-upstream=legacy]")).contains("healthy");
      assertThat(texts(driver, "table[data-upstream] th[scope=col]"))
          .startsWith("Server", "Health", "Active connections", "Weight");

      assertTextContrastAtLeastAA(driver);
      // Keyboard: the first Tab stop is the link that skips to the content.
      driver.findElement(By.tagName("body")).sendKeys(Keys.TAB);
      assertThat(driver.switchTo().activeElement().getText()).isEqualTo("Skip to content");

      // The reload, with its diff.
      assertThat(text(driver, "#changes li")).contains("Reload of the file: version 2")
          .contains("Middlewares: changed limit");

      // A real upstream stops: its row turns unhealthy within 5 s (checks every second, page polls every 2 s).
      s2.close().await();
      waiting(driver, 5).until(d -> text(driver, "table[data-upstream=app] tr[data-server='" + s2.address() + "']")
          .contains("unhealthy"));
      assertThat(text(driver, "table[data-upstream=app] tr[data-server='" + s1.address() + "']")).contains("● healthy");
      assertThat(text(driver, "#health-summary")).isEqualTo("1 of 3 servers unhealthy: app " + s2.address() + ".");

      driver.executeScript("document.activeElement.blur(); window.scrollTo(0, 0)"); // as a person first sees it
      Files.createDirectories(SCREENSHOT.getParent());
      Files.write(SCREENSHOT, driver.getScreenshotAs(OutputType.BYTES));
      assertThat(((Number) driver.executeScript("return window.innerWidth")).intValue()).isEqualTo(1280);
      assertThat(Files.size(SCREENSHOT)).isGreaterThan(10_000);
    } finally {
      client.close().await();
      s1.close().await();
    }
  }

  @Test
  void withAnApiKeyAsksForItOnceAndShowsTheDataAfterIt(Vertx vertx) throws Exception {
    EchoUpstream s1 = EchoUpstream.start(vertx, "s1").await();
    EchoUpstream s2 = EchoUpstream.start(vertx, "s2").await();
    chromium.viewport(1280, 800);
    String yaml = gateway(s1, s2, ClosedPort.find(), RunningProxy.KEY, true);
    try (RunningProxy proxy = RunningProxy.start(dir.resolve("config.yaml"), yaml)) {
      ChromeDriver driver = open(proxy);
      WebElement input = driver.findElement(By.id("api-key"));
      waiting(driver, 10).until(d -> input.isDisplayed());
      assertThat(driver.findElement(By.id("dashboard")).isDisplayed()).isFalse();
      assertThat(text(driver, "#login h2")).isEqualTo("API key required");
      WebElement label = driver.findElement(By.cssSelector("label[for=api-key]"));
      assertThat(label.getText()).isEqualTo("API key");
      assertThat(input.getAttribute("type")).isEqualTo("password");
      assertThat(driver.switchTo().activeElement()).isEqualTo(input);
      assertThat(text(driver, "#login-error")).isEmpty();
      assertTextContrastAtLeastAA(driver);

      // A wrong key, typed and sent with Enter: the prompt again, with a message.
      input.sendKeys("wrong-key", Keys.ENTER);
      waiting(driver, 5).until(d -> text(driver, "#login-error").contains("not accepted"));
      assertThat(input.isDisplayed()).isTrue();
      assertThat(driver.findElement(By.id("dashboard")).isDisplayed()).isFalse();
      assertThat(driver.executeScript("return sessionStorage.getItem('locci.dashboard.apiKey')")).isNull();
      assertTextContrastAtLeastAA(driver);

      // The right key: the data, and the key kept for this tab, sent as X-API-Key.
      driver.findElement(By.id("api-key")).sendKeys(RunningProxy.KEY);
      driver.findElement(By.cssSelector("#login-form button[type=submit]")).click();
      waiting(driver, 5).until(d -> d.findElement(By.id("dashboard")).isDisplayed()
          && text(driver, "#routes tbody").contains("users"));
      assertThat(text(driver, "table[data-upstream=app]")).contains(s1.address()).contains("healthy");
      // Values are text, never markup: the pattern shows as typed and creates no element.
      assertThat(attributes(driver, "#routes tbody tr", "data-route")).containsExactly("odd", "users", "catch_all");
      assertThat(text(driver, "#routes tr[data-route=odd]")).contains("^/x<img src=x onerror=alert(1)>");
      assertThat(driver.findElements(By.cssSelector("main img"))).isEmpty();
      assertThat(driver.executeScript("return sessionStorage.getItem('locci.dashboard.apiKey')"))
          .isEqualTo(RunningProxy.KEY);

      // Asked once: a reload of the page goes straight to the data.
      driver.navigate().refresh();
      waiting(driver, 5).until(d -> d.findElement(By.id("dashboard")).isDisplayed()
          && text(driver, "#routes tbody").contains("users"));
      assertThat(driver.findElement(By.id("login")).isDisplayed()).isFalse();

      // "Forget API key": the prompt again, and the key gone from the tab.
      driver.findElement(By.id("forget-key")).click();
      waiting(driver, 5).until(d -> d.findElement(By.id("api-key")).isDisplayed());
      assertThat(driver.executeScript("return sessionStorage.getItem('locci.dashboard.apiKey')")).isNull();
      assertThat(driver.findElement(By.id("dashboard")).isDisplayed()).isFalse();
    } finally {
      s1.close().await();
      s2.close().await();
    }
  }

  @Test
  void loadBalancerModeShowsOneRowForEveryRequest(Vertx vertx) throws Exception {
    EchoUpstream s1 = EchoUpstream.start(vertx, "s1").await();
    HttpClient client = vertx.createHttpClient();
    chromium.viewport(1280, 800);
    try (RunningProxy proxy = RunningProxy.start(dir.resolve("config.yaml"), """
        mode: load_balancer
        server: {bind_address: "127.0.0.1:0", workers: 1}
        upstreams:
          fleet: {servers: ["%s"]}
        load_balancer: {upstream: fleet, middlewares: [limit]}
        middlewares:
          limit: {type: rate_limiting, requests_per_minute: 6000, burst_size: 100}
        control_api: {bind_address: "127.0.0.1:0"}
        """.formatted(s1.address()))) {
      for (int i = 0; i < 3; i++) {
        assertThat(HttpResult.get(client, proxy.port(), "/anything/" + i).status()).isEqualTo(200);
      }
      ChromeDriver driver = open(proxy);
      waiting(driver, 10).until(d -> d.findElement(By.id("dashboard")).isDisplayed()
          && text(driver, "#routes tbody").contains("every request"));
      assertThat(text(driver, "#mode")).isEqualTo("Load balancer");
      waiting(driver, 5).until(d -> texts(driver, "#routes tbody tr td").equals(List.of(
          "1", "(every request)", "any path", "fleet", "limit", "3 (0.05/s)", "0 (0.0%)")));
      assertThat(text(driver, "table[data-upstream=fleet]")).contains(s1.address()).contains("healthy");
    } finally {
      client.close().await();
      s1.close().await();
    }
  }

  @Test
  @SuppressWarnings("removal") // SelfSignedCertificate: the simplest way to make a certificate at test time
  void certificatesShowEachAcmeDomainsStateAndError(Vertx vertx) throws Exception {
    EchoUpstream s1 = EchoUpstream.start(vertx, "s1").await();
    chromium.viewport(1280, 800);
    // A CA that is down: the domain stays on the temporary certificate and reports why.
    Path ca = dir.resolve("ca.pem");
    Files.copy(new io.netty.handler.ssl.util.SelfSignedCertificate("localhost").certificate().toPath(), ca);
    try (RunningProxy proxy = RunningProxy.start(dir.resolve("config.yaml"), """
        mode: load_balancer
        server:
          bind_address: "127.0.0.1:0"
          workers: 1
          tls:
            acme:
              domains: [shop.locci.test]
              challenge: tls-alpn-01
              directory_url: "https://127.0.0.1:%d/dir"
              storage_path: "%s"
              ca_path: "%s"
        upstreams:
          fleet: {servers: ["%s"]}
        load_balancer: {upstream: fleet}
        control_api: {bind_address: "127.0.0.1:0"}
        """.formatted(ClosedPort.find(), dir.resolve("acme"), ca, s1.address()))) {
      ChromeDriver driver = open(proxy);
      waiting(driver, 30).until(d -> d.findElement(By.id("certificates-card")).isDisplayed()
          && text(driver, "#certificates tbody").contains("failed"));
      List<String> row = texts(driver, "#certificates tbody tr[data-domain='shop.locci.test'] td");
      assertThat(row.subList(0, 3)).containsExactly("shop.locci.test", "failed", "–");
      assertThat(row.get(3)).isNotBlank().isNotEqualTo("–");
    } finally {
      s1.close().await();
    }
  }

  @Test
  void atPhoneWidthRowsStackWithoutHorizontalOverflow(Vertx vertx) throws Exception {
    EchoUpstream s1 = EchoUpstream.start(vertx, "s1").await();
    EchoUpstream s2 = EchoUpstream.start(vertx, "s2").await();
    // Closed inside the test (the page must outlive it), and again, harmlessly, at the end.
    RunningProxy proxy = RunningProxy.start(dir.resolve("config.yaml"), gateway(s1, s2, ClosedPort.find(), null, false));
    try {
      chromium.viewport(390, 844);
      ChromeDriver driver = open(proxy);
      waiting(driver, 10).until(d -> d.findElement(By.id("dashboard")).isDisplayed()
          && text(driver, "#routes tbody").contains("users")
          && text(driver, "#changes-empty").contains("No reload"));
      JavascriptExecutor js = driver;
      assertThat(((Number) js.executeScript("return window.innerWidth")).intValue()).isEqualTo(390);
      long scrollWidth = ((Number) js.executeScript("return document.documentElement.scrollWidth")).longValue();
      assertThat(scrollWidth).as("page width at 390 px").isLessThanOrEqualTo(390);
      // No visible element reaches past the right edge either (overflow hidden inside a box would not show
      // above); the column headers are clipped to nothing at this width (each cell shows its label instead).
      Object wide = js.executeScript("""
          return Array.from(document.querySelectorAll('body *'))
            .filter(e => !e.closest('table.stack thead'))
            .filter(e => e.getClientRects().length > 0 && e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 5);""");
      assertThat((List<?>) wide).as("elements past the right edge").isEmpty();
      // Each cell carries its column's name, so the stacked rows stay readable.
      assertThat(attributes(driver, "#routes tr[data-route=users] td", "data-label")).containsExactly("#", "Route",
          "Match", "Upstream", "Middlewares", "Requests / min", "Errors / min");
      Number headHeight = (Number) js.executeScript(
          "return document.querySelector('#routes thead').getBoundingClientRect().height");
      assertThat(headHeight.doubleValue()).isLessThanOrEqualTo(1);
      Files.createDirectories(SCREENSHOT.getParent());
      Files.write(PHONE_SCREENSHOT, driver.getScreenshotAs(OutputType.BYTES));

      // The proxy goes away: the page says so and keeps the last data it had.
      proxy.close();
      waiting(driver, 5).until(d -> text(driver, "#connection").startsWith("Cannot reach the control API"));
      assertThat(text(driver, "#routes tbody")).contains("users");
    } finally {
      proxy.close();
      chromium.viewport(1280, 800);
      s1.close().await();
      s2.close().await();
    }
  }
}
