package cloud.locci.proxy.core.testing;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/**
 * A whole response, read inside the future chain: a response awaited first and read later may have
 * delivered its body already, to nobody. The body is read in a callback nested in the request's own
 * callback ({@code request.compose(r -> r.send().compose(read))}): chained one level up instead, as
 * {@code .compose(r -> r.send()).compose(read)}, the read can be scheduled after the body has arrived
 * when the caller is not on an event loop (eclipse-vertx/vert.x#4705), and the body is lost.
 */
public record HttpResult(int status, MultiMap headers, Buffer body) {

  public static Future<HttpResult> of(HttpClientResponse response) {
    return response.body().map(b -> new HttpResult(response.statusCode(), response.headers(), b));
  }

  /**
   * Sends {@code options} with {@code body} (may be null) and reads the whole answer. The reading is
   * hooked on the response before the request goes out: chained after {@code send()} from a thread
   * that is not the event loop, it could be hooked after the body already went by, to nobody.
   */
  public static Future<HttpResult> fetch(HttpClient client, RequestOptions options, Buffer body) {
    return client.request(options).compose(r -> {
      Future<HttpResult> result = r.response().compose(HttpResult::of);
      if (body == null) {
        r.end();
      } else {
        r.end(body);
      }
      return result;
    });
  }

  /** GET {@code uri} from 127.0.0.1:{@code port}. */
  public static HttpResult get(HttpClient client, int port, String uri) {
    return fetch(client, new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI(uri), null).await();
  }

  /** Sends {@code options} with {@code body} (may be null). */
  public static HttpResult send(HttpClient client, RequestOptions options, Buffer body) {
    return fetch(client, options, body).await();
  }

  public String header(String name) {
    return headers.get(name);
  }

  public JsonObject json() {
    return body.toJsonObject();
  }

  @Override
  public String toString() {
    return status + " " + headers.entries() + " " + body;
  }
}
