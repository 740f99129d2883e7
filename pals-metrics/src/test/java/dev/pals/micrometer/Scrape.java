package dev.pals.micrometer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/** One scrape of the Prometheus text format, parsed into series: a metric name, labels and a value. */
final class Scrape {
    /** One sample line. */
    record Series(String name, Map<String, String> labels, double value) {
        String label(String key) {
            return labels.get(key);
        }
    }

    private final Map<String, List<Series>> byName = new LinkedHashMap<>();

    private Scrape() {
    }

    static Scrape parse(String text) {
        Scrape scrape = new Scrape();
        for (String line : text.split("\n")) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Series series = parseLine(line);
            scrape.byName.computeIfAbsent(series.name(), n -> new ArrayList<>()).add(series);
        }
        return scrape;
    }

    private static Series parseLine(String line) {
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        Map<String, String> labels = new LinkedHashMap<>();
        String name;
        int rest;
        if (brace >= 0 && (space < 0 || brace < space)) {
            name = line.substring(0, brace);
            int i = brace + 1;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String key = line.substring(i, eq).strip();
                StringBuilder value = new StringBuilder();
                int j = eq + 2; // past ="
                while (line.charAt(j) != '"') {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char next = line.charAt(++j);
                        value.append(next == 'n' ? '\n' : next);
                    } else {
                        value.append(c);
                    }
                    j++;
                }
                labels.put(key, value.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            rest = i + 1;
        } else {
            name = line.substring(0, space);
            rest = space;
        }
        String[] fields = line.substring(rest).strip().split("\\s+");
        return new Series(name, Collections.unmodifiableMap(labels), Double.parseDouble(fields[0]));
    }

    Set<String> names() {
        return new TreeSet<>(byName.keySet());
    }

    List<Series> series(String name) {
        return byName.getOrDefault(name, List.of());
    }

    List<Series> series(String name, Predicate<Series> filter) {
        return series(name).stream().filter(filter).toList();
    }

    /** The sum of every series of {@code name} that passes {@code filter}. */
    double sum(String name, Predicate<Series> filter) {
        return series(name, filter).stream().mapToDouble(Series::value).sum();
    }

    /** The largest value of the series of {@code name} that pass {@code filter}, or 0. */
    double max(String name, Predicate<Series> filter) {
        return series(name, filter).stream().mapToDouble(Series::value).max().orElse(0);
    }
}
