package dev.pals.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code pals locks}: who holds which advisory lock, who waits behind it. */
@Command(name = "locks", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "The advisory locks held and awaited on a server (pg_locks joined with pg_stat_activity):"
                    + " key (bigint, and the int pair pg_locks shows), name where it can tell, mode, held or waiting,"
                    + " pid, application, client address, since when and for how long, and which pids each waiter"
                    + " waits behind (pg_blocking_pids).",
            "",
            "Names: keys are one-way hashes, so give candidate names (arguments or --names-file) and, if their"
                    + " application is not announced by a PALs Locker (application_name pals:<app>), --app.",
            "",
            "Since when: PostgreSQL records when a wait started (pg_locks.waitstart) but not when a lock was"
                    + " granted. For a holder, '>=' is a lower bound: its session has run no statement since"
                    + " (pg_stat_activity.state_change), or an earlier --watch refresh saw it; '?' means the session"
                    + " is busy right now. A lock is never older than its session (sessionStart in --json).",
            "",
            "Other roles' client addresses need pg_read_all_stats (or a superuser).",
        })
final class LocksCommand implements Callable<Integer> {
    static final String APPLICATION_NAME = "pals-cli";

    @ParentCommand
    Pals pals;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "<name>", arity = "0..*",
            description = "Candidate lock names to show for matching keys (with --app, or the app a PALs session announces, or bare).")
    List<String> names = new ArrayList<>();

    @Option(names = "--app", paramLabel = "<app>",
            description = "Application the candidate names belong to (repeatable).")
    List<String> apps = new ArrayList<>();

    @Option(names = "--names-file", paramLabel = "<file>",
            description = "More candidate names, one a line, exactly as written; '-' reads standard input.")
    Path namesFile;

    @Option(names = "--json", description = "One JSON object (on one line) instead of the table.")
    boolean json;

    @Option(names = "--watch", paramLabel = "<interval>", arity = "0..1", fallbackValue = "2s",
            converter = Durations.Converter.class,
            description = "Refresh every <interval> (default 2s) until Ctrl-C, like top. With --json: one object a line.")
    Duration watch;

    @Option(names = {"-n", "--count"}, paramLabel = "<n>",
            description = "With --watch: stop after <n> refreshes.")
    Integer count;

    @Option(names = "--all-databases",
            description = "Locks of every database of the server, not only the one connected to.")
    boolean allDatabases;

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() throws Exception {
        if (watch != null && (watch.isZero() || watch.isNegative())) {
            throw CliException.usage("--watch interval must be positive: " + Durations.format(watch));
        }
        if (count != null && count < 1) {
            throw CliException.usage("--count must be at least 1: " + count);
        }
        if (count != null && watch == null) {
            throw CliException.usage("--count goes with --watch");
        }
        List<String> candidates = new ArrayList<>(names);
        if (namesFile != null) {
            candidates.addAll(Names.readFile(namesFile, pals.stdin));
        }
        Names resolver = new Names(candidates, apps);
        Server server = connection.server(pals.env);
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Instant> firstSeen = new HashMap<>();
        if (watch == null) {
            try (Connection db = server.connect(APPLICATION_NAME)) {
                print(out, report(db, server, resolver, firstSeen));
            } catch (SQLException e) {
                throw Errors.fromServer(e, server);
            }
            return ExitCodes.OK;
        }
        return watch(out, server, resolver, firstSeen);
    }

    private int watch(PrintWriter out, Server server, Names resolver, Map<String, Instant> firstSeen)
            throws InterruptedException {
        Connection db = server.connect(APPLICATION_NAME); // the first connection must work: exit 3 otherwise
        boolean clear = !json && System.console() != null;
        try {
            for (int refresh = 1; count == null || refresh <= count; refresh++) {
                long started = System.nanoTime();
                try {
                    if (db == null) {
                        db = server.connect(APPLICATION_NAME);
                    }
                    LockReport report = report(db, server, resolver, firstSeen);
                    if (clear) {
                        out.print("\033[H\033[2J");
                    } else if (refresh > 1 && !json) {
                        out.println();
                    }
                    print(out, report);
                    if (!json) {
                        out.println("Every " + Durations.format(watch) + "; Ctrl-C to stop.");
                        out.flush();
                    }
                } catch (SQLException | CliException e) {
                    spec.commandLine().getErr().println("pals: " + Errors.describe(e) + " (trying again in "
                            + Durations.format(watch) + ")");
                    spec.commandLine().getErr().flush();
                    close(db);
                    db = null;
                }
                if (count != null && refresh == count) {
                    break;
                }
                long left = watch.toNanos() - (System.nanoTime() - started);
                if (left > 0) {
                    Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
                }
            }
        } finally {
            close(db);
        }
        return ExitCodes.OK;
    }

    private LockReport report(Connection db, Server server, Names resolver, Map<String, Instant> firstSeen)
            throws SQLException {
        return LockReport.of(LockQuery.read(db, allDatabases), server.target(), allDatabases, resolver, firstSeen);
    }

    private void print(PrintWriter out, LockReport report) {
        if (json) {
            out.println(report.json());
            out.flush();
        } else {
            report.printTable(out, pals.zone, true);
        }
    }

    private static void close(Connection db) {
        if (db != null) {
            try {
                db.close();
            } catch (SQLException e) {
                // gone already
            }
        }
    }
}
