// Prints a .properties file as java.util.Properties.load reads it, as one JSON object with sorted keys:
// the oracle test/properties-java.test.ts holds the TypeScript reader and writer against.
import java.io.FileInputStream;
import java.util.Properties;
import java.util.TreeMap;

public class ReadProperties {
  public static void main(String[] args) throws Exception {
    Properties p = new Properties();
    try (FileInputStream in = new FileInputStream(args[0])) { p.load(in); }
    StringBuilder out = new StringBuilder("{");
    for (var e : new TreeMap<Object, Object>(p).entrySet()) {
      if (out.length() > 1) out.append(',');
      out.append(quote((String) e.getKey())).append(':').append(quote((String) e.getValue()));
    }
    System.out.println(out.append('}'));
  }
  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20 || c > 0x7e) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
}
