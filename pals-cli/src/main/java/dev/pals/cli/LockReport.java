package dev.pals.cli;

import dev.pals.LockKey;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.json.JSONWriter;

/**
 * The locks of one {@link LockQuery.Snapshot}, with what can be derived from it: names, who blocks whom,
 * and how long each lock has been held or awaited — as a table for people or JSON for scripts.
 *
 * <p>PostgreSQL records when a session <em>started waiting</em> for a lock ({@code pg_locks.waitstart},
 * PostgreSQL 14+), but not when a lock was <em>granted</em>. For a holder, what is certain is a bound:
 * if its session is idle (runs no statement), the lock was taken by an earlier statement, so it has been
 * held at least since the session's last state change ({@code pg_stat_activity.state_change}); a
 * {@code --watch} that saw the same hold earlier also bounds it. And a lock is never older than its
 * session ({@code backend_start}). For a session that is running a statement right now, only the latter
 * holds.
 */
final class LockReport {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
    private static final DateTimeFormatter DAY_TIME = DateTimeFormatter.ofPattern("MM-dd HH:mm");
    private static final int NAME_WIDTH = 48;

    /** One row with what was derived for it. */
    record Entry(LockQuery.Row row, String name, String palsApp, boolean pals, Instant heldSinceAtLatest,
            List<Integer> blocking) {
        boolean waiting() {
            return !row.granted();
        }
    }

    private final LockQuery.Snapshot snapshot;
    private final String server;
    private final boolean allDatabases;
    private final List<Entry> entries;

    private LockReport(LockQuery.Snapshot snapshot, String server, boolean allDatabases, List<Entry> entries) {
        this.snapshot = snapshot;
        this.server = server;
        this.allDatabases = allDatabases;
        this.entries = entries;
    }

    /**
     * @param firstSeen when each hold was first seen by an earlier snapshot of this run ({@code --watch});
     *     updated here
     */
    static LockReport of(LockQuery.Snapshot snapshot, String server, boolean allDatabases, Names names,
            Map<String, Instant> firstSeen) {
        Map<String, List<Integer>> blocking = new HashMap<>();
        for (LockQuery.Row row : snapshot.rows()) {
            for (Integer blocker : row.blockedBy()) {
                blocking.computeIfAbsent(lockOf(row) + "@" + blocker, k -> new ArrayList<>()).add(row.pid());
            }
        }
        Set<String> palsApps = new LinkedHashSet<>();
        for (LockQuery.Row row : snapshot.rows()) {
            if (palsApp(row.application()) != null) {
                palsApps.add(palsApp(row.application()));
            }
        }
        Set<String> seenNow = new HashSet<>();
        List<Entry> entries = new ArrayList<>();
        for (LockQuery.Row row : snapshot.rows()) {
            String application = row.application();
            boolean pals = application != null && (application.equals("pals") || application.startsWith("pals:"));
            String palsApp = palsApp(application);
            String name = names.resolve(row.key(), palsApps).orElse(null);
            Instant heldSince = null;
            if (row.granted()) {
                String id = holdId(row);
                seenNow.add(id);
                Instant first = firstSeen.putIfAbsent(id, snapshot.at());
                if (first != null && first.isBefore(snapshot.at())) {
                    heldSince = first;
                }
                String state = row.sessionState();
                if (state != null && state.startsWith("idle") && row.stateChange() != null
                        && (heldSince == null || row.stateChange().isBefore(heldSince))) {
                    heldSince = row.stateChange();
                }
            }
            List<Integer> blocks = blocking.getOrDefault(lockOf(row) + "@" + row.pid(), List.of());
            entries.add(new Entry(row, name, palsApp, pals, heldSince, List.copyOf(blocks)));
        }
        firstSeen.keySet().retainAll(seenNow);
        return new LockReport(snapshot, server, allDatabases, List.copyOf(entries));
    }

