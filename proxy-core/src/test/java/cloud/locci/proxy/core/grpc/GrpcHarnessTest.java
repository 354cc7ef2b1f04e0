package cloud.locci.proxy.core.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.locci.proxy.core.testing.GrpcTestClient;
import cloud.locci.proxy.core.testing.GrpcTestServer;
import cloud.locci.proxy.core.testing.GrpcTestService;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shared gRPC harness against itself, without the proxy: what the proxy tests compare with. */
class GrpcHarnessTest {

  private GrpcTestServer server;
  private GrpcTestClient client;

  @BeforeEach
  void start() {
    server = GrpcTestServer.start("s1");
    client = GrpcTestClient.plaintext(server.port());
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  @Test
  void everyKindOfCallWorksDirectly() {
    GrpcTestClient.Result unary = client.unary(GrpcTestService.UNARY, "hi");
    assertThat(unary.single()).isEqualTo("s1:hi");
    assertThat(unary.header("x-server-id")).isEqualTo("s1");

    assertThat(client.unary(GrpcTestService.SERVER_STREAM, "3").messages()).containsExactly("item-0", "item-1", "item-2");
    assertThat(client.call(GrpcTestService.CLIENT_STREAM, List.of("a", "b", "c"), null, Map.of()).single())
        .isEqualTo("a,b,c");

    GrpcTestClient.Call bidi = client.open(GrpcTestService.BIDI, null, Map.of());
    bidi.send("one");
    assertThat(bidi.next()).isEqualTo("echo:one");
    bidi.send("two");
    assertThat(bidi.next()).isEqualTo("echo:two");
    bidi.halfClose();
    assertThat(bidi.result().status().isOk()).isTrue();

    GrpcTestClient.Result failed = client.unary(GrpcTestService.FAIL, "5:no such thing");
    assertThat(failed.code()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(failed.description()).isEqualTo("no such thing");

    assertThat(client.call(GrpcTestService.METADATA, List.of("x-test"), null, Map.of("x-test", "v1")).single())
        .isEqualTo("v1");
    assertThat(client.call(GrpcTestService.METADATA, List.of("te"), null, Map.of()).single()).isEqualTo("-");
    assertThat(server.calls(GrpcTestService.UNARY)).isEqualTo(1);
    assertThat(server.connections()).isEqualTo(1);
  }

  @Test
  void aDeadlineEndsASlowCallAndTheServerSeesItCancelled() throws Exception {
    // Connected first: on a loaded machine a short deadline can pass while the channel connects.
    assertThat(client.unary(GrpcTestService.UNARY, "warm").status().isOk()).isTrue();
    GrpcTestClient.Result r = client.call(GrpcTestService.SLOW, List.of("20000"), Duration.ofSeconds(1), Map.of());
    assertThat(r.code()).as(r.toString()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(server.calls(GrpcTestService.SLOW)).as("the call reached the server").isEqualTo(1);
    assertThat(server.awaitCancelled(1, Duration.ofSeconds(10))).isTrue();
  }
}
