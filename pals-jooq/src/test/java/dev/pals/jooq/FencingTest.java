package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pals.AcquireFailure;
import dev.pals.FencingToken;
import dev.pals.Lock;
import dev.pals.LockMode;
import dev.pals.LockOptions;
import dev.pals.Locker;
import dev.pals.StaleFencingTokenException;
import dev.pals.testing.ServerView;
import dev.pals.testing.TcpProxy;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fencing tokens: taken with the lock in one round trip, growing with every grant of a key whoever holds
 * it, and enforced by the database in the writer's own transaction.
 */
@Timeout(120)
class FencingTest {
    private static final LockOptions FENCED = LockOptions.builder().fencing(true).build();
    private final String table = "pals_fencing_" + UUID.randomUUID().toString().substring(0, 8);
    private final String data = "pals_fenced_data_" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void dataTable() throws SQLException {
        try (Connection connection = Db.DB.connect(); Statement statement = connection.createStatement()) {
            statement.execute("create table " + data + " (id int primary key, written_by text)");
            statement.execute("insert into " + data + " values (1, 'nobody')");
        }
    }

    private JooqLocker.Builder fenced(String app) {
        return locker(app).fencingTable(table).createFencingTable(true);
    }

    @Test
    void tokensGrowWithEveryGrantWhoeverHoldsTheKey() {
        String app = Db.uniqueApp("fencing");
        try (Locker first = fenced(app).build(); Locker second = fenced(app).build()) {
            Lock a = first.lock("k", FENCED);
            assertThat(a.fencingToken()).isEmpty();
            assertThat(a.acquire()).isTrue();
            FencingToken one = a.fencingToken().orElseThrow();
            assertThat(one.key()).isEqualTo(a.key());
            assertThat(a.acquire()).as("re-entry").isTrue();
            assertThat(a.fencingToken()).contains(one);
            a.release();
            a.release();
            assertThat(a.fencingToken()).isEmpty();

            Lock b = second.lock("k", FENCED);
            assertThat(b.acquire(Duration.ofSeconds(5))).isTrue();
            assertThat(b.fencingToken().orElseThrow().value()).isEqualTo(one.value() + 1);
            // A blocking acquire that waits for the lock takes the next token too.
            CompletableFuture<Boolean> waiting = a.acquireAsync(Duration.ofSeconds(10));
            b.release();
            assertThat(waiting.join()).isTrue();
            assertThat(a.fencingToken().orElseThrow().value()).isEqualTo(one.value() + 2);
            a.release();

            Lock plain = first.lock("k");
            assertThat(plain.acquire()).isTrue();
            assertThat(plain.fencingToken()).as("without fencing").isEmpty();
            plain.release();
            // Pair keys have tokens of their own.
            Lock pair = first.lock(dev.pals.LockKey.of(1, 2), FENCED);
            assertThat(pair.acquire()).isTrue();
            assertThat(pair.fencingToken().orElseThrow().value()).isEqualTo(1);
            pair.release();

            assertThatIllegalArgumentException().isThrownBy(() -> first.lock("s",
                    LockOptions.builder().mode(LockMode.SHARED).fencing(true).build()))
                    .withMessageContaining("exclusive");
        }
    }

