package dev.pals.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.AcquireFailure;
import dev.pals.AcquireFailure.Reason;
import dev.pals.HeldLock;
import dev.pals.Lock;
import dev.pals.LockInfo;
import dev.pals.LockKey;
import dev.pals.LockListener;
import dev.pals.LockMode;
import dev.pals.LockOptions;
import dev.pals.Locker;
import dev.pals.LockerStats;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Model-based test: random sequences of acquires (try, zero timeout, the handle's default, blocking,
 * timed, {@code hold()}), releases, closes of holds, re-entries, queued waiters and killed sessions,
 * over several handles per key of three Lockers (one on its own pool and one on a user
 * {@code DataSource}, multiplexing as the suite runs, and one on its own pool the other way, side by
 * side) and three keys (a named one, a {@code bigint} and the two-{@code int4} key with the same bits).
 * Every step runs against the real server and against {@link Model}, a small reference of the
 * specified semantics; the step's result, every handle's hold count, the Lockers' stats, the rules of
 * multiplexing (a session holds a key at most once; a wait at the server runs on a session that holds
 * nothing; a killed session loses all its locks at once) and the server's own {@code pg_locks} rows
 * must all match the model after every step.
 *
 * <p>Outcomes are deterministic by design: a step never races another step. An acquire the model
 * says would wait is given a short timeout and must fail; a waiter is set up from a background thread
 * and observed waiting in {@code pg_locks} before the next step, and when the model says a release
 * grants it, the test waits for it before going on. The one outcome the specification leaves open — a
 * timed acquire on a free lock may return false if no connection came within its timeout — is allowed
 * only with reason {@code NO_CONNECTION} after the whole timeout passed, and counted ("stalls").
 *
 * <p>Seeded: the seed is printed, and is in every failure message with the failing sequence's own
 * seed and its steps. Replay all with {@code -Dpals.seed=<seed>}, one sequence with
 * {@code -Dpals.model.sequenceSeed=<seed>}; {@code -Dpals.model.sequences} and
 * {@code -Dpals.model.steps} size the run.
 */
@Timeout(900)
class LockModelTest {
    private static final int SEQUENCES = Integer.getInteger("pals.model.sequences", 300);
    private static final int STEPS = Integer.getInteger("pals.model.steps", 40);
    private static final int MAX_HANDLES = 11;
    private static final int POOL = 16;
    private static final long[] TIMEOUTS_MS = {1, 2, 3, 5, 8, 13, 20};
    private static final Duration BACKGROUND_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SETTLE = Duration.ofSeconds(10);

    private static final Recorder RECORDER = new Recorder();
    private static AgroalDataSource userDataSource;
    private static Locker[] lockers;
    /** Whether each Locker shares sessions between locks. */
    private static boolean[] multiplexing;
    private static Connection observer;
    private static PreparedStatement advisoryLocks;
    private static ExecutorService background;

    private final Counts counts = new Counts();

