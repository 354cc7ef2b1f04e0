package cloud.locci.proxy.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Optional;

/**
 * The content of a json-server style data file: a JSON object whose keys are resources. An array value is
 * a collection of objects that each have an {@code "id"}; an object value is a single resource, served
 * as is (json-server does the same, and data files written for it may hold one).
 */
final class JsonDb {

  private final JsonObject root;

  private JsonDb(JsonObject root) {
    this.root = root;
  }

  /**
   * Parses and checks a data file.
   *
   * @param source  the file name, used in error messages
   * @param content the file content
   * @return the database
   * @throws IllegalArgumentException naming the file and the offending key when the content is not JSON,
   *                                  not an object, has a value that is neither an array nor an object, or
   *                                  has a collection item that is not an object with an {@code "id"}
   */
  static JsonDb parse(String source, Buffer content) {
    Object parsed;
    try {
      parsed = Json.decodeValue(content);
    } catch (DecodeException e) {
      throw new IllegalArgumentException(source + " is not valid JSON: " + describe(e), e);
    }
    if (!(parsed instanceof JsonObject root)) {
      throw new IllegalArgumentException(
          source + ": the top level must be an object of collections, like {\"users\": [...]}");
    }
    for (String key : root.fieldNames()) {
      checkResource(source, key, root.getValue(key));
    }
    return new JsonDb(root);
  }

  // Jackson's own message spans lines and names a redacted source; one line with the position reads better.
  private static String describe(DecodeException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof JsonProcessingException jackson && jackson.getLocation() != null) {
        return jackson.getOriginalMessage() + " at line " + jackson.getLocation().getLineNr()
            + ", column " + jackson.getLocation().getColumnNr();
      }
    }
    return e.getMessage();
  }

  private static void checkResource(String source, String key, Object value) {
    if (value instanceof JsonObject) {
      return;
    }
    if (!(value instanceof JsonArray items)) {
      throw new IllegalArgumentException(
          source + ": \"" + key + "\" must be an array of objects or an object");
    }
    for (int i = 0; i < items.size(); i++) {
      if (!(items.getValue(i) instanceof JsonObject item) || item.getValue("id") == null) {
        throw new IllegalArgumentException(
            source + ": \"" + key + "\" item " + i + " must be an object with an \"id\"");
      }
    }
  }

  /**
   * Looks up a resource by name.
   *
   * @param name the top-level key
   * @return the collection ({@link JsonArray}) or single resource ({@link JsonObject}), empty when absent
   */
  Optional<Object> resource(String name) {
    return Optional.ofNullable(root.getValue(name));
  }

  /**
   * Looks up a collection item by id. Ids are compared as text, so {@code /users/1} finds
   * {@code "id": 1} as well as {@code "id": "1"}.
   *
   * @param collection the collection name
   * @param id         the id from the request path
   * @return the item, empty when the collection or the item does not exist
   */
  Optional<JsonObject> item(String collection, String id) {
    if (!(root.getValue(collection) instanceof JsonArray items)) {
      return Optional.empty();
    }
    for (int i = 0; i < items.size(); i++) {
      JsonObject item = items.getJsonObject(i);
      if (String.valueOf(item.getValue("id")).equals(id)) {
        return Optional.of(item);
      }
    }
    return Optional.empty();
  }
}