    @Test
    void aFencedAcquireTakesItsTokenInTheSameRoundTrip() {
        try (TcpProxy proxy = TcpProxy.start(Db.host(), Db.port());
                Locker locker = Db.builder(Db.uniqueApp("fencing-trips"))
                        .url("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + Db.database())
                        .user(Db.user()).password(Db.password()).fencingTable(table).createFencingTable(true).build()) {
            Lock lock = locker.lock("k", FENCED);
            for (int i = 0; i < 20; i++) { // warm: the table exists, statements are prepared, a session is pooled
                assertThat(lock.acquire()).isTrue();
                assertThat(lock.release()).isTrue();
            }
            proxy.resetCounts();
            for (int i = 0; i < 50; i++) {
                assertThat(lock.acquire()).isTrue();
                assertThat(lock.release()).isTrue();
            }
            assertThat(proxy.roundTrips()).as("acquire (with its token) + release, per cycle").isEqualTo(100);
        }
    }

    @Test
    void aPausedHolderWhoseLockWentToAnotherProcessIsRefusedByTheDatabase() throws Exception {
        String app = Db.uniqueApp("fencing-stale");
        try (Locker locker = fenced(app).build(); Connection writer = Db.DB.connect()) {
            Lock mine = locker.lock("job", FENCED);
            assertThat(mine.acquire()).isTrue();
            FencingToken stale = mine.fencingToken().orElseThrow();
            // The holder "pauses": meanwhile its session ends and another process is granted the lock.
            ServerView.terminate(ServerView.holders(mine.key()).get(0));
            Process other = startHolder(app);
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
                long theirs = readToken(out);
                assertThat(theirs).isEqualTo(stale.value() + 1);

                // The holder "resumes" and writes, fenced: the database refuses it.
                writer.setAutoCommit(false);
                // The jOOQ condition in the holder's own UPDATE (rendered with its values inlined).
                String fence = ((JooqLocker) locker).fencingTable().isLatest(stale).toString();
                int written;
                try (Statement statement = writer.createStatement()) {
                    written = statement.executeUpdate("update " + data + " set written_by = 'stale holder' where id = 1 and "
                            + fence);
                }
                assertThat(written).as("rows the stale holder wrote").isZero();
                assertThatThrownBy(() -> ((JooqLocker) locker).fencingTable().requireLatest(writer, stale))
                        .isInstanceOfSatisfying(StaleFencingTokenException.class, e -> {
                            assertThat(e.latest()).isEqualTo(theirs);
                            assertThat(e.getMessage()).contains("stale");
                        });
                writer.rollback();
                assertThat(((JooqLocker) locker).fencingTable().isLatest(writer, new FencingToken(stale.key(), theirs)))
                        .isTrue();
                writer.rollback();
                assertThat(writtenBy()).isEqualTo("nobody");
                release(other);
            } finally {
                other.destroyForcibly();
                other.waitFor();
            }
            assertThat(mine.release()).isFalse();
        }
    }

    @Test
    void theNextGrantWaitsUntilACurrentHoldersFencedWriteCommits() throws Exception {
        String app = Db.uniqueApp("fencing-order");
        try (Locker first = fenced(app).build(); Locker second = fenced(app).build(); Connection writer = Db.DB.connect()) {
            Lock holder = first.lock("job", FENCED);
            assertThat(holder.acquire()).isTrue();
            FencingToken token = holder.fencingToken().orElseThrow();
            writer.setAutoCommit(false);
            ((JooqLocker) first).fencingTable().requireLatest(writer, token);
            try (Statement statement = writer.createStatement()) {
                statement.execute("update " + data + " set written_by = 'first' where id = 1");
            }
            // The holder lets go (or loses its lock) before its transaction ends: the next grant waits for it.
            assertThat(holder.release()).isTrue();
            Lock next = second.lock("job", FENCED);
            CompletableFuture<Boolean> granted = next.acquireAsync(Duration.ofSeconds(20));
            // The grant is held up at the server, behind the writer's transaction (a row lock wait).
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !"0".equals(ServerView.queryString(
                    "select count(*) from pg_stat_activity where application_name = 'pals:" + app + "'"
                            + " and wait_event_type = 'Lock' and wait_event in ('transactionid', 'tuple')")));
            assertThat(granted).as("granted before the current holder's write committed").isNotDone();
            long committedAt = System.nanoTime();
            writer.commit();
            assertThat(granted.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(System.nanoTime()).isGreaterThan(committedAt);
            assertThat(next.fencingToken().orElseThrow().value()).isEqualTo(token.value() + 1);
            assertThat(writtenBy()).isEqualTo("first");
            next.release();
        }
    }