    /** The application a PALs Locker's session announces ({@code application_name} {@code pals:<app>}), or null. */
    static String palsApp(String applicationName) {
        return applicationName != null && applicationName.startsWith("pals:") ? applicationName.substring(5) : null;
    }

    private static String lockOf(LockQuery.Row row) {
        return row.database() + "/" + row.classid() + "/" + row.objid() + "/" + (row.key().isPair() ? 2 : 1);
    }

    private static String holdId(LockQuery.Row row) {
        return lockOf(row) + "/" + row.mode() + "/" + row.pid() + "/" + row.sessionStart();
    }

    List<Entry> entries() {
        return entries;
    }

    /** The report without the entries {@code keep} refuses. */
    LockReport filter(Predicate<Entry> keep) {
        return new LockReport(snapshot, server, allDatabases, entries.stream().filter(keep).toList());
    }

    LockQuery.Snapshot snapshot() {
        return snapshot;
    }

    // ---------------------------------------------------------------- table

    /** The one-line heading above the table. */
    String heading(ZoneId zone) {
        long held = entries.stream().filter(e -> !e.waiting()).count();
        long waiting = entries.size() - held;
        return "Advisory locks " + (allDatabases ? "in all databases" : "in database " + TextTable.printable(snapshot.database()))
                + " on " + server + " (PostgreSQL " + snapshot.serverVersion() + ") at "
                + TIME.format(snapshot.at().atZone(zone)) + ": " + held + " held, " + waiting + " waiting";
    }

    void printTable(PrintWriter out, ZoneId zone, boolean legend) {
        printTable(out, zone, legend, "");
    }

    void printTable(PrintWriter out, ZoneId zone, boolean legend, String indent) {
        out.println(indent + heading(zone));
        if (entries.isEmpty()) {
            out.println(indent + "  (none)");
            out.flush();
            return;
        }
        List<String> headers = new ArrayList<>(List.of("KEY", "INT PAIR", "NAME", "MODE", "STATE", "PID",
                "APPLICATION", "CLIENT", "SINCE", "FOR", "BLOCKED BY"));
        if (allDatabases) {
            headers.add(0, "DATABASE");
        }
        TextTable table = new TextTable(headers.toArray(String[]::new));
        for (Entry entry : entries) {
            LockQuery.Row row = entry.row();
            List<String> cells = new ArrayList<>();
            if (allDatabases) {
                cells.add(row.database());
            }
            cells.add(keyText(row.key()));
            cells.add(row.classid() + "," + row.objid());
            cells.add(TextTable.shorten(entry.name(), NAME_WIDTH));
            cells.add(row.mode().label());
            cells.add(entry.waiting() ? "waiting" : "held");
            cells.add(row.pid() == null ? null : row.pid().toString());
            cells.add(row.application() == null || row.application().isEmpty() ? null : row.application());
            cells.add(client(row));
            if (entry.waiting()) {
                cells.add(row.waitingSince() == null ? "?" : (row.waitingSinceExact() ? "" : "<=") + time(row.waitingSince(), zone));
                cells.add(row.waitingSince() == null ? "?" : (row.waitingSinceExact() ? "" : ">=")
                        + Durations.format(Duration.between(row.waitingSince(), snapshot.at())));
            } else {
                Instant since = entry.heldSinceAtLatest();
                cells.add(since == null ? "?" : "<=" + time(since, zone));
                cells.add(since == null ? "?" : ">=" + Durations.format(Duration.between(since, snapshot.at())));
            }
            cells.add(joined(row.blockedBy()));
            table.row(cells.toArray(String[]::new));
        }
        table.print(out, indent);
        if (legend) {
            out.println(indent + "INT PAIR: the key as pg_locks shows it (classid,objid). SINCE/FOR of a waiter: exact (pg_locks.waitstart).");
            out.println(indent + "Of a holder: PostgreSQL records no grant time; <=/>= bound it by the session's last statement"
                    + " (state_change) or an earlier --watch refresh; ? = its session is busy now.");
        }
        out.flush();
    }

