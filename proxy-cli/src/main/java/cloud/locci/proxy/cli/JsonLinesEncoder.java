package cloud.locci.proxy.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.slf4j.event.KeyValuePair;

/**
 * {@code logging.format: json}: one JSON object per line, logstash-style: {@code timestamp} (ISO-8601,
 * UTC), {@code level}, {@code logger}, {@code thread}, {@code message}, {@code stack_trace} when there
 * is one, and every key-value pair of the event as a field of its own (the access log's
 * {@code method}, {@code path}, {@code status}, {@code bytes}, {@code route}, {@code upstream},
 * {@code duration_ms}, {@code client}, ...).
 */
public final class JsonLinesEncoder extends EncoderBase<ILoggingEvent> {

  private static final byte[] NONE = new byte[0];

  @Override
  public byte[] headerBytes() {
    return NONE;
  }

  @Override
  public byte[] footerBytes() {
    return NONE;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    JsonObject json = new JsonObject()
        .put("timestamp", Instant.ofEpochMilli(event.getTimeStamp()).toString())
        .put("level", event.getLevel().toString())
        .put("logger", event.getLoggerName())
        .put("thread", event.getThreadName())
        .put("message", event.getFormattedMessage());
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      json.put("stack_trace", ThrowableProxyUtil.asString(thrown));
    }
    if (event.getKeyValuePairs() != null) {
      for (KeyValuePair kv : event.getKeyValuePairs()) {
        Object v = kv.value;
        json.put(kv.key, v instanceof Number || v instanceof Boolean || v == null ? v : v.toString());
      }
    }
    return (json.encode() + "\n").getBytes(StandardCharsets.UTF_8);
  }
}
