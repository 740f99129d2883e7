package dev.pals.micrometer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.json.JSONArray;
import org.json.JSONObject;

/**
 * Checks that every series a Grafana dashboard's queries use exists in a Prometheus scrape: each metric
 * name; each label a query filters on, with a series that matches all of a selector's matchers at
 * once; each label it groups by; and, behind each {@code histogram_quantile}, a {@code _bucket} series
 * with {@code le}. A dashboard that would silently show "no data" fails here.
 *
 * <p>It reads the PromQL the dashboard uses, not all of PromQL: selectors with matchers, range
 * selectors, {@code by (...)} / {@code without (...)}, functions and {@code label_values(metric, label)}.
 * Template variables match anything ({@code $application} is "All").
 */
final class DashboardCheck {
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset");
    private static final Pattern TOKEN = Pattern.compile(
            "\\s*(?:(\\[[^\\]]*\\])|(\\{[^}]*\\})|([a-zA-Z_:][a-zA-Z0-9_:]*)|(\"(?:[^\"\\\\]|\\\\.)*\")|([0-9.]+)|(.))");
    private static final Pattern MATCHER = Pattern.compile(
            "\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*,?");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)");

    /** A query of the dashboard: where it is, and its text. */
    record Query(String where, String expr) {
    }

    private record Selector(String metric, Map<String, String[]> matchers) {
    }

    private DashboardCheck() {
    }

    /** Every query of the dashboard: panel targets (rows included) and query variables. */
    static List<Query> queries(JSONObject dashboard) {
        List<Query> queries = new ArrayList<>();
        collect(dashboard.optJSONArray("panels"), queries);
        JSONObject templating = dashboard.optJSONObject("templating");
        JSONArray variables = templating == null ? new JSONArray() : templating.optJSONArray("list");
        for (int i = 0; variables != null && i < variables.length(); i++) {
            JSONObject variable = variables.getJSONObject(i);
            if ("query".equals(variable.optString("type"))) {
                Object query = variable.opt("query");
                String text = query instanceof JSONObject ? ((JSONObject) query).optString("query") : String.valueOf(query);
                queries.add(new Query("variable $" + variable.getString("name"), text));
            }
        }
        return queries;
    }

    private static void collect(JSONArray panels, List<Query> queries) {
        for (int i = 0; panels != null && i < panels.length(); i++) {
            JSONObject panel = panels.getJSONObject(i);
            collect(panel.optJSONArray("panels"), queries);
            JSONArray targets = panel.optJSONArray("targets");
            for (int j = 0; targets != null && j < targets.length(); j++) {
                String expr = targets.getJSONObject(j).optString("expr", null);
                if (expr != null) {
                    queries.add(new Query("panel \"" + panel.optString("title") + "\" " + targets.getJSONObject(j)
                            .optString("refId"), expr));
                }
            }
        }
    }

    /** What is missing in {@code scrape} for the queries of {@code dashboard}: empty when nothing is. */
    static List<String> problems(JSONObject dashboard, Scrape scrape) {
        List<String> problems = new ArrayList<>();
        List<Query> queries = queries(dashboard);
        if (queries.isEmpty()) {
            problems.add("the dashboard has no queries");
        }
        for (Query query : queries) {
            for (String problem : problems(query.expr(), scrape)) {
                problems.add(query.where() + ": " + problem + "   in  " + query.expr());
            }
        }
        return problems;
    }

    /** What is missing in {@code scrape} for one PromQL expression (or {@code label_values} query). */
    static List<String> problems(String expr, Scrape scrape) {
        List<String> problems = new ArrayList<>();
        Matcher labelValues = LABEL_VALUES.matcher(expr);
        if (labelValues.matches()) {
            String metric = labelValues.group(1);
            String label = labelValues.group(2);
            if (scrape.series(metric).isEmpty()) {
                problems.add("no series " + metric);
            } else if (scrape.series(metric, s -> s.label(label) != null).isEmpty()) {
                problems.add("no series " + metric + " has label " + label);
            }
            return problems;
        }
        List<Selector> selectors = new ArrayList<>();
        Set<String> grouping = new LinkedHashSet<>();
        boolean quantile = false;
        Matcher m = TOKEN.matcher(expr);
        List<String[]> tokens = new ArrayList<>(); // {kind, text}
        while (m.find() && m.end() > m.start()) {
            if (m.group(1) != null) {
                tokens.add(new String[] {"range", m.group(1)});
            } else if (m.group(2) != null) {
                tokens.add(new String[] {"braces", m.group(2)});
            } else if (m.group(3) != null) {
                tokens.add(new String[] {"ident", m.group(3)});
            } else if (m.group(4) != null) {
                tokens.add(new String[] {"string", m.group(4)});
            } else if (m.group(5) != null) {
                tokens.add(new String[] {"number", m.group(5)});
            } else if (!m.group(6).isBlank()) {
                tokens.add(new String[] {"punct", m.group(6)});
            }
        }
        for (int i = 0; i < tokens.size(); i++) {
            String kind = tokens.get(i)[0];
            String text = tokens.get(i)[1];
            if (!kind.equals("ident")) {
                continue;
            }
            String next = i + 1 < tokens.size() ? tokens.get(i + 1)[1] : "";
            // A function call, or an aggregation with its grouping first: "sum by (le) (...)".
            boolean call = next.equals("(") || next.equals("by") || next.equals("without");
            if (text.equals("by") || text.equals("without")) {
                int j = i + 2;
                for (; j < tokens.size() && !tokens.get(j)[1].equals(")"); j++) {
                    if (tokens.get(j)[0].equals("ident")) {
                        grouping.add(tokens.get(j)[1]);
                    }
                }
                i = j;
            } else if (call) {
                quantile |= text.equals("histogram_quantile");
            } else if (!KEYWORDS.contains(text)) {
                Map<String, String[]> matchers = new LinkedHashMap<>();
                if (i + 1 < tokens.size() && tokens.get(i + 1)[0].equals("braces")) {
                    String body = tokens.get(i + 1)[1];
                    Matcher mm = MATCHER.matcher(body.substring(1, body.length() - 1));
                    while (mm.find()) {
                        matchers.put(mm.group(1), new String[] {mm.group(2), mm.group(3).replace("\\\"", "\"")});
                    }
                    i++;
                }
                selectors.add(new Selector(text, matchers));
            }
        }
        if (selectors.isEmpty()) {
            problems.add("no metric in the query");
        }
        for (Selector selector : selectors) {
            List<Scrape.Series> series = scrape.series(selector.metric());
            if (series.isEmpty()) {
                problems.add("no series " + selector.metric());
                continue;
            }
            for (Map.Entry<String, String[]> matcher : selector.matchers().entrySet()) {
                String label = matcher.getKey();
                if (scrape.series(selector.metric(), s -> s.label(label) != null).isEmpty()) {
                    problems.add("no series " + selector.metric() + " has label " + label);
                }
            }
            if (scrape.series(selector.metric(), s -> matchesAll(s, selector.matchers())).isEmpty()) {
                problems.add("no series " + selector.metric() + " matches " + describe(selector.matchers()));
            }
            for (String label : grouping) {
                if (scrape.series(selector.metric(), s -> s.label(label) != null).isEmpty()) {
                    problems.add("no series " + selector.metric() + " has label " + label + " (grouped by)");
                }
            }
            if (quantile && !selector.metric().endsWith("_bucket")) {
                problems.add("histogram_quantile over " + selector.metric() + ", not a _bucket series");
            }
            if (quantile && !grouping.contains("le")) {
                problems.add("histogram_quantile without le in its grouping");
            }
        }
        return problems;
    }

    private static boolean matchesAll(Scrape.Series series, Map<String, String[]> matchers) {
        for (Map.Entry<String, String[]> matcher : matchers.entrySet()) {
            String op = matcher.getValue()[0];
            String wanted = matcher.getValue()[1];
            String actual = series.labels().getOrDefault(matcher.getKey(), "");
            if (wanted.contains("$")) {
                continue; // a template variable: "All" matches anything
            }
            boolean ok = switch (op) {
                case "=" -> actual.equals(wanted);
                case "!=" -> !actual.equals(wanted);
                case "=~" -> actual.matches(wanted);
                case "!~" -> !actual.matches(wanted);
                default -> throw new IllegalArgumentException(op);
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static String describe(Map<String, String[]> matchers) {
        StringBuilder out = new StringBuilder("{");
        matchers.forEach((label, m) -> out.append(out.length() > 1 ? ", " : "").append(label).append(m[0]).append('"')
                .append(m[1]).append('"'));
        return out.append('}').toString();
    }
}
