package cloud.locci.proxy.core.acme;

import cloud.locci.proxy.core.bus.Addresses;
import cloud.locci.proxy.core.bus.LocalCodec;
import cloud.locci.proxy.core.bus.VersionedConfig;
import cloud.locci.proxy.core.config.AcmeConfig;
import cloud.locci.proxy.core.config.ProxyConfig;
import cloud.locci.proxy.core.config.ServerConfig.ListenerTls;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate store: owns {@code server.tls.acme}'s certificates, loads them from
 * {@code storage_path} at start, orders the missing ones, renews each {@code renew_before_days} before
 * it expires, and publishes every change as a {@link CertificateSet} on
 * {@link Addresses#CERTIFICATES_CHANGED}
 * (the proxy instances swap it into their TLS listener). Without ACME in the config it does nothing.
 *
 * <p>Its state lives on its event loop; key generation, file I/O and acme4j's HTTP calls block, so they
 * run as ordered {@code executeBlocking} tasks on the worker pool, one at a time (one domain at a time),
 * never on an event loop. Not a worker verticle: its stop must not wait behind a call to a CA that does
 * not answer (closing Vert.x interrupts the worker pool instead). Status and the current set are also
 * kept in {@link CurrentCertificates}, so readers never wait for a store busy with a CA.
 *
 * <p>Reload-safe: a new config version only adds and removes domains and reschedules renewals; a domain
 * it already has a certificate for is never ordered again before that certificate is due.
 */
public final class AcmeVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(AcmeVerticle.class);
  private static final Duration FIRST_RETRY = Duration.ofSeconds(10);
  private static final Duration MAX_RETRY = Duration.ofHours(1);
  /** Timers never wait longer than this; the due time is recomputed on waking (clock changes, suspend). */
  private static final Duration MAX_SLEEP = Duration.ofHours(12);
  /** Orders wait for {@link Addresses#PROXY_LISTENING} (the CA connects to our listeners), at most this long. */
  private static final Duration LISTEN_WAIT = Duration.ofSeconds(10);


  private final Clock clock;
  private final Map<String, Domain> domains = new LinkedHashMap<>();
  private CurrentCertificates current;
  private AcmeChallenges challenges;
  private AcmeConfig acme;
  private AcmeStorage storage;
  private AcmeClient client;
  private TlsIdentity files;
  private TlsIdentity temporary;
  private long configVersion;
  private Future<Void> applying = Future.succeededFuture();
  private long setVersion;
  private boolean listening;
  private long listenWait = -1;

  public AcmeVerticle() {
    this(Clock.systemUTC());
  }

  AcmeVerticle(Clock clock) {
    this.clock = clock;
  }

  /** How this verticle is deployed: one instance, on an event loop (its blocking work goes to workers). */
  public static DeploymentOptions deploymentOptions() {
    return new DeploymentOptions().setInstances(1);
  }

  @Override
  public Future<?> start() {
    LocalCodec.register(vertx, CertificateSet.class);
    current = CurrentCertificates.of(vertx);
    challenges = AcmeChallenges.of(vertx);
    return vertx.eventBus().<VersionedConfig>consumer(Addresses.CONFIG_CHANGED, m -> enqueue(m.body())
            .onFailure(err -> log.error("ACME part of config version {} not applied: {}", m.body().version(),
                err.getMessage())))
        .completion()
        .compose(v -> vertx.eventBus().consumer(Addresses.PROXY_LISTENING, m -> listening()).completion())
        .compose(v -> vertx.eventBus().<VersionedConfig>request(Addresses.CONFIG_GET, null))
        .compose(reply -> enqueue(reply.body()));
  }

  @Override
  public Future<?> stop() {
    domains.values().forEach(d -> vertx.cancelTimer(d.timer));
    return Future.succeededFuture();
  }

  /** Applies config versions one after the other (each may wait for blocking work). */
  private Future<Void> enqueue(VersionedConfig next) {
    applying = applying.transform(x -> apply(next));
    return applying;
  }

  /** Takes a config version: starts, changes or stops the certificates it asks for. */
  private Future<Void> apply(VersionedConfig next) {
    if (next.version() <= configVersion) {
      return Future.succeededFuture();
    }
    configVersion = next.version();
    ProxyConfig c = next.config();
    Optional<ListenerTls> tls = c.server().tls();
    Optional<AcmeConfig> wanted = tls.flatMap(ListenerTls::acme);
    if (wanted.isEmpty()) {
      if (acme != null) {
        log.info("server.tls.acme removed: no more certificate orders or renewals");
        domains.values().forEach(d -> vertx.cancelTimer(d.timer));
        domains.clear();
        acme = null;
        current.status(List.of());
      }
      return Future.succeededFuture();
    }
    AcmeConfig a = wanted.get();
    Optional<ListenerTls> filesToRead = files == null && tls.get().certPath().isPresent() ? tls : Optional.empty();
    if (storage == null || !storage.root().equals(Path.of(a.storagePath()))) {
      storage = new AcmeStorage(vertx, Path.of(a.storagePath()));
    }
    if (client == null || !client.sameAccount(a)) {
      client = new AcmeClient(a, storage, challenges);
    }
    AcmeStorage store = storage;
    List<String> fresh = a.domains().stream().filter(name -> !domains.containsKey(name)).toList();
    boolean held = files != null || temporary != null
        || domains.values().stream().anyMatch(d -> d.cert != null && a.domains().contains(d.name));
    return blocking(() -> {
      // Only now, and on a worker: BouncyCastle's provider is 660 classes (11% of all the proxy loads,
      // ~3 MB of metaspace) that a proxy without ACME never needs, and loading them took over 10 s of an
      // event loop on a busy machine (the proxy instance of that loop could not start meanwhile). Every
      // later use of "BC" (orders, challenge certificates) runs on this same ordered worker queue.
      Keys.installProvider();
      try {
        store.directory(store.root());
      } catch (Exception e) {
        log.error("ACME storage {} cannot be created: {}", store.root(), e.getMessage());
      }
      Map<String, TlsIdentity> loaded = new LinkedHashMap<>();
      for (String name : fresh) {
        store.load(name).filter(id -> usable(name, id)).ifPresent(id -> {
          loaded.put(name, id);
          log.info("ACME certificate of {} loaded from {}, valid until {}", name, store.domainDir(name), id.notAfter());
        });
      }
      TlsIdentity pair = filesToRead.map(this::readFiles).orElse(null);
      TlsIdentity temp = !held && pair == null && loaded.isEmpty() ? TemporaryCertificate.create(a.domains()) : null;
      return new Loaded(loaded, pair, temp);
    }).map(loaded -> {
      acme = a;
      if (loaded.files() != null) {
        files = loaded.files();
      }
      if (loaded.temporary() != null) {
        temporary = loaded.temporary();
        log.warn("no certificate yet for {}: serving a temporary self-signed certificate until the CA's arrive",
            String.join(", ", a.domains()));
      }
      domains.keySet().removeIf(name -> {
        if (a.domains().contains(name)) {
          return false;
        }
        vertx.cancelTimer(domains.get(name).timer);
        log.info("ACME domain {} removed from the config: its certificate is no longer served", name);
        return true;
      });
      Map<String, Domain> ordered = new LinkedHashMap<>();
      for (String name : a.domains()) {
        Domain d = domains.get(name);
        if (d == null) {
          d = new Domain(name);
          d.cert = loaded.certificates().get(name);
        }
        ordered.put(name, d);
      }
      domains.clear();
      domains.putAll(ordered);
      publish();
      if (listening) {
        domains.values().forEach(this::plan);
      } else if (listenWait < 0) {
        listenWait = vertx.setTimer(LISTEN_WAIT.toMillis(), id -> listening());
      }
      return null;
    });
  }

  /** What {@link #apply} read or made on a worker. */
  private record Loaded(Map<String, TlsIdentity> certificates, TlsIdentity files, TlsIdentity temporary) {}

  /** Runs {@code work} on the worker pool, after the blocking work this verticle queued before it. */
  private <T> Future<T> blocking(java.util.concurrent.Callable<T> work) {
    return vertx.executeBlocking(work, true);
  }

  private void listening() {
    vertx.cancelTimer(listenWait);
    if (!listening) {
      listening = true;
      domains.values().forEach(this::plan);
    }
  }

  /** Whether a stored certificate can be served for {@code name}: not expired and naming it. */
  private boolean usable(String name, TlsIdentity id) {
    if (!id.notAfter().isAfter(clock.instant())) {
      log.info("stored ACME certificate of {} expired on {}; ordering a new one", name, id.notAfter());
      return false;
    }
    try {
      var names = id.leaf().getSubjectAlternativeNames();
      boolean named = names != null && names.stream().anyMatch(n -> n.size() == 2 && name.equalsIgnoreCase(String.valueOf(n.get(1))));
      if (!named) {
        log.warn("stored ACME certificate of {} does not name it; ordering a new one", name);
      }
      return named;
    } catch (Exception e) {
      return false;
    }
  }

  private TlsIdentity readFiles(ListenerTls tls) {
    try {
      return Pem.identity(vertx, Buffer.buffer(Files.readAllBytes(Path.of(tls.certPath().get()))),
          Buffer.buffer(Files.readAllBytes(Path.of(tls.keyPath().get()))));
    } catch (Exception e) {
      // Validation checked the files exist; a broken pair fails the start here, with the reason.
      throw new IllegalStateException("server.tls.cert_path/key_path cannot be used: " + e.getMessage(), e);
    }
  }

  /** Schedules the next look at {@code d}: now when it has no certificate, else when renewal is due. */
  private void plan(Domain d) {
    vertx.cancelTimer(d.timer);
    long wait = d.cert == null ? 0 : Duration.between(clock.instant(), renewAt(d.cert)).toMillis();
    if (d.failures > 0) {
      wait = Math.max(wait, backoff(d.failures).toMillis());
    }
    d.timer = vertx.setTimer(Math.max(1, Math.min(wait, MAX_SLEEP.toMillis())), id -> tick(d));
  }

  private void tick(Domain d) {
    if (domains.get(d.name) != d || d.busy) {
      return; // removed by a reload meanwhile, or its attempt is still running
    }
    if (d.cert != null && clock.instant().isBefore(renewAt(d.cert))) {
      plan(d);
      return;
    }
    attempt(d);
  }

  private void attempt(Domain d) {
    AcmeConfig a = acme;
    AcmeClient c = client;
    AcmeStorage store = storage;
    d.busy = true;
    publishStatus();
    log.info("{} the ACME certificate of {} from {}", d.cert == null ? "obtaining" : "renewing", d.name, a.directoryUrl());
    blocking(() -> {
      TlsIdentity id = c.obtain(d.name, a.challenge());
      store.save(d.name, id);
      return id;
    }).onComplete(ar -> {
      d.busy = false;
      if (ar.succeeded()) {
        TlsIdentity id = ar.result();
        d.cert = id;
        d.failures = 0;
        d.lastError = null;
        log.info("ACME certificate of {} obtained, valid until {}; renewal from {}", d.name, id.notAfter(),
            renewAt(id));
        publish();
      } else {
        d.failures++;
        d.lastError = message(ar.cause());
        log.warn("ACME certificate of {} not obtained (attempt {}): {}; retrying in {}s{}", d.name, d.failures,
            d.lastError, backoff(d.failures).toSeconds(),
            d.cert == null ? "" : ", the current certificate stays until then");
        publishStatus();
      }
      if (domains.get(d.name) == d && acme != null) {
        plan(d);
      }
    });
  }

  /**
   * When {@code id} is due: {@code renew_before_days} before it expires, or at two thirds of its lifetime
   * when it lives shorter than that (short-lived certificates would otherwise be renewed at once, forever).
   */
  Instant renewAt(TlsIdentity id) {
    Duration lifetime = Duration.between(id.notBefore(), id.notAfter());
    Duration before = Duration.ofDays(acme.renewBeforeDays());
    if (before.compareTo(lifetime) >= 0) {
      return id.notBefore().plus(lifetime.multipliedBy(2).dividedBy(3));
    }
    return id.notAfter().minus(before);
  }

  static Duration backoff(int failures) {
    Duration d = FIRST_RETRY.multipliedBy(1L << Math.min(failures - 1, 20));
    return d.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : d;
  }

  /** The failure and its causes in one line ("Network error: ConnectException: Connection refused"). */
  static String message(Throwable e) {
    StringBuilder out = new StringBuilder();
    for (Throwable t = e; t != null && out.length() < 500; t = t.getCause() == t ? null : t.getCause()) {
      String m = t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getSimpleName() : t.getMessage();
      if (out.indexOf(m) < 0) {
        out.append(out.length() == 0 ? "" : ": ").append(m);
      }
    }
    return out.length() > 500 ? out.substring(0, 500) + "..." : out.toString();
  }

  /** Publishes the certificates held now, and the status. */
  private void publish() {
    Map<String, TlsIdentity> byDomain = new LinkedHashMap<>();
    domains.values().stream().filter(d -> d.cert != null).forEach(d -> byDomain.put(d.name, d.cert));
    TlsIdentity fallback = files;
    if (fallback == null && !byDomain.isEmpty()) {
      fallback = byDomain.values().iterator().next(); // like nginx's default server: the first name
    }
    if (fallback == null) {
      // Made in apply when no certificate was held; a domain that lost its own keeps the last set's.
      CertificateSet last = current.get();
      fallback = temporary != null ? temporary : last == null ? null : last.fallback();
    }
    if (fallback == null) {
      throw new IllegalStateException("no certificate to serve for " + acme.domains());
    }
    CertificateSet set = new CertificateSet(++setVersion, byDomain, fallback);
    current.set(set);
    publishStatus();
    vertx.eventBus().publish(Addresses.CERTIFICATES_CHANGED, set);
  }

  private void publishStatus() {
    Instant now = clock.instant();
    List<DomainStatus> out = new ArrayList<>();
    for (Domain d : domains.values()) {
      String state;
      if (d.cert == null) {
        state = d.lastError == null || d.busy ? DomainStatus.OBTAINING : DomainStatus.FAILED;
      } else {
        state = d.busy || !now.isBefore(renewAt(d.cert)) ? DomainStatus.RENEWING : DomainStatus.VALID;
      }
      out.add(new DomainStatus(d.name, Optional.ofNullable(d.cert).map(TlsIdentity::notAfter), state,
          Optional.ofNullable(d.lastError)));
    }
    current.status(out);
  }

  /** One domain's mutable state; touched on this verticle's event loop only. */
  private static final class Domain {
    final String name;
    TlsIdentity cert;
    String lastError;
    int failures;
    boolean busy;
    long timer = -1;

    Domain(String name) {
      this.name = name;
    }
  }
}
