package cloud.locci.proxy.core.tracing.otel;

import io.opentelemetry.api.common.AttributeKey;

/**
 * The span attributes: OpenTelemetry's HTTP semantic-convention names where one exists, {@code locci.*}
 * for what only the proxy knows.
 */
final class Attr {

  private Attr() {}

  static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
  static final AttributeKey<String> CLIENT_IP = AttributeKey.stringKey("client.address");
  static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  static final AttributeKey<Long> RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");
  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("locci.route");
  static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("locci.upstream");
  static final AttributeKey<String> SERVER = AttributeKey.stringKey("locci.server");
  static final AttributeKey<String> REASON = AttributeKey.stringKey("locci.reason");
}
