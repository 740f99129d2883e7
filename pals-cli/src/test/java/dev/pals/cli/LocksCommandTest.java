package dev.pals.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.json.JSONArray;
import org.json.JSONObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pals locks} while Lockers of two applications hold and await locks: one exclusive lock with a
 * waiter of each application, a shared lock held twice with an exclusive waiter, and a key of the int
 * pair space. The tests only look, so they share one such scene.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocksCommandTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final String billingApp = Lockers.unique("billing");
    private final String reportsApp = Lockers.unique("reports");
    private final ExecutorService waiters = Executors.newCachedThreadPool();
    private Locker billing;
    /** A second instance of the billing service: a waiter behind its own Locker waits in its process, not here. */
    private Locker billingAgain;
    private Locker reports;
    private LockKey nightly;
    private LockKey summary;
    private final LockKey pair = LockKey.of(7, -8 - (int) (System.nanoTime() & 0xFFFF));
    private Instant before;
    /** The held locks' handles: a handle that is garbage collected releases its lock. */
    private final List<Lock> held = new ArrayList<>();

    @BeforeAll
    void holdAndAwait() {
        billing = Lockers.on(billingApp);
        billingAgain = Lockers.on(billingApp);
        reports = Lockers.on(reportsApp);
        nightly = billing.key("nightly");
        summary = reports.key("summary");
        before = Instant.parse(ServerView.queryString(
                "select to_char(now() at time zone 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"));

        assertThat(hold(billing.lock("nightly"))).isTrue();
        waiters.submit(() -> billingAgain.lock("nightly").acquire(WAIT));
        await().until(() -> ServerView.waiters(nightly).size() == 1);
        waiters.submit(() -> reports.lock(nightly, LockMode.EXCLUSIVE).acquire(WAIT));

        assertThat(hold(reports.lock("summary", LockMode.SHARED))).isTrue();
        assertThat(hold(reports.lock("summary", LockMode.SHARED))).isTrue();
        waiters.submit(() -> billing.lock(summary, LockMode.EXCLUSIVE).acquire(WAIT));

        assertThat(hold(reports.lock(pair, LockMode.EXCLUSIVE))).isTrue();
        await().until(() -> ServerView.waiters(nightly).size() == 2 && ServerView.waiters(summary).size() == 1);
    }

    private boolean hold(Lock lock) {
        held.add(lock);
        return lock.acquire();
    }

    @AfterAll
    void closeLockers() {
        billing.close();
        billingAgain.close();
        reports.close();
        waiters.shutdownNow();
    }

    @Test
    void tableShowsWhoHoldsAndWhoWaitsWithNamesOfBothApplications() {
        Cli.Result result = Cli.run(Cli.onServer("locks", "--app", billingApp, "nightly", "summary"));

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.err()).isEmpty();
        List<String> lines = List.of(result.out().split("\n"));
        assertThat(lines.get(0)).startsWith("Advisory locks in database ").contains(" held, ").contains(" waiting");
        assertThat(lines.get(1)).startsWith("KEY").contains("INT PAIR", "NAME", "MODE", "STATE", "PID", "APPLICATION",
                "CLIENT", "SINCE", "FOR", "BLOCKED BY");

        int holder = ServerView.holders(nightly).get(0);
        List<List<String>> nightlyRows = rows(lines, Long.toString(nightly.value()));
        assertThat(nightlyRows).hasSize(3);
        assertThat(nightlyRows.get(0)).containsSubsequence(Long.toString(nightly.value()), pgLocksPair(nightly),
                billingApp + ".nightly", "exclusive", "held", Integer.toString(holder), "pals:" + billingApp);
        assertThat(nightlyRows.get(0).get(8)).startsWith("<=");
        assertThat(nightlyRows.get(0).get(9)).startsWith(">=");
        assertThat(nightlyRows.subList(1, 3)).allSatisfy(row -> {
            assertThat(row).containsSubsequence(billingApp + ".nightly", "exclusive", "waiting");
            assertThat(row.get(row.size() - 1)).contains(Integer.toString(holder));
        });
        assertThat(nightlyRows.subList(1, 3)).extracting(row -> row.get(6))
                .containsExactlyInAnyOrder("pals:" + billingApp, "pals:" + reportsApp);

        // "summary" resolves without --app reports: the holders' sessions announce pals:<app>.
        List<List<String>> summaryRows = rows(lines, Long.toString(summary.value()));
        assertThat(summaryRows).hasSize(3);
        assertThat(summaryRows).allSatisfy(row -> assertThat(row.get(2)).isEqualTo(reportsApp + ".summary"));
        assertThat(summaryRows.subList(0, 2)).allSatisfy(row -> assertThat(row).contains("shared", "held"));
        assertThat(summaryRows.get(2)).contains("exclusive", "waiting", "pals:" + billingApp);

        List<List<String>> pairRows = rows(lines, "(" + pair.key1() + "," + pair.key2() + ")");
        assertThat(pairRows).hasSize(1);
        assertThat(pairRows.get(0)).containsSubsequence(pgLocksPair(pair), "-", "exclusive", "held");

        assertThat(result.out()).contains("PostgreSQL records no grant time");
    }

    @Test
    void jsonDescribesEveryHoldAndWait() {
        Cli.Result result = Cli.run(Cli.onServer("locks", "--json", "--app", billingApp, "nightly", "summary"));

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out().strip()).doesNotContain("\n");
        JSONObject document = new JSONObject(result.out());
        Instant at = Instant.parse(document.getString("at"));
        assertThat(document.getString("serverVersion")).isNotEmpty();
        assertThat(document.getString("server")).contains(":");

        int holder = ServerView.holders(nightly).get(0);
        List<Integer> waiting = ServerView.waiters(nightly);
        List<JSONObject> nightlyLocks = locks(document, nightly);
        assertThat(nightlyLocks).hasSize(3);
        JSONObject held = nightlyLocks.get(0);
        assertThat(held.getString("keySpace")).isEqualTo("bigint");
        assertThat(held.getLong("key")).isEqualTo(nightly.value());
        assertThat(held.getInt("key1")).isEqualTo(nightly.key1());
        assertThat(held.getInt("key2")).isEqualTo(nightly.key2());
        assertThat(held.getLong("classid")).isEqualTo(Integer.toUnsignedLong(nightly.key1()));
        assertThat(held.getLong("objid")).isEqualTo(Integer.toUnsignedLong(nightly.key2()));
        assertThat(held.getString("name")).isEqualTo(billingApp + ".nightly");
        assertThat(held.getString("mode")).isEqualTo("exclusive");
        assertThat(held.getBoolean("granted")).isTrue();
        assertThat(held.getString("state")).isEqualTo("held");
        assertThat(held.getInt("pid")).isEqualTo(holder);
        assertThat(held.getString("application")).isEqualTo("pals:" + billingApp);
        assertThat(held.getBoolean("pals")).isTrue();
        assertThat(held.getString("palsApp")).isEqualTo(billingApp);
        assertThat(held.getString("clientAddr")).isNotEmpty();
        assertThat(held.getInt("clientPort")).isPositive();
        assertThat(held.getString("sessionState")).isEqualTo("idle");
        Instant heldSince = Instant.parse(held.getString("heldSinceAtLatest"));
        assertThat(heldSince).isAfterOrEqualTo(before).isBeforeOrEqualTo(at);
        assertThat(Instant.parse(held.getString("sessionStart"))).isBeforeOrEqualTo(heldSince);
        assertThat(held.getBigDecimal("heldForAtLeastSeconds").doubleValue()).isGreaterThanOrEqualTo(0);
        assertThat(held.isNull("waitingSince")).isTrue();
        assertThat(pids(held.getJSONArray("blocking"))).containsExactlyInAnyOrderElementsOf(waiting);
        assertThat(held.getJSONArray("blockedBy")).isEmpty();

        List<JSONObject> waiters = nightlyLocks.subList(1, 3);
        assertThat(waiters).extracting(w -> w.getInt("pid")).containsExactlyInAnyOrderElementsOf(waiting);
        assertThat(waiters).extracting(w -> w.getString("palsApp")).containsExactlyInAnyOrder(billingApp, reportsApp);
        for (JSONObject waiter : waiters) {
            assertThat(waiter.getBoolean("granted")).isFalse();
            assertThat(waiter.getString("state")).isEqualTo("waiting");
            assertThat(waiter.getString("name")).isEqualTo(billingApp + ".nightly");
            assertThat(waiter.getString("sessionState")).isEqualTo("active");
            assertThat(pids(waiter.getJSONArray("blockedBy"))).contains(holder);
            assertThat(Instant.parse(waiter.getString("waitingSince"))).isAfterOrEqualTo(before).isBeforeOrEqualTo(at);
            assertThat(waiter.getBoolean("waitingSinceExact")).isTrue(); // PostgreSQL 14+: pg_locks.waitstart
            assertThat(waiter.getBigDecimal("waitingSeconds").doubleValue()).isGreaterThanOrEqualTo(0);
            assertThat(waiter.isNull("heldSinceAtLatest")).isTrue();
        }

        List<JSONObject> summaryLocks = locks(document, summary);
        assertThat(summaryLocks).extracting(l -> l.getString("name")).containsOnly(reportsApp + ".summary");
        assertThat(summaryLocks).extracting(l -> l.getString("mode")).containsExactly("shared", "shared", "exclusive");
        List<Integer> summaryHolders = ServerView.holders(summary);
        assertThat(pids(summaryLocks.get(2).getJSONArray("blockedBy"))).containsExactlyInAnyOrderElementsOf(summaryHolders);

        List<JSONObject> pairLocks = locks(document, pair);
        assertThat(pairLocks).hasSize(1);
        assertThat(pairLocks.get(0).getString("keySpace")).isEqualTo("int pair");
        assertThat(pairLocks.get(0).isNull("key")).isTrue();
        assertThat(pairLocks.get(0).getInt("key1")).isEqualTo(pair.key1());
        assertThat(pairLocks.get(0).getInt("key2")).isEqualTo(pair.key2());
        assertThat(pairLocks.get(0).isNull("name")).isTrue();
    }

    @Test
    void namesNeedCandidates() {
        JSONObject document = json(Cli.run(Cli.onServer("locks", "--json")));
        assertThat(locks(document, nightly)).allSatisfy(lock -> assertThat(lock.isNull("name")).isTrue());

        JSONObject otherApp = json(Cli.run(Cli.onServer("locks", "--json", "--app", "someone-else", "nightly-other")));
        assertThat(locks(otherApp, nightly)).allSatisfy(lock -> assertThat(lock.isNull("name")).isTrue());
    }

    @Test
    void aFullNameResolvesWithoutApp() {
        JSONObject document = json(Cli.run(Cli.onServer("locks", "--json", billingApp + ".nightly")));
        assertThat(locks(document, nightly)).allSatisfy(lock -> assertThat(lock.getString("name")).isEqualTo(billingApp + ".nightly"));
    }

    @Test
    void candidateNamesComeFromAFileOrStandardInput(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("names.txt");
        Files.writeString(file, "weekly\n\nnightly\r\nsummary\n", StandardCharsets.UTF_8);

        JSONObject fromFile = json(Cli.run(Cli.onServer("locks", "--json", "--app", billingApp, "--names-file", file.toString())));
        assertThat(locks(fromFile, nightly)).allSatisfy(lock -> assertThat(lock.getString("name")).isEqualTo(billingApp + ".nightly"));
        assertThat(locks(fromFile, summary)).allSatisfy(lock -> assertThat(lock.getString("name")).isEqualTo(reportsApp + ".summary"));

        JSONObject fromStdin = json(Cli.run(Map.of(), "nightly\n", Cli.onServer("locks", "--json", "--app", billingApp,
                "--names-file", "-")));
        assertThat(locks(fromStdin, nightly)).allSatisfy(lock -> assertThat(lock.getString("name")).isEqualTo(billingApp + ".nightly"));
        assertThat(locks(fromStdin, summary)).allSatisfy(lock -> assertThat(lock.isNull("name")).isTrue());
    }

    @Test
    void watchRefreshesUntilTheCount() {
        Cli.Result json = Cli.run(Cli.onServer("locks", "--json", "--watch=200ms", "--count", "3"));
        assertThat(json.exitCode()).as(json.toString()).isZero();
        String[] lines = json.out().strip().split("\n");
        assertThat(lines).hasSize(3);
        List<Instant> times = new ArrayList<>();
        for (String line : lines) {
            JSONObject document = new JSONObject(line);
            times.add(Instant.parse(document.getString("at")));
            assertThat(locks(document, nightly)).hasSize(3);
        }
        assertThat(times).isSorted().doesNotHaveDuplicates();

        Cli.Result table = Cli.run(Cli.onServer("locks", "--watch=100ms", "-n", "2"));
        assertThat(table.exitCode()).as(table.toString()).isZero();
        assertThat(table.out().split("Advisory locks in database", -1)).hasSize(3);
        assertThat(table.out()).contains("Every 100ms; Ctrl-C to stop.");
    }

    @Test
    void allDatabasesAddsTheDatabaseColumn() {
        Cli.Result result = Cli.run(Cli.onServer("locks", "--all-databases"));
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).contains("Advisory locks in all databases");
        assertThat(result.out().split("\n")[1]).startsWith("DATABASE  KEY");
        JSONObject document = json(Cli.run(Cli.onServer("locks", "--all-databases", "--json")));
        assertThat(document.isNull("database")).isTrue();
        assertThat(locks(document, nightly)).hasSize(3);
    }

    private static JSONObject json(Cli.Result result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return new JSONObject(result.out());
    }

    private static List<JSONObject> locks(JSONObject document, LockKey key) {
        List<JSONObject> found = new ArrayList<>();
        JSONArray locks = document.getJSONArray("locks");
        for (int i = 0; i < locks.length(); i++) {
            JSONObject lock = locks.getJSONObject(i);
            if (lock.getLong("classid") == Integer.toUnsignedLong(key.key1())
                    && lock.getLong("objid") == Integer.toUnsignedLong(key.key2())
                    && lock.getString("keySpace").equals(key.isPair() ? "int pair" : "bigint")) {
                found.add(lock);
            }
        }
        return found;
    }

    private static List<Integer> pids(JSONArray array) {
        List<Integer> pids = new ArrayList<>();
        for (int i = 0; i < array.length(); i++) {
            pids.add(array.getInt(i));
        }
        return pids;
    }

    /** The table rows whose first cell is {@code key}, split into cells. */
    private static List<List<String>> rows(List<String> lines, String key) {
        return lines.stream().filter(line -> line.startsWith(key + " "))
                .map(line -> List.of(line.split("\\s{2,}")))
                .collect(Collectors.toList());
    }

    private static String pgLocksPair(LockKey key) {
        return Integer.toUnsignedLong(key.key1()) + "," + Integer.toUnsignedLong(key.key2());
    }
}