    private static String keyText(LockKey key) {
        return key.isPair() ? "(" + key.key1() + "," + key.key2() + ")" : Long.toString(key.value());
    }

    private static String client(LockQuery.Row row) {
        if (row.pid() == null) {
            return null;
        }
        if (row.clientAddr() == null) {
            // no address: a Unix socket, or a session of another role this one may not see (state hidden too)
            return row.sessionState() == null ? "?" : "local";
        }
        String host = row.clientAddr().contains(":") ? "[" + row.clientAddr() + "]" : row.clientAddr();
        return row.clientPort() == null ? host : host + ":" + row.clientPort();
    }

    private static String time(Instant instant, ZoneId zone) {
        ZonedDateTime local = instant.atZone(zone);
        return local.toLocalDate().equals(LocalDate.now(zone)) ? TIME.format(local) : DAY_TIME.format(local);
    }

    private static String joined(List<Integer> pids) {
        if (pids.isEmpty()) {
            return "";
        }
        StringBuilder text = new StringBuilder();
        for (Integer pid : pids) {
            text.append(text.length() == 0 ? "" : ",").append(pid);
        }
        return text.toString();
    }

    // ---------------------------------------------------------------- JSON

    /** The whole report as one JSON object, on one line. */
    String json() {
        StringBuilder text = new StringBuilder();
        JSONWriter json = new JSONWriter(text);
        json.object()
                .key("server").value(server)
                .key("serverVersion").value(snapshot.serverVersion())
                .key("database").value(allDatabases ? null : snapshot.database())
                .key("at").value(snapshot.at().toString())
                .key("locks");
        writeEntries(json);
        json.endObject();
        return text.toString();
    }

    /** The entries as a JSON array. */
    void writeEntries(JSONWriter json) {
        json.array();
        for (Entry entry : entries) {
            writeEntry(json, entry);
        }
        json.endArray();
    }

    private void writeEntry(JSONWriter json, Entry entry) {
        LockQuery.Row row = entry.row();
        json.object()
                .key("database").value(row.database());
        writeKey(json, row.key());
        json.key("classid").value(row.classid())
                .key("objid").value(row.objid())
                .key("name").value(entry.name())
                .key("mode").value(row.mode().label())
                .key("granted").value(row.granted())
                .key("state").value(entry.waiting() ? "waiting" : "held")
                .key("pid").value(row.pid())
                .key("application").value(row.application())
                .key("pals").value(entry.pals())
                .key("palsApp").value(entry.palsApp())
                .key("user").value(row.user())
                .key("clientAddr").value(row.clientAddr())
                .key("clientPort").value(row.clientPort())
                .key("sessionState").value(row.sessionState())
                .key("sessionStart").value(text(row.sessionStart()));
        Instant waiting = row.waitingSince();
        Instant held = entry.heldSinceAtLatest();
        json.key("waitingSince").value(text(waiting))
                .key("waitingSinceExact").value(entry.waiting() ? row.waitingSinceExact() : null)
                .key("waitingSeconds").value(waiting == null ? null : Durations.seconds(Duration.between(waiting, snapshot.at())))
                .key("heldSinceAtLatest").value(text(held))
                .key("heldForAtLeastSeconds").value(held == null ? null : Durations.seconds(Duration.between(held, snapshot.at())))
                .key("blockedBy").value(row.blockedBy())
                .key("blocking").value(entry.blocking())
                .endObject();
    }

    /** {@code keySpace}, {@code key} (bigint, or null for a pair), {@code key1}, {@code key2}. */
    static void writeKey(JSONWriter json, LockKey key) {
        json.key("keySpace").value(key.isPair() ? "int pair" : "bigint")
                .key("key").value(key.isPair() ? null : key.value())
                .key("key1").value(key.key1())
                .key("key2").value(key.key2());
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