    /**
     * While a previous holder's fenced transaction is still open (it let go, or lost its lock, before its
     * write committed), the key's token row is held: a try answers "not free" at once instead of waiting for
     * the row (it waited a network timeout: a try on a 3 s network timeout took 3 s),
     * a timed acquire waits for it within its timeout, and none of them leaves the lock held.
     */
    @Test
    void aTryDoesNotWaitForThePreviousHoldersOpenFencedTransactionAndATimedAcquireWaitsWithinItsTimeout()
            throws Exception {
        String app = Db.uniqueApp("fencing-try");
        Duration networkTimeout = Duration.ofSeconds(3);
        try (Locker first = fenced(app).build(); Locker second = fenced(app).networkTimeout(networkTimeout).build();
                Connection writer = Db.DB.connect()) {
            Lock holder = first.lock("job", FENCED);
            assertThat(holder.acquire()).isTrue();
            FencingToken token = holder.fencingToken().orElseThrow();
            writer.setAutoCommit(false);
            ((JooqLocker) first).fencingTable().requireLatest(writer, token);
            assertThat(holder.release()).isTrue();

            Lock next = second.lock("job", FENCED);
            for (int round = 0; round < 3; round++) {
                long start = System.nanoTime();
                assertThat(round == 0 ? next.acquire(false) : next.acquire(Duration.ZERO)).as("a try").isFalse();
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a try's answer").isLessThan(networkTimeout);
                assertThat(ServerView.freeElsewhere(next.key())).as("nothing left held").isTrue();
            }
            long start = System.nanoTime();
            assertThat(next.acquire(Duration.ofMillis(300))).as("a timed acquire").isFalse();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).as("a 300 ms acquire").isGreaterThanOrEqualTo(Duration.ofMillis(300))
                    .isLessThan(Duration.ofMillis(300).plus(networkTimeout));
            assertThat(ServerView.freeElsewhere(next.key())).as("nothing left held").isTrue();
            assertThat(second.stats().locksHeld()).isZero();

            writer.commit();
            assertThat(next.acquire(Duration.ZERO)).as("the fenced work committed: free").isTrue();
            assertThat(next.fencingToken().orElseThrow().value()).isEqualTo(token.value() + 1);
            assertThat(next.release()).isTrue();
        }
    }

    @Test
    void aMissingTableIsAClearErrorAndChecksNeedATransaction() throws Exception {
        try (Locker locker = locker(Db.uniqueApp("fencing-missing")).fencingTable("no_such_fencing_table").build();
                Connection connection = Db.DB.connect()) {
            assertThatThrownBy(() -> locker.lock("k", FENCED).acquire()).isInstanceOfSatisfying(AcquireFailure.class,
                    failure -> assertThat(failure.getMessage()).contains("no_such_fencing_table").contains("does not exist")
                            .contains("createFencingTable"));
            assertThat(locker.stats().locksHeld()).isZero();
            assertThat(ServerView.freeElsewhere(locker.key("k"))).as("nothing left held").isTrue();
            FencingTable fencingTable = ((JooqLocker) locker).fencingTable();
            assertThat(fencingTable.ddl()).startsWith("create table if not exists \"no_such_fencing_table\"");
            assertThatIllegalStateException().isThrownBy(() -> fencingTable.isLatest(connection,
                    new FencingToken(locker.key("k"), 1))).withMessageContaining("transaction");
        }
        assertThatIllegalArgumentException().isThrownBy(() -> FencingTable.named("a.b.c")).withMessageContaining("fencingTable");
    }

    private Process startHolder(String app) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), FencedHolderMain.class.getName(), app, Db.url(),
                Db.user() == null ? "-" : Db.user(), table, "job"));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static long readToken(BufferedReader out) throws Exception {
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("TOKEN ")) {
                return Long.parseLong(line.substring(6).trim());
            }
            assertThat(line).doesNotContain("NOT ACQUIRED");
        }
        throw new AssertionError("the other process ended without a token");
    }

    private static void release(Process process) throws Exception {
        Writer in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        in.write("RELEASE\n");
        in.flush();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    private String writtenBy() throws SQLException {
        try (Connection connection = Db.DB.connect(); Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("select written_by from " + data + " where id = 1")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