    @BeforeAll
    static void start() throws SQLException {
        String app = Db.uniqueApp("model");
        userDataSource = AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier()
                // As a service would configure it: a connection whose session ended is dropped, not lent again.
                .connectionPoolConfiguration(pool -> pool.maxSize(POOL).acquisitionTimeout(Duration.ofSeconds(10))
                        .exceptionSorter(new io.agroal.api.exceptionsorter.PostgreSQLExceptionSorter())
                        .connectionFactoryConfiguration(factory -> factory.jdbcUrl(Db.url())
                                .principal(Db.user() == null ? null : new NamePrincipal(Db.user())))));
        lockers = new Locker[] {
            Db.locker(app).maxPoolSize(POOL).acquireTimeout(Duration.ofMillis(10)).listener(RECORDER).build(),
            Db.builder(app).dataSource(userDataSource).maxPoolSize(POOL)
                    .blocking(false).acquireTimeout(Duration.ofMillis(5)).listener(RECORDER).build(),
            Db.locker(app).multiplexing(!Db.MULTIPLEXING).maxPoolSize(POOL).acquireTimeout(Duration.ofMillis(8))
                    .listener(RECORDER).build(),
        };
        multiplexing = new boolean[] {Db.MULTIPLEXING, Db.MULTIPLEXING, !Db.MULTIPLEXING};
        observer = Db.DB.connect();
        advisoryLocks = observer.prepareStatement("select classid::bigint, objid::bigint, objsubid, mode, granted, pid"
                + " from pg_locks where locktype = 'advisory'"
                + " and database = (select oid from pg_database where datname = current_database())");
        background = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "model-background-acquire");
            thread.setDaemon(true);
            return thread;
        });
        warmUp();
    }

    /**
     * Fills every pool, so that later acquires never wait for a new connection to be made: shared holders
     * of one key take a session each, with multiplexing too.
     */
    private static void warmUp() {
        for (Locker locker : lockers) {
            List<Lock> locks = new ArrayList<>();
            for (int i = 0; i < POOL; i++) {
                Lock lock = locker.lock("warm-up", LockMode.SHARED);
                assertThat(lock.acquire(Duration.ofSeconds(10))).isTrue();
                locks.add(lock);
            }
            assertThat(locker.stats().connectionsInUse()).isEqualTo(POOL);
            locks.forEach(Lock::release);
        }
    }

    @AfterAll
    static void stop() throws SQLException {
        if (lockers != null) {
            for (Locker locker : lockers) {
                locker.close();
            }
        }
        if (background != null) {
            background.shutdownNow();
        }
        if (observer != null) {
            observer.close();
        }
        if (userDataSource != null) {
            userDataSource.close();
        }
    }

    @Test
    void everyStepOfHundredsOfRandomSequencesMatchesTheModel() {
        Long only = Long.getLong("pals.model.sequenceSeed");
        long seed = Long.getLong("pals.seed", System.nanoTime());
        SplittableRandom seeds = new SplittableRandom(seed);
        int sequences = only != null ? 1 : SEQUENCES;
        long start = System.nanoTime();
        for (int i = 0; i < sequences; i++) {
            long sequenceSeed = only != null ? only : seeds.nextLong();
            Sequence sequence = new Sequence(i, sequenceSeed);
            try {
                sequence.run();
            } catch (Throwable e) {
                String replay = only != null ? "" : String.format(" of seed %d (replay: -Dpals.seed=%d)", seed, seed);
                String message = String.format("sequence %d%s failed; this sequence alone:"
                        + " -Dpals.model.sequenceSeed=%d%n%s%nsteps:%n%s",
                        i, replay, sequenceSeed, e, String.join("\n", sequence.trace));
                System.out.println(message);
                throw new AssertionError(message, e);
            }
        }
        System.out.printf("model test (%s %d): %d sequences, %s, in %.1f s%n", only != null ? "sequence seed" : "seed",
                only != null ? only : seed, sequences, counts, (System.nanoTime() - start) / 1e9);
        assertThat(counts.steps).isGreaterThanOrEqualTo((long) sequences * STEPS);
        if (only == null && sequences >= 50) {
            // The run must have reached the interesting states, not only the easy ones.
            assertThat(counts.acquired).as("acquired: %s", counts).isPositive();
            assertThat(counts.refused).as("refused: %s", counts).isPositive();
            assertThat(counts.reentries).as("re-entries: %s", counts).isPositive();
            assertThat(counts.queued).as("queued waiters: %s", counts).isPositive();
            assertThat(counts.granted).as("waiters granted on release: %s", counts).isEqualTo(counts.queued);
            assertThat(counts.refusedByWaiter).as("refused for a queued exclusive waiter: %s", counts).isPositive();
            assertThat(counts.inFlight).as("steps on a handle whose acquire is in flight: %s", counts).isPositive();
            assertThat(counts.stalls).as("timed acquires on a free lock that found no connection in time: %s", counts)
                    .isLessThanOrEqualTo(Math.max(5, counts.acquired / 50));
            assertThat(counts.kills).as("sessions killed: %s", counts).isPositive();
            assertThat(counts.lostLocks).as("locks lost with killed sessions: %s", counts).isGreaterThanOrEqualTo(counts.kills);
        }
    }

    /** How a step acquires. */
    private enum Kind {
        TRY, ZERO_TIMEOUT, DEFAULT, BLOCKING, TIMED, HOLD, HOLD_TIMED
    }

    /** One lock handle as the test and the model see it. */
    private static final class Handle {
        final int id;
        final int locker;
        final Lock lock;
        final LockKey key;
        final String keyLabel;
        final LockMode mode;
        final boolean blocking;
        final Duration timeout;
        /** The model: acquires not yet released. */
        int count;
        /** A background acquire in flight (a queued waiter), or null. */
        Future<Boolean> inFlight;

        Handle(int id, int locker, Lock lock, LockKey key, String keyLabel, LockMode mode, boolean blocking,
                Duration timeout) {
            this.id = id;
            this.locker = locker;
            this.lock = lock;
            this.key = key;
            this.keyLabel = keyLabel;
            this.mode = mode;
            this.blocking = blocking;
            this.timeout = timeout;
        }

        @Override
        public String toString() {
            return "h" + id + "(L" + locker + " " + keyLabel + " " + (mode == LockMode.SHARED ? "S" : "X") + ")";
        }
    }

    /** One {@code hold()} as the test keeps it. */
    private static final class Hold {
        final Handle handle;
        final HeldLock held;
        boolean closed;

        Hold(Handle handle, HeldLock held) {
            this.handle = handle;
            this.held = held;
        }
    }

    /**
     * The specification, small: handles own counts; a handle that holds re-enters at once; a new
     * request conflicts with a holder or queued waiter unless both are shared; a release at zero lets
     * the queued waiter in when nothing it conflicts with is left.
     */
    private static final class Model {
        final List<Handle> handles = new ArrayList<>();
        final Map<LockKey, Handle> waiters = new HashMap<>();

        static boolean compatible(LockMode a, LockMode b) {
            return a == LockMode.SHARED && b == LockMode.SHARED;
        }

        /**
         * Whether {@code waiter} waits in its own process (a multiplexing Locker with a handle of its own
         * holding the key against it), where the server, and so other Lockers, do not see it.
         */
        boolean waitsInProcess(Handle waiter) {
            if (!multiplexing[waiter.locker]) {
                return false;
            }
            for (Handle other : handles) {
                if (other != waiter && other.locker == waiter.locker && other.key.equals(waiter.key) && other.count > 0
                        && !compatible(other.mode, waiter.mode)) {
                    return true;
                }
            }
            return false;
        }

        /** Whether another handle holds {@code handle}'s key in a conflicting mode. */
        boolean heldAgainst(Handle handle) {
            for (Handle other : handles) {
                if (other != handle && other.key.equals(handle.key) && other.count > 0
                        && !compatible(other.mode, handle.mode)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * Whether a queued waiter on the key is ahead of a new request from {@code handle}: at the server,
         * for everyone; waiting in its process, only for its own Locker.
         */
        boolean queuedAgainst(Handle handle) {
            Handle waiter = waiters.get(handle.key);
            return waiter != null && waiter != handle && !compatible(waiter.mode, handle.mode)
                    && (waiter.locker == handle.locker || !waitsInProcess(waiter));
        }

        /** The handle no longer holds (released at zero, or lost): fills {@code granted} with waiters let in. */
        void letGo(Handle handle, List<Handle> granted) {
            Handle waiter = waiters.get(handle.key);
            if (waiter != null && !heldAgainst(waiter)) {
                waiters.remove(handle.key);
                waiter.count = 1;
                granted.add(waiter);
            }
        }

        /** Releases once; returns whether the handle held, and fills {@code granted} with waiters let in. */
        boolean release(Handle handle, List<Handle> granted) {
            if (handle.count == 0) {
                return false;
            }
            handle.count--;
            if (handle.count == 0) {
                letGo(handle, granted);
            }
            return true;
        }
    }

    /** One random sequence. */
    private final class Sequence {
        final int index;
        final SplittableRandom random;
        final List<String> trace = new ArrayList<>();
        final Model model = new Model();
        final List<Hold> holds = new ArrayList<>();
        final List<LockKey> keys = new ArrayList<>();
        final List<String> keyLabels = new ArrayList<>();
        final String name;
        int step;

        Sequence(int index, long seed) {
            this.index = index;
            this.random = new SplittableRandom(seed);
            this.name = "seq-" + index + "-" + Long.toHexString(seed);
            long bits = random.nextLong();
            keys.add(lockers[0].key(name));
            keyLabels.add("named");
            keys.add(LockKey.of(bits));
            keyLabels.add("bigint");
            keys.add(LockKey.of((int) (bits >>> 32), (int) bits));
            keyLabels.add("pair");
        }

        void run() throws Exception {
            trace.add("keys " + keys);
            int initial = 4 + random.nextInt(4);
            for (int i = 0; i < initial; i++) {
                newHandle();
            }
            for (step = 0; step < STEPS; step++) {
                randomStep();
                check();
            }
            drain();
        }

        private void newHandle() {
            int locker = random.nextInt(lockers.length);
            int k = random.nextInt(keys.size());
            LockKey key = keys.get(k);
            LockMode mode = random.nextInt(3) == 0 ? LockMode.EXCLUSIVE : LockMode.SHARED;
            if (random.nextBoolean()) {
                mode = random.nextBoolean() ? LockMode.EXCLUSIVE : LockMode.SHARED;
            }
            Locker owner = lockers[locker];
            Lock lock;
            Boolean blocking = null;
            Duration timeout = null;
            int how = random.nextInt(4);
            if (how == 0 && k == 0) {
                lock = mode == LockMode.SHARED ? owner.readWriteLock(name).read() : owner.readWriteLock(name).write();
            } else if (how == 1) {
                lock = k == 0 ? owner.lock(name, mode) : owner.lock(key, mode);
            } else {
                LockOptions.Builder options = LockOptions.builder().mode(mode);
                if (random.nextBoolean()) {
                    blocking = random.nextBoolean();
                    options.blocking(blocking);
                }
                if (random.nextBoolean()) {
                    timeout = Duration.ofMillis(pickTimeout());
                    options.acquireTimeout(timeout);
                }
                lock = k == 0 ? owner.lock(name, options.build()) : owner.lock(key, options.build());
            }
            Handle handle = new Handle(model.handles.size(), locker, lock, key, keyLabels.get(k), mode,
                    blocking != null ? blocking : owner.blocking(),
                    timeout != null ? timeout : owner.acquireTimeout());
            assertThat(lock.key()).isEqualTo(key);
            assertThat(lock.mode()).isEqualTo(mode);
            assertThat(lock.blocking()).as("blocking of %s", handle).isEqualTo(handle.blocking);
            assertThat(lock.acquireTimeout()).as("timeout of %s", handle).isEqualTo(handle.timeout);
            assertThat(lock.isHeld()).isFalse();
            model.handles.add(handle);
            trace.add("new " + handle + (handle.blocking ? " blocking " + handle.timeout.toMillis() + " ms" : " non-blocking"));
        }

        private long pickTimeout() {
            return TIMEOUTS_MS[random.nextInt(TIMEOUTS_MS.length)];
        }

        private Handle anyHandle() {
            return model.handles.get(random.nextInt(model.handles.size()));
        }

        private void randomStep() throws Exception {
            int dice = random.nextInt(100);
            if (dice < 56) {
                Kind[] kinds = Kind.values();
                acquire(anyHandle(), kinds[random.nextInt(kinds.length)]);
            } else if (dice < 78) {
                release(anyHandle());
            } else if (dice < 86) {
                closeHold();
            } else if (dice < 94) {
                queueWaiter();
            } else if (dice < 96) {
                killSession();
            } else if (model.handles.size() < MAX_HANDLES) {
                counts.steps++;
                newHandle();
            } else {
                release(anyHandle());
            }
        }

        /** Releases everything, in random order, until nothing is held or queued. */
        private void drain() throws Exception {
            trace.add("-- drain");
            while (true) {
                List<Handle> held = new ArrayList<>();
                for (Handle handle : model.handles) {
                    if (handle.count > 0) {
                        held.add(handle);
                    }
                }
                if (held.isEmpty()) {
                    break;
                }
                Handle handle = held.get(random.nextInt(held.size()));
                Hold open = null;
                for (Hold hold : holds) {
                    if (hold.handle == handle && !hold.closed) {
                        open = hold;
                    }
                }
                if (open != null && random.nextBoolean()) {
                    close(open);
                } else {
                    release(handle);
                }
                step++;
                check();
            }
            assertThat(model.waiters).isEmpty();
            for (Handle handle : model.handles) {
                assertThat(handle.inFlight).isNull();
                assertThat(handle.lock.release()).as("release of %s after the drain", handle).isFalse();
            }
            for (Locker locker : lockers) {
                LockerStats stats = locker.stats();
                assertThat(stats.locksHeld()).as("locks held after the drain").isZero();
                assertThat(stats.connectionsInUse()).as("connections in use after the drain").isZero();
            }
        }

        private void acquire(Handle handle, Kind kind) throws Exception {
            counts.steps++;
            // What the call does: a single try, or a wait bounded by this timeout.
            Duration timeout = null;
            boolean tries;
            switch (kind) {
                case TRY:
                case ZERO_TIMEOUT:
                    tries = true;
                    break;
                case DEFAULT:
                case HOLD:
                    tries = !handle.blocking;
                    timeout = handle.timeout;
                    break;
                case BLOCKING:
                    tries = false;
                    timeout = handle.timeout;
                    break;
                case TIMED:
                case HOLD_TIMED:
                    tries = false;
                    timeout = Duration.ofMillis(pickTimeout());
                    break;
                default:
                    throw new AssertionError(kind);
            }

            boolean inFlight = handle.inFlight != null;
            boolean reentry = !inFlight && handle.count > 0;
            boolean heldAgainst = model.heldAgainst(handle);
            boolean queuedAgainst = model.queuedAgainst(handle);
            boolean expected = reentry || (!inFlight && !heldAgainst && !queuedAgainst);

            RECORDER.take();
            long start = System.nanoTime();
            boolean result;
            Reason thrown = null;
            HeldLock held = null;
            switch (kind) {
                case TRY:
                    result = handle.lock.acquire(false);
                    break;
                case ZERO_TIMEOUT:
                    result = handle.lock.acquire(Duration.ZERO);
                    break;
                case DEFAULT:
                    result = handle.lock.acquire();
                    break;
                case BLOCKING:
                    result = handle.lock.acquire(true);
                    break;
                case TIMED:
                    result = handle.lock.acquire(timeout);
                    break;
                default:
                    try {
                        held = kind == Kind.HOLD ? handle.lock.hold() : handle.lock.hold(timeout);
                        result = true;
                    } catch (AcquireFailure failure) {
                        result = false;
                        thrown = failure.reason();
                        assertThat(failure.lockName()).isEqualTo(handle.lock.name());
                        assertThat(failure.key()).isEqualTo(handle.key);
                    }
                    break;
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            Reason heard = RECORDER.take();
            String line = String.format("#%d %s %s%s -> %s (model %s%s%s%s)%s", step, handle, kind,
                    timeout == null || tries ? "" : " " + timeout.toMillis() + " ms", result, expected,
                    reentry ? ", re-entry" : "", inFlight ? ", in flight" : "",
                    heldAgainst ? ", held against" : queuedAgainst ? ", queued against" : "",
                    heard == null && thrown == null ? "" : " reason " + (thrown != null ? thrown : heard));
            trace.add(line);

            if (!expected && !result) {
                counts.refused++;
                if (inFlight) {
                    counts.inFlight++;
                } else if (queuedAgainst && !heldAgainst) {
                    counts.refusedByWaiter++;
                }
                // The reason: a try finds the lock taken; a wait times out, or (after the whole timeout)
                // found no connection. A handle whose own acquire is in flight never reaches the database.
                Reason reason = thrown != null ? thrown : heard;
                if (inFlight) {
                    assertThat(heard).as("listener on %s", line).isNull();
                    if (thrown != null) {
                        assertThat(thrown).as(line).isEqualTo(tries ? Reason.NOT_AVAILABLE : Reason.TIMEOUT);
                    }
                } else if (tries) {
                    assertThat(reason).as(line).isEqualTo(Reason.NOT_AVAILABLE);
                } else if (reason != Reason.TIMEOUT) {
                    assertThat(reason).as(line).isEqualTo(Reason.NO_CONNECTION);
                    assertThat(elapsed).as(line).isGreaterThanOrEqualTo(timeout);
                }
            } else if (expected && result) {
                if (reentry) {
                    counts.reentries++;
                    assertThat(heard).as("a re-entry is not reported: %s", line).isNull();
                } else {
                    counts.acquired++;
                    assertThat(heard).as("no failure heard: %s", line).isNull();
                }
                handle.count++;
                if (held != null) {
                    holds.add(new Hold(handle, held));
                }
            } else if (expected && !tries && !reentry && (thrown != null ? thrown : heard) == Reason.NO_CONNECTION
                    && elapsed.compareTo(timeout) >= 0) {
                counts.stalls++;
                trace.add("   (stall: no connection within " + timeout.toMillis() + " ms; allowed, counted)");
            } else {
                throw new AssertionError("result differs from the model: " + line);
            }
        }

        private void release(Handle handle) throws Exception {
            counts.steps++;
            List<Handle> granted = new ArrayList<>();
            boolean expected = model.release(handle, granted);
            boolean result = handle.lock.release();
            trace.add(String.format("#%d %s release -> %s (model %s%s)%s", step, handle, result, expected,
                    handle.inFlight != null ? ", in flight" : "", granted.isEmpty() ? "" : " grants " + granted));
            assertThat(result).as("release of %s", handle).isEqualTo(expected);
            awaitGranted(granted);
        }

        private void closeHold() throws Exception {
            if (holds.isEmpty()) {
                acquire(anyHandle(), Kind.HOLD_TIMED);
                return;
            }
            close(holds.get(random.nextInt(holds.size())));
        }

        private void close(Hold hold) throws Exception {
            counts.steps++;
            List<Handle> granted = new ArrayList<>();
            boolean wasClosed = hold.closed;
            if (!wasClosed) {
                model.release(hold.handle, granted);
                hold.closed = true;
            }
            hold.held.close();
            trace.add(String.format("#%d %s close hold%s%s", step, hold.handle, wasClosed ? " again (no effect)" : "",
                    granted.isEmpty() ? "" : " grants " + granted));
            awaitGranted(granted);
        }

        /** Starts an acquire that must wait, from a background thread, and sees it wait in pg_locks. */
        private void queueWaiter() throws Exception {
            List<Handle> candidates = new ArrayList<>();
            for (Handle handle : model.handles) {
                if (handle.count == 0 && handle.inFlight == null && !model.waiters.containsKey(handle.key)
                        && model.heldAgainst(handle)) {
                    candidates.add(handle);
                }
            }
            if (candidates.isEmpty()) {
                acquire(anyHandle(), Kind.TRY);
                return;
            }
            counts.steps++;
            counts.queued++;
            Handle waiter = candidates.get(random.nextInt(candidates.size()));
            waiter.inFlight = background.submit(() -> waiter.lock.acquire(BACKGROUND_TIMEOUT));
            model.waiters.put(waiter.key, waiter);
            trace.add(String.format("#%d %s queued in the background", step, waiter));
            long deadline = System.nanoTime() + SETTLE.toNanos();
            while (!serverLocks().equals(expectedLocks())) {
                if (System.nanoTime() > deadline || waiter.inFlight.isDone()) {
                    throw new AssertionError("the waiter never showed in pg_locks: expected " + expectedLocks()
                            + ", server has " + serverLocks() + (waiter.inFlight.isDone() ? ", acquire ended" : ""));
                }
                Thread.sleep(1);
            }
        }

        /**
         * Ends a random session that holds locks, as an administrator or a failing network would, then
         * lets the next use notice: every lock the session held is lost at once, no other.
         */
        private void killSession() throws Exception {
            List<Integer> lockerIndexes = new ArrayList<>();
            for (int i = 0; i < lockers.length; i++) {
                if (!lockers[i].heldLocks().isEmpty()) {
                    lockerIndexes.add(i);
                }
            }
            if (lockerIndexes.isEmpty()) {
                acquire(anyHandle(), Kind.TRY);
                return;
            }
            counts.steps++;
            int l = lockerIndexes.get(random.nextInt(lockerIndexes.size()));
            List<dev.pals.HeldLockInfo> held = lockers[l].heldLocks();
            int pid = held.get(random.nextInt(held.size())).backendPid();
            long onSession = held.stream().filter(info -> info.backendPid() == pid).count();
            long lostBefore = RECORDER.lost.get();
            dev.pals.testing.ServerView.terminate(pid);
            // The next use of each held handle of that Locker notices (the first that uses the dead session
            // reports every lock on it).
            List<Handle> lost = new ArrayList<>();
            for (Handle handle : model.handles) {
                if (handle.locker == l && handle.count > 0 && handle.inFlight == null && !handle.lock.confirmHeld()) {
                    lost.add(handle);
                }
            }
            for (Handle handle : model.handles) {
                if (handle.locker == l && handle.count > 0 && handle.inFlight == null && !lost.contains(handle)) {
                    assertThat(handle.lock.isHeld()).as("%s, on a live session", handle).isTrue();
                }
            }
            List<Handle> granted = new ArrayList<>();
            for (Handle handle : lost) {
                handle.count = 0;
                model.letGo(handle, granted);
            }
            counts.kills++;
            counts.lostLocks += lost.size();
            trace.add(String.format("#%d L%d session %d killed: lost %s%s", step, l, pid, lost,
                    granted.isEmpty() ? "" : ", grants " + granted));
            assertThat((long) lost.size()).as("locks lost with session %d", pid).isEqualTo(onSession);
            assertThat(RECORDER.lost.get() - lostBefore).as("lockLost events for session %d", pid).isEqualTo(onSession);
            awaitGranted(granted);
        }

        private void awaitGranted(List<Handle> granted) throws Exception {
            for (Handle waiter : granted) {
                counts.granted++;
                assertThat(waiter.inFlight.get(SETTLE.toMillis(), TimeUnit.MILLISECONDS))
                        .as("the queued acquire of %s, let in by this step", waiter).isTrue();
                waiter.inFlight = null;
            }
        }

        /**
         * After every step: hold counts, Locker stats, the rules of multiplexing and the server's pg_locks
         * agree with the model. A waiter moving from its process to the server, after its Locker's holder
         * let go, takes a moment: the server's side is given until {@link #SETTLE} to agree.
         */
        private void check() throws Exception {
            long deadline = System.nanoTime() + SETTLE.toNanos();
            while (true) {
                try {
                    checkOnce();
                    return;
                } catch (AssertionError e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(1);
                }
            }
        }

        private void checkOnce() throws SQLException {
            int[] held = new int[lockers.length];
            int[] waiting = new int[lockers.length];
            int[] waitingAtServer = new int[lockers.length];
            Map<String, Integer> holdersPerKey = new HashMap<>();
            for (Handle handle : model.handles) {
                int expectedCount = handle.inFlight != null ? 0 : handle.count;
                assertThat(handle.lock.holdCount()).as("hold count of %s", handle).isEqualTo(expectedCount);
                assertThat(handle.lock.isHeld()).as("isHeld of %s", handle).isEqualTo(expectedCount > 0);
                if (handle.count > 0) {
                    held[handle.locker]++;
                    holdersPerKey.merge(handle.locker + " " + handle.key, 1, Integer::sum);
                }
                if (handle.inFlight != null) {
                    waiting[handle.locker]++;
                    if (!model.waitsInProcess(handle)) {
                        waitingAtServer[handle.locker]++;
                    }
                }
            }
            for (int i = 0; i < lockers.length; i++) {
                LockerStats stats = lockers[i].stats();
                assertThat(stats.locksHeld()).as("locks held by L%d", i).isEqualTo(held[i]);
                assertThat(stats.waitingForLock()).as("acquires of L%d waiting for a lock", i).isEqualTo(waiting[i]);
                if (multiplexing[i]) {
                    // Sessions: a wait at the server has one of its own; shared holders of one key need one
                    // each; beyond that, locks share.
                    int most = 0;
                    for (Map.Entry<String, Integer> entry : holdersPerKey.entrySet()) {
                        if (entry.getKey().startsWith(i + " ")) {
                            most = Math.max(most, entry.getValue());
                        }
                    }
                    assertThat(stats.connectionsInUse()).as("connections L%d uses", i)
                            .isBetween(waitingAtServer[i] + most, held[i] + waitingAtServer[i]);
                } else {
                    assertThat(stats.connectionsInUse()).as("connections L%d uses", i).isEqualTo(held[i] + waiting[i]);
                }
                // Rule 1: a session holds each key at most once, in either mode.
                java.util.Set<String> keyOnSession = new java.util.HashSet<>();
                for (dev.pals.HeldLockInfo info : lockers[i].heldLocks()) {
                    assertThat(keyOnSession.add(info.key() + " on " + info.backendPid()))
                            .as("L%d holds %s twice on one session: %s", i, info.key(), lockers[i].heldLocks()).isTrue();
                }
            }
            assertThat(serverLocks()).as("pg_locks after step %d", step).isEqualTo(expectedLocks());
            // Rule 2: a wait at the server runs on a session that holds nothing.
            java.util.Set<Integer> waitingPids = new java.util.HashSet<>(serverPids(false));
            waitingPids.retainAll(serverPids(true));
            assertThat(waitingPids).as("sessions that wait at the server while holding locks").isEmpty();
        }

        /** What pg_locks should show for this sequence's keys: "key mode granted" -> rows. */
        private Map<String, Integer> expectedLocks() {
            Map<String, Integer> rows = new TreeMap<>();
            for (Handle handle : model.handles) {
                if (handle.count > 0) {
                    rows.merge(row(handle.key, handle.mode, true), 1, Integer::sum);
                }
            }
            for (Handle waiter : model.waiters.values()) {
                if (!model.waitsInProcess(waiter)) {
                    rows.merge(row(waiter.key, waiter.mode, false), 1, Integer::sum);
                }
            }
            return rows;
        }

        /** Backends holding ({@code granted}) or awaiting one of this sequence's keys. */
        private List<Integer> serverPids(boolean granted) throws SQLException {
            List<Integer> pids = new ArrayList<>();
            try (ResultSet rs = advisoryLocks.executeQuery()) {
                while (rs.next()) {
                    long high = rs.getLong(1);
                    long low = rs.getLong(2);
                    LockKey key = rs.getInt(3) == 2 ? LockKey.of((int) high, (int) low) : LockKey.of((high << 32) | low);
                    if (keys.contains(key) && rs.getBoolean(5) == granted) {
                        pids.add(rs.getInt(6));
                    }
                }
            }
            return pids;
        }

        private Map<String, Integer> serverLocks() throws SQLException {
            Map<String, Integer> rows = new TreeMap<>();
            try (ResultSet rs = advisoryLocks.executeQuery()) {
                while (rs.next()) {
                    long high = rs.getLong(1);
                    long low = rs.getLong(2);
                    LockKey key = rs.getInt(3) == 2 ? LockKey.of((int) high, (int) low) : LockKey.of((high << 32) | low);
                    int k = keys.indexOf(key);
                    if (k >= 0) {
                        LockMode mode = "ShareLock".equals(rs.getString(4)) ? LockMode.SHARED : LockMode.EXCLUSIVE;
                        rows.merge(row(key, mode, rs.getBoolean(5)), 1, Integer::sum);
                    }
                }
            }
            return rows;
        }

        private String row(LockKey key, LockMode mode, boolean granted) {
            return keyLabels.get(keys.indexOf(key)) + " " + mode.label() + (granted ? " granted" : " waiting");
        }
    }

    /** Hears the reason of each failed acquire, on the thread that made it. */
    private static final class Recorder implements LockListener {
        private final ThreadLocal<Reason> last = new ThreadLocal<>();
        final java.util.concurrent.atomic.AtomicLong lost = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public void lockLost(LockInfo lock, Duration held, Throwable cause) {
            lost.incrementAndGet();
        }

        @Override
        public void acquireFailed(LockInfo lock, Reason reason, Duration waited, Throwable cause) {
            last.set(Objects.requireNonNull(reason));
        }

        /** The reason heard since the last call on this thread, or null. */
        Reason take() {
            Reason reason = last.get();
            last.remove();
            return reason;
        }
    }

    /** What the run went through. */
    private static final class Counts {
        long steps;
        long acquired;
        long reentries;
        long refused;
        long refusedByWaiter;
        long inFlight;
        long queued;
        long granted;
        long stalls;
        long kills;
        long lostLocks;

        @Override
        public String toString() {
            return String.format("%d steps: %d acquired, %d re-entries, %d refused (%d of them for a queued waiter"
                    + " only, %d on a handle with an acquire in flight), %d waiters queued and %d let in by a release,"
                    + " %d stalls, %d sessions killed with %d locks", steps, acquired, reentries, refused, refusedByWaiter,
                    inFlight, queued, granted, stalls, kills, lostLocks);
        }
    }
}
