package cloud.locci.proxy.examples;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * A json-server style demo upstream for trying the proxy: serves the collections of a JSON data file,
 * plus {@code /instance} and {@code /health}, from one or more instances in one process. Run it with
 * {@code java -jar examples/target/demo-upstream.jar --help}; tests use {@link #start(Vertx, InstanceSpec)}.
 */
public final class DemoUpstream {

  private static final int EXIT_RUNTIME_FAILURE = 1;
  private static final int EXIT_USAGE = 2;
  private static final long CLOSE_TIMEOUT_SECONDS = 5;

  private DemoUpstream() {
  }

  /**
   * Starts the instances the arguments describe and prints one "listening" line per instance; they run
   * until the JVM stops (Ctrl-C or SIGTERM close them). Prints the error and the usage and exits with 2 on
   * bad arguments; prints every start-up error and exits with 1 when an instance cannot start (data file
   * missing or invalid, port in use), after closing the ones that did start.
   *
   * @param args see {@link DemoArgs#usage()}
   */
  public static void main(String[] args) {
    DemoArgs parsed;
    try {
      parsed = DemoArgs.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println(DemoArgs.usage());
      System.exit(EXIT_USAGE);
      return;
    }
    if (parsed.helpRequested()) {
      System.out.println(DemoArgs.usage());
      return;
    }
    Vertx vertx = Vertx.vertx();
    try {
      startAll(vertx, parsed.instances()).await().forEach(running -> System.out.println(running.listeningLine()));
    } catch (RuntimeException e) {
      String.valueOf(e.getMessage()).lines().forEach(line -> System.err.println("error: " + line));
      closeQuietly(vertx);
      System.exit(EXIT_RUNTIME_FAILURE);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(vertx), "demo-upstream-shutdown"));
  }

  /**
   * Starts one instance: reads its data file (without blocking the event loop), then listens.
   *
   * @param vertx the Vert.x instance to run on
   * @param spec  what to start; port 0 picks a free port, see {@link RunningUpstream#port()}
   * @return a future of the running instance; it fails with a message naming the file or address when the
   *         data file cannot be read or is not a valid data file, or the port cannot be bound. Two instances
   *         on the same non-zero port of one Vert.x do not fail: Vert.x shares the port and alternates
   *         connections between them, so give each instance its own port
   */
  public static Future<RunningUpstream> start(Vertx vertx, InstanceSpec spec) {
    return vertx.fileSystem().readFile(spec.dataFile())
        .recover(e -> Future.failedFuture(
            new IllegalStateException("cannot read data file " + spec.dataFile() + ": " + readError(e), e)))
        .map(content -> JsonDb.parse(spec.dataFile(), content))
        .compose(db -> listen(vertx, spec, db));
  }

  /**
   * Starts several instances. If any fails, the others are closed again.
   *
   * @param vertx the Vert.x instance to run on
   * @param specs what to start
   * @return a future of the running instances in the order of {@code specs}; it fails with every start-up
   *         error, one per line, when any instance cannot start
   */
  public static Future<List<RunningUpstream>> startAll(Vertx vertx, List<InstanceSpec> specs) {
    List<Future<RunningUpstream>> started = new ArrayList<>();
    for (InstanceSpec spec : specs) {
      started.add(start(vertx, spec));
    }
    // join, not all: wait for every attempt so that each error is reported and each success can be closed.
    return Future.join(started).transform(done -> done.succeeded()
        ? Future.succeededFuture(started.stream().map(Future::result).toList())
        : closeStarted(started));
  }

  // Vert.x's message repeats the path; the cause says what actually went wrong.
  private static String readError(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof NoSuchFileException) {
        return "no such file (relative paths start at " + Path.of("").toAbsolutePath() + ")";
      }
      if (cause instanceof AccessDeniedException) {
        return "permission denied";
      }
    }
    return error.getMessage();
  }

  private static Future<RunningUpstream> listen(Vertx vertx, InstanceSpec spec, JsonDb db) {
    HttpServer server = vertx.createHttpServer();
    DemoRequestHandler handler = new DemoRequestHandler(db, spec.id(), server::actualPort);
    return server.requestHandler(handler)
        .listen(spec.port(), spec.host())
        .recover(e -> Future.failedFuture(new IllegalStateException(
            "cannot listen on " + spec.host() + ":" + spec.port() + ": " + e.getMessage(), e)))
        .map(listening -> new RunningUpstream(handler.id(), listening.actualPort(), spec.dataFile(), listening));
  }

  private static Future<List<RunningUpstream>> closeStarted(List<Future<RunningUpstream>> started) {
    String errors = started.stream()
        .filter(Future::failed)
        .map(f -> f.cause().getMessage())
        .collect(Collectors.joining(System.lineSeparator()));
    List<Future<Void>> closing = started.stream()
        .filter(Future::succeeded)
        .map(f -> f.result().close())
        .toList();
    return Future.join(closing).transform(ignored -> Future.failedFuture(new IllegalStateException(errors)));
  }

  private static void closeQuietly(Vertx vertx) {
    try {
      vertx.close().await(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException | RuntimeException e) {
      // The process is exiting either way; a slow or failed close must not keep it alive.
    }
  }
}
