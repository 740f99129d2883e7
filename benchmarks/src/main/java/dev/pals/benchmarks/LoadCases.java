package dev.pals.benchmarks;

import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.Locker;
import dev.pals.testing.TcpProxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/** The load driver: cases 3, 4 and 5, PALs and raw JDBC interleaved. */
final class LoadCases {
    private final BenchDatabase db;
    private final SplittableRandom random;

    LoadCases(BenchDatabase db, long seed) {
        this.db = db;
        this.random = new SplittableRandom(seed);
    }

    // ---- case 3: statements and round trips per cycle --------------------------------------------------

    /** What the server and the wire saw for one variant and kind. */
    record Cost(double statementsPerCycle, double roundTripsPerCycle, long newConnections, Map<String, Long> statements) {
    }

    /**
     * Runs {@code cycles} steady-state cycles through a counting proxy and reads {@code pg_stat_statements}
     * (NaN statements when the server cannot count them).
     */
    Cost cost(Variant variant, Cycle.Kind kind, int cycles, boolean countStatements) throws SQLException {
        try (TcpProxy proxy = TcpProxy.start(db.host(), db.port()); Connection observer = db.connect()) {
            String url = db.urlVia("127.0.0.1", proxy.port());
            Locker locker = variant.isRaw() ? null : variant.open(db, "bench-cost", url);
            try (Cycle cycle = locker == null ? Cycle.raw(db, url, kind, "cost")
                    : Cycle.pals(locker, kind, "cost")) {
                for (int i = 0; i < 50; i++) { // warm: connection made, statements prepared on the server
                    cycle.run();
                }
                if (countStatements) {
                    try (Statement statement = observer.createStatement()) {
                        statement.execute("select pg_stat_statements_reset()");
                    }
                }
                proxy.resetCounts();
                for (int i = 0; i < cycles; i++) {
                    cycle.run();
                }
                long trips = proxy.roundTrips();
                long connections = proxy.connections();
                Map<String, Long> statements = countStatements ? readStatements(observer) : Map.of();
                long total = statements.values().stream().mapToLong(Long::longValue).sum();
                return new Cost(countStatements ? (double) total / cycles : Double.NaN, (double) trips / cycles,
                        connections, statements);
            } finally {
                if (locker != null) {
                    locker.close();
                }
            }
        }
    }

    /** Every statement since the reset but the observer's own (which all name pg_stat_statements). */
    private static Map<String, Long> readStatements(Connection observer) throws SQLException {
        Map<String, Long> calls = new LinkedHashMap<>();
        try (Statement statement = observer.createStatement();
                ResultSet rs = statement.executeQuery("select query, calls from pg_stat_statements"
                        + " where query not like '%pg_stat_statements%' order by calls desc, query")) {
            while (rs.next()) {
                calls.merge(rs.getString(1).replaceAll("\\s+", " "), rs.getLong(2), Long::sum);
            }
        }
        return calls;
    }

    // ---- case 4: handoff latency -----------------------------------------------------------------------

    /** One thread's hold on the contended key. */
    interface Contender extends AutoCloseable {
        void lock() throws SQLException;

        void unlock() throws SQLException;

        @Override
        default void close() throws SQLException {
        }
    }

    Contender palsContender(Locker locker, String name) {
        Lock lock = locker.lock(name);
        return new Contender() {
            @Override
            public void lock() {
                if (!lock.acquire()) {
                    throw new IllegalStateException("PALs acquire timed out in a handoff: " + lock);
                }
            }

            @Override
            public void unlock() {
                if (!lock.release()) {
                    throw new IllegalStateException("PALs release failed: " + lock);
                }
            }
        };
    }

    Contender rawContender(String name) throws SQLException {
        RawJdbc raw = new RawJdbc(db.connect());
        long key = LockKey.named(Cycle.APP, name).value();
        return new Contender() {
            @Override
            public void lock() throws SQLException {
                raw.lock(key);
            }

            @Override
            public void unlock() throws SQLException {
                if (!raw.unlock(key)) {
                    throw new IllegalStateException("raw unlock failed");
                }
            }

            @Override
            public void close() throws SQLException {
                raw.close();
            }
        };
    }

    /**
     * Contenders ping-pong one key, each holding it a random 10–110 ms; records, per handoff, the time
     * from the holder's release call to the next holder's acquire returning.
     */
    void handoff(List<Contender> contenders, int handoffs, Samples into) throws InterruptedException {
        AtomicInteger recorded = new AtomicInteger();
        long[] releasedAt = new long[1];
        int[] releasedBy = {-1};
        Object guard = new Object();
        Throwable[] failure = new Throwable[1];
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < contenders.size(); i++) {
            int me = i;
            Contender contender = contenders.get(i);
            SplittableRandom holds = random.split();
            threads.add(new Thread(() -> {
                try {
                    while (recorded.get() < handoffs) {
                        contender.lock();
                        long got = System.nanoTime();
                        long from;
                        int by;
                        synchronized (guard) {
                            from = releasedAt[0];
                            by = releasedBy[0];
                        }
                        if (by >= 0 && by != me && recorded.getAndIncrement() < handoffs) {
                            into.add(got - from);
                        }
                        if (recorded.get() < handoffs) {
                            Thread.sleep(10 + holds.nextInt(101));
                        }
                        synchronized (guard) {
                            releasedBy[0] = me;
                            releasedAt[0] = System.nanoTime();
                        }
                        contender.unlock();
                    }
                } catch (Exception | Error e) {
                    synchronized (guard) {
                        failure[0] = e;
                    }
                    recorded.set(handoffs);
                }
            }, "bench-handoff-" + i));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure[0] != null) {
            throw new IllegalStateException("handoff failed", failure[0]);
        }
    }

    // ---- case 5: timeout precision -----------------------------------------------------------------------

    /** How long a PALs acquire with {@code timeout} on a held key waited before it returned false. */
    long palsTimeout(Lock lock, Duration timeout) {
        long start = System.nanoTime();
        boolean acquired = lock.acquire(timeout);
        long waited = System.nanoTime() - start;
        if (acquired) {
            throw new IllegalStateException("acquired a held lock: " + lock);
        }
        return waited;
    }

    /** The same with raw JDBC: {@code lock_timeout} set once on the session, then a plain lock. */
    static long rawTimeout(RawJdbc waiter, long key) {
        long start = System.nanoTime();
        try {
            waiter.lock(key);
        } catch (SQLException e) {
            long waited = System.nanoTime() - start;
            if (!"55P03".equals(e.getSQLState())) {
                throw new IllegalStateException("expected a lock timeout (55P03)", e);
            }
            return waited;
        }
        throw new IllegalStateException("raw JDBC acquired a held lock");
    }
}
