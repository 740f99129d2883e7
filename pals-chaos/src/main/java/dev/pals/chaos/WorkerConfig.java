package dev.pals.chaos;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a worker process is told on its command line ({@code name=value} arguments).
 *
 * @param worker the worker's number (0-based)
 * @param generation how many times this worker was started before (a killed worker comes back as the next)
 * @param witnessPort the witness's port on loopback
 * @param url JDBC URL (through the worker's own proxy)
 * @param app application name of the Locker (the same for all workers: they lock the same keys)
 * @param seed the run's seed; the worker's threads derive theirs from it, the worker and the generation
 * @param threads worker threads
 * @param keys how many lock names the threads pick from
 * @param multiplexing the Locker's multiplexing setting
 * @param checkIntervalMillis {@code lockCheckInterval}
 * @param networkTimeoutMillis {@code networkTimeout}
 * @param fencedKeys exclusive holds of keys 0 to {@code fencedKeys} - 1 take fencing tokens and write with them
 *     ({@link FencedWrites})
 * @param unsafeEvery 0; n &gt; 0 makes every n-th cycle of each thread enter its section without
 *     acquiring the lock (a negative control: the witness must then see violations)
 */
record WorkerConfig(int worker, int generation, int witnessPort, String url, String app, long seed, int threads,
        int keys, boolean multiplexing, long checkIntervalMillis, long networkTimeoutMillis, int fencedKeys, int unsafeEvery) {

    String[] toArgs() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("worker", worker);
        values.put("generation", generation);
        values.put("witnessPort", witnessPort);
        values.put("url", url);
        values.put("app", app);
        values.put("seed", seed);
        values.put("threads", threads);
        values.put("keys", keys);
        values.put("multiplexing", multiplexing);
        values.put("checkIntervalMillis", checkIntervalMillis);
        values.put("networkTimeoutMillis", networkTimeoutMillis);
        values.put("fencedKeys", fencedKeys);
        values.put("unsafeEvery", unsafeEvery);
        List<String> args = new ArrayList<>();
        values.forEach((name, value) -> args.add(name + "=" + value));
        return args.toArray(String[]::new);
    }

    static WorkerConfig parse(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("expected name=value, got: " + arg);
            }
            values.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        return new WorkerConfig(Integer.parseInt(get(values, "worker")), Integer.parseInt(get(values, "generation")),
                Integer.parseInt(get(values, "witnessPort")), get(values, "url"), get(values, "app"),
                Long.parseLong(get(values, "seed")), Integer.parseInt(get(values, "threads")),
                Integer.parseInt(get(values, "keys")), Boolean.parseBoolean(get(values, "multiplexing")),
                Long.parseLong(get(values, "checkIntervalMillis")), Long.parseLong(get(values, "networkTimeoutMillis")),
                Integer.parseInt(get(values, "fencedKeys")), Integer.parseInt(get(values, "unsafeEvery")));
    }

    private static String get(Map<String, String> values, String name) {
        String value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException("missing argument " + name + "=...");
        }
        return value;
    }
}
