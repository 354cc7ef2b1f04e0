package cloud.locci.proxy.cli;

import cloud.locci.proxy.core.config.ConfigSchema;
import cloud.locci.proxy.core.config.ConfigSchema.Key;
import java.util.ListResourceBundle;

/**
 * The help text of options that set a configuration key, written from {@link ConfigSchema}: an option
 * with {@code descriptionKey = "<schema path>"} in a command whose {@code resourceBundle} names this
 * class shows the key's meaning, allowed values and default, so its help cannot drift from the file's.
 * Loaded by picocli through {@link java.util.ResourceBundle#getBundle(String)}.
 */
public final class SchemaHelp extends ListResourceBundle {

  @Override
  protected Object[][] getContents() {
    return ConfigSchema.keys().stream()
        .map(k -> new Object[] {k.path(), text(k)})
        .toArray(Object[][]::new);
  }

  /** Meaning, allowed values and default as one line of plain text. */
  static String text(Key k) {
    StringBuilder s = new StringBuilder(plain(k.meaning()));
    if (k.type().contains("`") && !k.type().startsWith("list")) {
      s.append("; one of ").append(plain(k.type()).replace(" | ", ", "));
    } else if (k.integerRange().isPresent()) {
      long[] r = k.integerRange().get();
      s.append("; ").append(r[0]).append('-').append(r[1]);
    }
    String d = k.defaultValue();
    if (!d.startsWith("required") && !d.equals("-") && !d.equals("optional")) {
      s.append(" (default: ").append(plain(d.startsWith("none: ") ? d.substring("none: ".length()) : d)).append(')');
    }
    s.append('.');
    // picocli reads descriptions as format strings with ${...} variables.
    return s.toString().replace("%", "%%").replace("${", "$${");
  }

  private static String plain(String markdown) {
    return markdown.replace("`", "").replace("\\|", "|");
  }
}
