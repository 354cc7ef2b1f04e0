package cloud.locci.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

class JsonLinesEncoderTest {

  @Test
  void oneJsonObjectPerLineWithLogstashFieldsAndKeyValuePairs() {
    LoggerContext context = new LoggerContext();
    LoggingEvent event = new LoggingEvent("x", context.getLogger("locci.access"), Level.INFO,
        "GET \"/a\" done", null, null);
    event.setKeyValuePairs(List.of(new KeyValuePair("status", 200), new KeyValuePair("path", "/a"),
        new KeyValuePair("upstream_ms", null)));
    JsonLinesEncoder encoder = new JsonLinesEncoder();
    encoder.setContext(context);
    encoder.start();

    String line = new String(encoder.encode(event), StandardCharsets.UTF_8);

    assertThat(line).endsWith("\n").doesNotContain("\n{");
    JsonObject json = new JsonObject(line);
    assertThat(json.getString("level")).isEqualTo("INFO");
    assertThat(json.getString("logger")).isEqualTo("locci.access");
    assertThat(json.getString("message")).isEqualTo("GET \"/a\" done");
    assertThat(json.getString("timestamp")).matches("\\d{4}-\\d{2}-\\d{2}T.*Z");
    assertThat(json.getInteger("status")).isEqualTo(200);
    assertThat(json.getString("path")).isEqualTo("/a");
    assertThat(json.containsKey("upstream_ms")).isTrue();
  }

  @Test
  void clientChosenValuesWithControlCharactersStayOneValidJsonLine() {
    LoggerContext context = new LoggerContext();
    String hostile = "a\\\" 200 0\r\n127.0.0.1 - - \"GET /forged\u0000\u001b\u2028";
    LoggingEvent event = new LoggingEvent("x", context.getLogger("locci.access"), Level.INFO, hostile, null, null);
    event.setKeyValuePairs(List.of(new KeyValuePair("path", hostile)));
    JsonLinesEncoder encoder = new JsonLinesEncoder();
    encoder.setContext(context);
    encoder.start();

    String line = new String(encoder.encode(event), StandardCharsets.UTF_8);

    assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
    assertThat(line).doesNotContain("\r", "\u0000", "\u001b");
    JsonObject json = new JsonObject(line);
    assertThat(json.getString("message")).isEqualTo(hostile);
    assertThat(json.getString("path")).isEqualTo(hostile);
  }
}
