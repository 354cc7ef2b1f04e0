package cloud.locci.proxy.examples;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import java.nio.file.Path;

/**
 * A started demo upstream instance.
 *
 * @param id       the id it reports (the given one, or {@code "server-<port>"})
 * @param port     the port it actually listens on (never 0)
 * @param dataFile the data file it serves
 * @param server   the listening Vert.x server
 */
public record RunningUpstream(String id, int port, String dataFile, HttpServer server) {

  /**
   * Stops listening and closes open connections.
   *
   * @return a future completed once the server is closed; it fails only if Vert.x cannot close the server
   */
  public Future<Void> close() {
    return server.close();
  }

  /**
   * The line the command line prints once the instance listens.
   *
   * @return e.g. {@code "server-1 listening on :3001 (db-lb.json)"}
   */
  public String listeningLine() {
    Path name = Path.of(dataFile).getFileName();
    return id + " listening on :" + port + " (" + (name == null ? dataFile : name) + ")";
  }
}
