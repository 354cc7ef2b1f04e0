package cloud.locci.proxy.core.bus;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes a message object by reference between verticles of one process. Safe only because every
 * payload type registered here is deeply immutable; {@link #encodeToWire} refuses, since nothing here is
 * ever sent to another node.
 */
public final class LocalCodec<T> implements MessageCodec<T, T> {

  private final String name;

  private LocalCodec(Class<T> type) {
    this.name = "locci-local-" + type.getName();
  }

  /** Registers the codec for {@code type} as its default; registering the same type twice is harmless. */
  public static <T> void register(Vertx vertx, Class<T> type) {
    try {
      vertx.eventBus().registerDefaultCodec(type, new LocalCodec<>(type));
    } catch (IllegalStateException alreadyRegistered) {
      // Another verticle of this process registered it first: same codec, nothing to do.
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, T t) {
    throw new IllegalStateException("local-only event-bus payload " + name + " cannot leave the process");
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    throw new IllegalStateException("local-only event-bus payload " + name + " cannot leave the process");
  }

  @Override
  public T transform(T t) {
    return t;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
