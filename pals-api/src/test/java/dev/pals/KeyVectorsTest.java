package dev.pals;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Named keys equal Python PALs' own keys, row by row of {@code pals-key-vectors.jsonl}. */
class KeyVectorsTest {

    @Test
    void everyPythonVectorHashesToTheSameKey() throws IOException {
        List<Map<String, Object>> rows = vectors();
        assertThat(rows).hasSizeGreaterThanOrEqualTo(14);
        for (Map<String, Object> row : rows) {
            String app = (String) row.get("app");
            String name = (String) row.get("name");
            long expected = (Long) row.get("key");
            LockKey key = LockKey.named(app, name);
            assertThat(key.value()).as("key of %s", row.get("fullName")).isEqualTo(expected);
            assertThat(key.name()).contains((String) row.get("fullName"));
            assertThat(key.isPair()).isFalse();
        }
    }

    @Test
    void vectorsCoverTheEdgeCasesTheyPromise() throws IOException {
        List<Map<String, Object>> rows = vectors();
        assertThat(rows).anySatisfy(row -> assertThat(row.get("app")).isNull());
        assertThat(rows).anySatisfy(row -> assertThat(row.get("app")).isEqualTo(""));
        assertThat(rows).anySatisfy(row -> assertThat(row.get("name")).isEqualTo(""));
        assertThat(rows).anySatisfy(row -> assertThat((String) row.get("name")).contains("🔒"));
    }

    static List<Map<String, Object>> vectors() throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (InputStream in = KeyVectorsTest.class.getResourceAsStream("/pals-key-vectors.jsonl");
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    rows.add(new FlatJson(line).object());
                }
            }
        }
        return rows;
    }

    /** Just enough JSON for one flat object per line: strings, integers and null. */
    private static final class FlatJson {
        private final String text;
        private int at;

        FlatJson(String text) {
            this.text = text;
        }

        Map<String, Object> object() {
            Map<String, Object> map = new LinkedHashMap<>();
            expect('{');
            while (peek() != '}') {
                String field = string();
                expect(':');
                map.put(field, value());
                if (peek() == ',') {
                    at++;
                }
            }
            return map;
        }

        private Object value() {
            char c = peek();
            if (c == '"') {
                return string();
            }
            if (text.startsWith("null", at)) {
                at += 4;
                return null;
            }
            int start = at;
            while (at < text.length() && (text.charAt(at) == '-' || Character.isDigit(text.charAt(at)))) {
                at++;
            }
            return Long.parseLong(text.substring(start, at));
        }

        private String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                char c = text.charAt(at++);
                if (c == '"') {
                    return out.toString();
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                char e = text.charAt(at++);
                switch (e) {
                    case 'n': out.append('\n'); break;
                    case 't': out.append('\t'); break;
                    case 'r': out.append('\r'); break;
                    case 'b': out.append('\b'); break;
                    case 'f': out.append('\f'); break;
                    case 'u':
                        out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                        at += 4;
                        break;
                    default: out.append(e);
                }
            }
        }

        private char peek() {
            while (Character.isWhitespace(text.charAt(at))) {
                at++;
            }
            return text.charAt(at);
        }

        private void expect(char c) {
            if (peek() != c) {
                throw new IllegalStateException("expected " + c + " at " + at + " in " + text);
            }
            at++;
        }
    }
}
