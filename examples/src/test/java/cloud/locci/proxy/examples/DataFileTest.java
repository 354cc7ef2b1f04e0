package cloud.locci.proxy.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@ExtendWith(VertxExtension.class)
class DataFileTest {

  @ParameterizedTest
  @CsvSource({
      "db-users.json, users, 5",
      "db-products.json, products, 5",
      "db-web.json, pages, 5",
      "db-lb.json, users, 3",
      "db-lb.json, products, 3"})
  void shippedDataFilesLoad(String file, String collection, int size) throws IOException {
    JsonDb db = JsonDb.parse(file, Buffer.buffer(Files.readAllBytes(Path.of("json-server", file))));

    assertThat(db.resource(collection)).get().isInstanceOfSatisfying(JsonArray.class,
        items -> assertThat(items).hasSize(size));
    assertThat(db.item(collection, "1")).isPresent();
  }

  @Test
  void idsMatchAsTextWhetherNumberOrString() {
    JsonDb db = JsonDb.parse("t.json", Buffer.buffer(
        "{\"a\": [{\"id\": 7, \"n\": 1}, {\"id\": \"x y\", \"n\": 2}, {\"id\": \"7\", \"n\": 3}]}"));

    assertThat(db.item("a", "7")).get().extracting(item -> item.getInteger("n")).isEqualTo(1);
    assertThat(db.item("a", "x y")).get().extracting(item -> item.getInteger("n")).isEqualTo(2);
    assertThat(db.item("a", "8")).isEmpty();
    assertThat(db.item("missing", "7")).isEmpty();
  }

  @Test
  void objectValuesAreSingleResources() {
    JsonDb db = JsonDb.parse("t.json", Buffer.buffer("{\"profile\": {\"name\": \"demo\"}, \"a\": []}"));

    assertThat(db.resource("profile")).contains(new JsonObject().put("name", "demo"));
    assertThat(db.item("profile", "name")).isEmpty();
  }

  @Test
  void rejectsInvalidJson() {
    assertThatThrownBy(() -> JsonDb.parse("bad.json", Buffer.buffer("{\"users\": [")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("bad.json is not valid JSON");
  }

  @Test
  void rejectsATopLevelThatIsNotAnObject() {
    assertThatThrownBy(() -> JsonDb.parse("bad.json", Buffer.buffer("[1, 2]")))
        .hasMessageStartingWith("bad.json: the top level must be an object");
  }

  @Test
  void rejectsScalarResources() {
    assertThatThrownBy(() -> JsonDb.parse("bad.json", Buffer.buffer("{\"count\": 3}")))
        .hasMessage("bad.json: \"count\" must be an array of objects or an object");
  }

  @Test
  void rejectsCollectionItemsWithoutId() {
    assertThatThrownBy(() -> JsonDb.parse("bad.json", Buffer.buffer("{\"users\": [{\"id\": 1}, {\"name\": \"x\"}]}")))
        .hasMessage("bad.json: \"users\" item 1 must be an object with an \"id\"");
    assertThatThrownBy(() -> JsonDb.parse("bad.json", Buffer.buffer("{\"users\": [1]}")))
        .hasMessage("bad.json: \"users\" item 0 must be an object with an \"id\"");
  }

  @Test
  void startFailsOnAnInvalidDataFile(Vertx vertx, VertxTestContext ctx, @TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("broken.json"), "{\"users\": 42}");

    DemoUpstream.start(vertx, InstanceSpec.of("x", 0, file.toString()))
        .onComplete(ctx.failing(error -> ctx.verify(() -> {
          assertThat(error).isInstanceOf(IllegalArgumentException.class)
              .hasMessage(file + ": \"users\" must be an array of objects or an object");
          ctx.completeNow();
        })));
  }

  @Test
  void servesAnIdWithEscapedCharacters(Vertx vertx, VertxTestContext ctx, @TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("db.json"), "{\"tags\": [{\"id\": \"a b+c\", \"n\": 1}]}");

    DemoUpstream.start(vertx, InstanceSpec.of("x", 0, file.toString()))
        .compose(up -> vertx.createHttpClient().request(HttpMethod.GET, up.port(), "127.0.0.1",
            "/tags/a%20b+c"))
        .compose(request -> request.send())
        .compose(response -> response.body().map(body -> response.statusCode() + " " + body))
        .onComplete(ctx.succeeding(result -> ctx.verify(() -> {
          assertThat(result).isEqualTo("200 {\"id\":\"a b+c\",\"n\":1}");
          ctx.completeNow();
        })));
  }
}
