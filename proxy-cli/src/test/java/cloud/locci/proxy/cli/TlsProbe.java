package cloud.locci.proxy.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A TLS client that sends a chosen SNI name, trusts any certificate (the tests check the certificate
 * themselves) and speaks HTTP/1.1 by hand, so one connection can outlive a certificate swap.
 */
final class TlsProbe implements AutoCloseable {

  private final SSLSocket socket;
  private final BufferedReader in;

  private TlsProbe(SSLSocket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
  }

  static TlsProbe connect(int port, String sni) throws Exception {
    return connect(port, sni, null);
  }

  /** The same, offering only {@code protocol} and {@code suites} (JSSE's defaults when null). */
  static TlsProbe connect(int port, String sni, String protocol, String... suites) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {new TrustAll()}, null);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
    s.setSoTimeout(10_000);
    SSLParameters p = s.getSSLParameters();
    p.setServerNames(List.of(new SNIHostName(sni)));
    if (protocol != null) {
      p.setProtocols(new String[] {protocol});
      p.setCipherSuites(suites);
    }
    s.setSSLParameters(p);
    s.startHandshake();
    return new TlsProbe(s);
  }

  /** The leaf certificate the server presented for {@code sni}. */
  static X509Certificate leaf(int port, String sni) throws Exception {
    try (TlsProbe p = connect(port, sni)) {
      return p.chain()[0];
    }
  }

  X509Certificate[] chain() throws Exception {
    return (X509Certificate[]) socket.getSession().getPeerCertificates();
  }

  /** Sends {@code GET path} on this connection (kept alive) and returns the status code; reads the body. */
  int get(String host, String path) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    String status = in.readLine();
    int length = 0;
    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    for (int i = 0; i < length; i++) {
      in.read();
    }
    return Integer.parseInt(status.split(" ")[1]);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
