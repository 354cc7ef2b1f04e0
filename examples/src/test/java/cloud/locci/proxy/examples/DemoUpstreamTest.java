package cloud.locci.proxy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class DemoUpstreamTest {

  private static final String USERS = Path.of("json-server", "db-users.json").toAbsolutePath().toString();
  private static final String PRODUCTS = Path.of("json-server", "db-products.json").toAbsolutePath().toString();

  private HttpClient client;

  /** What a test needs from a response: its status, headers of interest and body. */
  record Reply(int status, String contentType, String contentLength, String upstreamId, Buffer body) {

    JsonObject object() {
      return body.toJsonObject();
    }

    JsonArray array() {
      return body.toJsonArray();
    }
  }

  @BeforeEach
  void createClient(Vertx vertx) {
    client = vertx.createHttpClient();
  }

  @AfterEach
  void closeClient(VertxTestContext ctx) {
    client.close().onComplete(ctx.succeedingThenComplete());
  }

  private Future<Reply> request(HttpMethod method, int port, String uri) {
    return client.request(method, port, "127.0.0.1", uri)
        .compose(request -> request.send())
        .compose(response -> response.body().map(body -> reply(response, body)));
  }

  private Future<Reply> get(int port, String uri) {
    return request(HttpMethod.GET, port, uri);
  }

  private static Reply reply(HttpClientResponse response, Buffer body) {
    return new Reply(response.statusCode(), response.getHeader("Content-Type"),
        response.getHeader("Content-Length"), response.getHeader("X-Upstream-Id"), body);
  }

  private static Future<RunningUpstream> startUsers(Vertx vertx, String id) {
    return DemoUpstream.start(vertx, InstanceSpec.of(id, 0, USERS));
  }

  @Test
  void listsACollection(Vertx vertx, VertxTestContext ctx) {
    startUsers(vertx, "users-1")
        .compose(up -> get(up.port(), "/users"))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply.status()).isEqualTo(200);
          assertThat(reply.contentType()).isEqualTo("application/json");
          assertThat(reply.upstreamId()).isEqualTo("users-1");
          assertThat(reply.array()).hasSize(5);
          assertThat(reply.array().getJsonObject(0).getString("name")).isEqualTo("Alice Example");
          ctx.completeNow();
        })));
  }

  @Test
  void trailingSlashAndQueryStringStillListTheCollection(Vertx vertx, VertxTestContext ctx) {
    startUsers(vertx, "users-1")
        .compose(up -> get(up.port(), "/users/?_page=1"))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply.status()).isEqualTo(200);
          assertThat(reply.array()).hasSize(5);
          ctx.completeNow();
        })));
  }

  @Test
  void findsAnItemById(Vertx vertx, VertxTestContext ctx) {
    startUsers(vertx, "users-1")
        .compose(up -> get(up.port(), "/users/3"))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply.status()).isEqualTo(200);
          assertThat(reply.contentType()).isEqualTo("application/json");
          assertThat(reply.upstreamId()).isEqualTo("users-1");
          assertThat(reply.object().getInteger("id")).isEqualTo(3);
          assertThat(reply.object().getString("name")).isEqualTo("Carol Placeholder");
          ctx.completeNow();
        })));
  }

  @Test
  void unknownItemIsNotFound(Vertx vertx, VertxTestContext ctx) {
    startUsers(vertx, "users-1")
        .compose(up -> get(up.port(), "/users/99"))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply.status()).isEqualTo(404);
          assertThat(reply.contentType()).isEqualTo("application/json");
          assertThat(reply.upstreamId()).isEqualTo("users-1");
          assertThat(reply.object()).isEqualTo(new JsonObject().put("error", "not found"));
          ctx.completeNow();
        })));
  }

  @Test
  void unknownPathsAreNotFound(Vertx vertx, VertxTestContext ctx) {
    startUsers(vertx, "users-1")
        .compose(up -> Future.all(get(up.port(), "/nothing-here"), get(up.port(), "/"),
            get(up.port(), "/users/1/extra")))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          for (int i = 0; i < all.size(); i++) {
            Reply reply = all.resultAt(i);
            assertThat(reply.status()).isEqualTo(404);
            assertThat(reply.contentType()).isEqualTo("application/json");
            assertThat(reply.object().getString("error")).isEqualTo("not found");
          }
          ctx.completeNow();
        })));
  }

  @Test
  void malformedEscapeIsABadRequest(Vertx vertx, VertxTestContext ctx) {
    startUsers(vertx, "users-1")
        .compose(up -> get(up.port(), "/users/%zz"))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply.status()).isEqualTo(400);
          assertThat(reply.object()).isEqualTo(new JsonObject().put("error", "bad request"));
          ctx.completeNow();
        })));
  }

  @Test
  void otherMethodsAreNotAllowed(Vertx vertx, VertxTestContext ctx) {
    startUsers(vertx, "users-1")
        .compose(up -> client.request(HttpMethod.POST, up.port(), "127.0.0.1", "/users"))
        .compose(request -> request.send("{\"name\":\"x\"}"))
        .onComplete(ctx.succeeding(response -> ctx.verify(() -> {
          assertThat(response.statusCode()).isEqualTo(405);
          assertThat(response.getHeader("Allow")).isEqualTo("GET, HEAD");
          ctx.completeNow();
        })));
  }

  @Test
  void instanceReportsItsIdAndActualPort(Vertx vertx, VertxTestContext ctx) {
    startUsers(vertx, "server-1").onComplete(ctx.succeeding(up -> get(up.port(), "/instance")
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(up.port()).isPositive();
          assertThat(up.id()).isEqualTo("server-1");
          assertThat(reply.status()).isEqualTo(200);
          assertThat(reply.contentType()).isEqualTo("application/json");
          assertThat(reply.object()).isEqualTo(new JsonObject().put("id", "server-1").put("port", up.port()));
          assertThat(reply.upstreamId()).isEqualTo("server-1");
          ctx.completeNow();
        })))));
  }

  @Test
  void idDefaultsToServerDashPort(Vertx vertx, VertxTestContext ctx) {
    startUsers(vertx, null).onComplete(ctx.succeeding(up -> get(up.port(), "/instance")
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          String expected = "server-" + up.port();
          assertThat(up.id()).isEqualTo(expected);
          assertThat(reply.object().getString("id")).isEqualTo(expected);
          assertThat(reply.upstreamId()).isEqualTo(expected);
          assertThat(up.listeningLine()).isEqualTo(expected + " listening on :" + up.port() + " (db-users.json)");
          ctx.completeNow();
        })))));
  }

  @Test
  void healthIsOk(Vertx vertx, VertxTestContext ctx) {
    startUsers(vertx, "users-1")
        .compose(up -> get(up.port(), "/health"))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply.status()).isEqualTo(200);
          assertThat(reply.contentType()).isEqualTo("application/json");
          assertThat(reply.upstreamId()).isEqualTo("users-1");
          assertThat(reply.object()).isEqualTo(new JsonObject().put("status", "ok"));
          ctx.completeNow();
        })));
  }

  @Test
  void headAnswersLikeGetWithoutBody(Vertx vertx, VertxTestContext ctx) {
    startUsers(vertx, "users-1")
        .compose(up -> Future.all(request(HttpMethod.HEAD, up.port(), "/users"), get(up.port(), "/users")))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          Reply head = all.resultAt(0);
          Reply get = all.resultAt(1);
          assertThat(head.status()).isEqualTo(200);
          assertThat(head.upstreamId()).isEqualTo("users-1");
          assertThat(head.contentType()).isEqualTo("application/json");
          assertThat(head.body().length()).isZero();
          assertThat(head.contentLength()).isEqualTo(String.valueOf(get.body().length()));
          ctx.completeNow();
        })));
  }

  @Test
  void twoInstancesInOneVertxServeTheirOwnData(Vertx vertx, VertxTestContext ctx) {
    List<InstanceSpec> specs = List.of(InstanceSpec.of("server-1", 0, USERS), InstanceSpec.of("server-2", 0, PRODUCTS));
    DemoUpstream.startAll(vertx, specs).onComplete(ctx.succeeding(ups -> {
      int usersPort = ups.get(0).port();
      int productsPort = ups.get(1).port();
      Future.all(get(usersPort, "/instance"), get(productsPort, "/instance"), get(usersPort, "/users"),
              get(productsPort, "/products"), get(usersPort, "/products"))
          .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
            assertThat(usersPort).isNotEqualTo(productsPort);
            Reply users = all.resultAt(2);
            Reply products = all.resultAt(3);
            Reply productsOnUsers = all.resultAt(4);
            assertThat(((Reply) all.resultAt(0)).object())
                .isEqualTo(new JsonObject().put("id", "server-1").put("port", usersPort));
            assertThat(((Reply) all.resultAt(1)).object())
                .isEqualTo(new JsonObject().put("id", "server-2").put("port", productsPort));
            assertThat(users.upstreamId()).isEqualTo("server-1");
            assertThat(users.array().getJsonObject(0).getString("email")).isEqualTo("alice@example.com");
            assertThat(products.upstreamId()).isEqualTo("server-2");
            assertThat(products.array().getJsonObject(0).getString("name")).isEqualTo("Demo Widget");
            assertThat(productsOnUsers.status()).isEqualTo(404);
            ctx.completeNow();
          })));
    }));
  }

  @Test
  void failedStartReportsEveryErrorAndClosesTheOthers(Vertx vertx, VertxTestContext ctx) {
    List<InstanceSpec> specs = List.of(InstanceSpec.of("good", 0, USERS),
        InstanceSpec.of("bad-1", 0, "json-server/missing-1.json"),
        InstanceSpec.of("bad-2", 0, "json-server/missing-2.json"));
    DemoUpstream.startAll(vertx, specs).onComplete(ctx.failing(error -> ctx.verify(() -> {
      assertThat(error.getMessage())
          .contains("cannot read data file json-server/missing-1.json: no such file")
          .contains("cannot read data file json-server/missing-2.json");
      ctx.completeNow();
    })));
  }

  @Test
  void portInUseFailsTheStart(Vertx vertx, VertxTestContext ctx) throws IOException {
    // A plain socket, not a second instance: servers in one Vertx on the same port share it instead of failing.
    ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
    DemoUpstream.start(vertx, InstanceSpec.of("second", taken.getLocalPort(), USERS))
        .eventually(() -> vertx.executeBlocking(() -> {
          taken.close();
          return null;
        }))
        .onComplete(ctx.failing(error -> ctx.verify(() -> {
          assertThat(error.getMessage()).startsWith("cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": ");
          ctx.completeNow();
        })));
  }

  @Test
  void closeStopsListening(Vertx vertx, VertxTestContext ctx) {
    startUsers(vertx, "users-1")
        .compose(up -> up.close().map(up.port()))
        .compose(port -> get(port, "/health"))
        .onComplete(ctx.failing(error -> ctx.completeNow()));
  }
}
