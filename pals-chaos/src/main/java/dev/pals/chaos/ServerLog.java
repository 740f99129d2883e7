package dev.pals.chaos;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.json.JSONObject;

/**
 * When each PALs session ended, as the server itself logged it: the harness's server writes
 * {@code jsonlog} with {@code log_disconnections=on}, so every client backend leaves a line when it ends
 * (and a {@code FATAL} line first when it was terminated: by an administrator or a shutdown, 57P01; by
 * {@code idle_session_timeout}, 57P05). A session's end is its earliest such line: before its locks are
 * released for a termination, a moment after for a disconnection (the server logs that on exit). Times
 * are the server's, in ms; it shares the machine's clock with the harness.
 */
final class ServerLog {
    /** Settings the harness's server runs with so that this log exists. */
    static Map<String, String> serverConfig(Path directory) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("logging_collector", "on");
        config.put("log_destination", "jsonlog");
        config.put("log_directory", directory.toAbsolutePath().toString());
        config.put("log_filename", "postgresql-%Y%m%d-%H%M%S.log");
        config.put("log_rotation_size", "0");
        config.put("log_disconnections", "on");
        config.put("log_timezone", "UTC");
        return config;
    }

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS 'UTC'");
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'");

    /**
     * One session of the application.
     *
     * @param startMicros when it started (the log keeps whole seconds)
     * @param endMicros its first line that says it ends (ms precision), or -1 if it never ended in the log
     * @param reason the SQLSTATE of its {@code FATAL} line, or {@code disconnect}
     */
    record Session(String id, int pid, long startMicros, long endMicros, String reason) {
    }

    private final Map<Integer, List<Session>> byPid;
    private final Map<String, Integer> endReasons;

    private ServerLog(Map<Integer, List<Session>> byPid, Map<String, Integer> endReasons) {
        this.byPid = byPid;
        this.endReasons = endReasons;
    }

    /** Reads every {@code *.json} file of {@code directory}, keeping sessions whose application is {@code applicationName}. */
    static ServerLog read(Path directory, String applicationName) throws IOException {
        Map<String, long[]> times = new HashMap<>(); // session id -> pid, start, end
        Map<String, String> reasons = new HashMap<>();
        List<Path> files;
        try (Stream<Path> list = Files.list(directory)) {
            files = list.filter(path -> path.getFileName().toString().endsWith(".json")).sorted().toList();
        }
        for (Path file : files) {
            try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JSONObject entry = new JSONObject(line);
                    if (!applicationName.equals(entry.optString("application_name"))
                            || !"client backend".equals(entry.optString("backend_type"))) {
                        continue;
                    }
                    String severity = entry.optString("error_severity");
                    String message = entry.optString("message");
                    boolean ends = severity.equals("FATAL") || severity.equals("PANIC")
                            || message.startsWith("disconnection:");
                    if (!ends) {
                        continue;
                    }
                    if ("57P03".equals(entry.optString("state_code"))) {
                        continue; // refused while the server started or stopped: never a session
                    }
                    String session = entry.getString("session_id");
                    long at = micros(LocalDateTime.parse(entry.getString("timestamp"), TIMESTAMP));
                    long[] known = times.get(session);
                    if (known == null) {
                        long start = micros(LocalDateTime.parse(entry.getString("session_start"), SECONDS));
                        times.put(session, new long[] {entry.getInt("pid"), start, at});
                        reasons.put(session, severity.equals("FATAL") ? entry.optString("state_code", "FATAL")
                                : "disconnect");
                    } else if (at < known[2]) {
                        known[2] = at;
                    }
                }
            }
        }
        Map<Integer, List<Session>> byPid = new HashMap<>();
        Map<String, Integer> endReasons = new TreeMap<>();
        times.forEach((id, t) -> {
            String reason = reasons.get(id);
            byPid.computeIfAbsent((int) t[0], pid -> new ArrayList<>())
                    .add(new Session(id, (int) t[0], t[1], t[2], reason));
            endReasons.merge(describe(reason), 1, Integer::sum);
        });
        byPid.values().forEach(list -> list.sort(Comparator.comparingLong(Session::startMicros)));
        return new ServerLog(byPid, endReasons);
    }

    private static long micros(LocalDateTime time) {
        return Micros.of(time.toInstant(ZoneOffset.UTC));
    }

    private static String describe(String reason) {
        return switch (reason) {
            case "57P01" -> "terminated (pg_terminate_backend or shutdown)";
            case "57P05" -> "idle_session_timeout";
            case "08006" -> "connection to client lost (path dropped)";
            case "disconnect" -> "closed by the client (or its path)";
            default -> "FATAL " + reason;
        };
    }

    /**
     * The session of backend {@code pid} that held a lock acquired between {@code fromMicros} and
     * {@code toMicros}: the latest that started by {@code toMicros} (to the log's second) and had not ended
     * before {@code fromMicros} (pids are reused, but only after the kernel went through all others), or null.
     */
    Session sessionAt(int pid, long fromMicros, long toMicros) {
        List<Session> sessions = byPid.get(pid);
        if (sessions == null) {
            return null;
        }
        Session found = null;
        for (Session session : sessions) {
            if (session.startMicros() <= toMicros
                    && (session.endMicros() < 0 || session.endMicros() >= fromMicros - 2_000)) {
                found = session; // the latest that fits
            }
        }
        return found;
    }

    /** How many sessions ended, by why. */
    Map<String, Integer> endReasons() {
        return endReasons;
    }

    int sessions() {
        return byPid.values().stream().mapToInt(List::size).sum();
    }
}
