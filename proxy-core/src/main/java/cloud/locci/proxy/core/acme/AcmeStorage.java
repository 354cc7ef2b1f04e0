package cloud.locci.proxy.core.acme;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code storage_path} on disk: {@code accounts/<CA host>.pem} (one account key per CA) and
 * {@code certs/<domain>/key.pem} + {@code chain.pem}. Directories are 0700 and files 0600 (on POSIX file
 * systems), written to a temporary file and moved into place so a crash never leaves half a key.
 * Blocking: called on the certificate store's worker thread only.
 */
final class AcmeStorage {

  private static final Logger log = LoggerFactory.getLogger(AcmeStorage.class);
  private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private final Vertx vertx;
  private final Path root;

  AcmeStorage(Vertx vertx, Path root) {
    this.vertx = vertx;
    this.root = root;
  }

  Path root() {
    return root;
  }

  /** The account key for the CA of {@code directoryUrl}, created (and saved) on first use. */
  KeyPair accountKey(String directoryUrl) throws IOException {
    String host = URI.create(directoryUrl).getHost().toLowerCase(Locale.ROOT);
    int port = URI.create(directoryUrl).getPort();
    Path file = root.resolve("accounts").resolve(safe(port < 0 ? host : host + "_" + port) + ".pem");
    if (Files.isRegularFile(file)) {
      try {
        return Pem.keyPair(Files.readString(file, StandardCharsets.US_ASCII));
      } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
        throw new IOException("ACME account key " + file + " cannot be read: " + e.getMessage(), e);
      }
    }
    KeyPair key = Keys.ec();
    write(file, Pem.privateKey(key.getPrivate()) + Pem.publicKey(key.getPublic()));
    log.info("created ACME account key {}", file);
    return key;
  }

  /** The stored certificate of {@code domain}; empty when there is none or it cannot be read. */
  Optional<TlsIdentity> load(String domain) {
    Path dir = domainDir(domain);
    Path key = dir.resolve("key.pem");
    Path chain = dir.resolve("chain.pem");
    if (!Files.isRegularFile(key) || !Files.isRegularFile(chain)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Pem.identity(vertx, Buffer.buffer(Files.readAllBytes(chain)), Buffer.buffer(Files.readAllBytes(key))));
    } catch (Exception e) {
      log.warn("ignoring the stored certificate of {} in {}: {}", domain, dir, e.getMessage());
      return Optional.empty();
    }
  }

  void save(String domain, TlsIdentity id) throws Exception {
    Path dir = domainDir(domain);
    // The key first: a chain without its key is ignored at load, a key without its chain too.
    write(dir.resolve("key.pem"), Pem.privateKey(id.key()));
    write(dir.resolve("chain.pem"), Pem.certificates(id.chain()));
  }

  Path domainDir(String domain) {
    return root.resolve("certs").resolve(safe(domain));
  }

  private void write(Path file, String text) throws IOException {
    directory(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    if (posix(file.getParent())) {
      FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(FILE);
      Files.createFile(tmp, mode);
    } else {
      Files.createFile(tmp);
    }
    Files.writeString(tmp, text, StandardCharsets.US_ASCII);
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Creates {@code dir} and its missing parents up to the root, each 0700; tightens the root if needed. */
  void directory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    Path parent = dir.getParent();
    if (parent != null && !dir.equals(root) && dir.startsWith(root)) {
      directory(parent);
    }
    try {
      if (posix(parent == null ? Path.of(".") : parent)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR));
        Files.setPosixFilePermissions(dir, DIR); // createDirectories' mode is masked by the umask
      } else {
        Files.createDirectories(dir);
      }
    } catch (FileAlreadyExistsException e) {
      throw new IOException(dir + " exists and is not a directory", e);
    }
  }

  private static boolean posix(Path existing) {
    Path p = existing.toAbsolutePath();
    while (p != null && !Files.exists(p)) {
      p = p.getParent();
    }
    return p != null && Files.getFileAttributeView(p, java.nio.file.attribute.PosixFileAttributeView.class) != null;
  }

  /** A domain or host as a file name: the validated names are already safe; this is belt and braces. */
  private static String safe(String name) {
    return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "_").replaceAll("^\\.+", "_");
  }
}
