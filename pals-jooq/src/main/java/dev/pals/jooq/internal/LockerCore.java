package dev.pals.jooq.internal;

import dev.pals.AcquireFailure.Reason;
import dev.pals.HeldLockInfo;
import dev.pals.LockInfo;
import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.LockerStats;
import dev.pals.PalsException;
import dev.pals.internal.Text;
import dev.pals.internal.Timeouts;
import java.lang.System.Logger.Level;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What a Locker does with its sessions: decides where each lock is taken, takes and drops it there,
 * tells when a session and its locks are lost, and ends everything on close. It knows the grants it
 * made (one per lock held on the server) and the sessions they live on, never the lock handles, which
 * must stay collectable: a handle hears of its lock's loss through the {@link GrantOwner} it gave.
 *
 * <h2>Where a lock is taken (multiplexing)</h2>
 * Many locks share a session, under rules that keep them exactly as exclusive as one session per lock:
 * <ol>
 *   <li>A session holds each key at most once, in either mode (PostgreSQL grants a session's repeat
 *       request at once, ahead of any waiter). Requests for one key are arbitrated here first, in
 *       order: one that conflicts with a holder in this Locker, or comes after another request for the
 *       key, never goes to the server; a try says no at once, a blocking acquire waits here, pinning no
 *       session, and competes at the server when its turn comes. A shared request beside shared
 *       holders here goes to a session that does not hold the key.</li>
 *   <li>A blocking wait at the server runs only on a session that holds nothing: first a try on a
 *       session in use, then, if the caller waits, the wait on an empty session, which then holds the
 *       lock and takes tries for other locks.</li>
 *   <li>So a session that holds locks only ever runs short statements: a release waits behind at most
 *       one of them.</li>
 *   <li>A session that holds nothing goes back to its source (reset there), so the pool size bounds
 *       sessions, not locks.</li>
 *   <li>A lost session takes all its locks with it: each is reported lost at once.</li>
 * </ol>
 * Without multiplexing, every grant has a session of its own, as in Python PALs.
 */
public final class LockerCore {
    private static final System.Logger LOG = System.getLogger("dev.pals.jooq");
    /** {@link #acquire} waits without limit. */
    public static final long FOREVER = Long.MAX_VALUE;
    /** How often close asks the server again to cancel a statement still running. */
    private static final long CANCEL_REPEAT_MILLIS = 50;

    /** The handle side of a grant: told when it is lost. */
    public interface GrantOwner {
        /**
         * The grant's session ended while it was held: the lock is gone. Called once, without any lock
         * of the core held; the core has already dropped the grant.
         */
        void lost(Grant grant);

        /** The lock's own lost-lock callbacks, run after the listener hears of the loss. */
        Iterable<java.util.function.Consumer<? super LockInfo>> lostCallbacks();
    }

    private final SessionSource source;
    private final Events events;
    private final boolean multiplexing;
    private final int networkTimeoutMillis;
    /** Checks the sessions that hold locks; null until asked for (a check interval, or {@link #watchSessions}). */
    private volatile SessionWatchdog watchdog;
    private final Duration pingTimeout;
    private final String name;
    /** Where fencing tokens are kept, or null if the Locker has no fencing table set. */
    private final AdvisorySql.Fencing fencing;
    /** Whether to create the table of fencing tokens before the first fenced acquire (then done). */
    private volatile boolean createFencingTable;
    private final ReentrantLock mutex = new ReentrantLock();
    // Guarded by mutex.
    private final List<Slot> slots = new ArrayList<>();
    private final Map<LockKey, KeyQueue> keys = new HashMap<>();
    private int grants;
    private int waitingHere;
    /** The server the sessions are on ({@link LockSession#serverIdentity()}); a change is a failover or restart. */
    private String serverIdentity;
    private volatile boolean closed;
    private final AtomicInteger waitingAtServer = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong locksLost = new java.util.concurrent.atomic.AtomicLong();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch closeDone = new CountDownLatch(1);

    /**
     * @param listener already guarded per listener (see {@code LockListener.composite}), or NONE
     * @param onLockLost called once for every lost lock, or null
     * @param multiplexing whether locks share sessions
     * @param watchInterval how often the watchdog checks every session that holds locks; zero: never
     * @param pingTimeout the network timeout of one check
     * @param networkTimeout the base network timeout of every call; close's bound
     * @param fencingTable the table of fencing tokens ({@code table} or {@code schema.table})
     * @param createFencingTable whether to create it (if it does not exist) before the first fenced acquire
     * @param name for thread names
     */
    public LockerCore(SessionSource source, dev.pals.LockListener listener,
            java.util.function.Consumer<? super LockInfo> onLockLost, boolean multiplexing, Duration watchInterval,
            Duration pingTimeout, Duration networkTimeout, String fencingTable, boolean createFencingTable,
            String name) {
        this.source = source;
        this.fencing = AdvisorySql.fencing(fencingTable);
        this.createFencingTable = createFencingTable;
        this.events = new Events(listener, onLockLost);
        this.multiplexing = multiplexing;
        this.networkTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, networkTimeout.toMillis());
        this.pingTimeout = pingTimeout;
        this.name = name;
        this.watchdog = watchInterval.isZero() ? null : newWatchdog(watchInterval);
    }

    private SessionWatchdog newWatchdog(Duration interval) {
        return new SessionWatchdog(interval, (int) Math.max(1, pingTimeout.toMillis()), name, this::holdingSessions,
                this::sessionDied);
    }

    /**
     * Makes sure the sessions that hold locks are checked, at least every {@code interval}: for a lock whose
     * loss must be noticed soon even though the Locker has no check interval of its own (a leader's).
     */
    public void watchSessions(Duration interval) {
        mutex.lock();
        try {
            checkOpen();
            if (watchdog == null) {
                watchdog = newWatchdog(interval);
            }
        } finally {
            mutex.unlock();
        }
    }

    public void checkOpen() {
        if (closed) {
            throw closedException();
        }
    }

    private static IllegalStateException closedException() {
        return new IllegalStateException("this Locker is closed");
    }

    public boolean isClosed() {
        return closed;
    }

    // ---------------------------------------------------------------------------------------------
    // Acquire

    /**
     * Takes {@code key} in {@code mode}: one try if not {@code wait}, otherwise a wait bounded by the
     * server. Waiting for a session, and here behind other handles, counts against {@code budgetNanos}.
     *
     * @param info what the listener is told about
     * @param wait whether to wait for the lock; a try still waits up to {@code budgetNanos} for a session
     * @param budgetNanos the whole budget, {@link #FOREVER} for none; at least 1 ms when waiting
     * @param startNanos when the caller started
     * @throws IllegalStateException if the Locker is or gets closed
     */
    public Outcome acquire(LockInfo info, LockKey key, LockMode mode, boolean fenced, boolean wait, long budgetNanos,
            long startNanos, GrantOwner owner) {
        checkOpen();
        events.acquireStarted(info);
        Outcome outcome = take(info, key, mode, fenced, wait, budgetNanos, startNanos, owner);
        if (outcome.grant() != null) {
            try {
                events.acquired(info, outcome.waitedNanos);
            } catch (VirtualMachineError fatal) {
                release(outcome.grant());
                throw fatal;
            }
        } else {
            events.acquireFailed(info, outcome.reason, outcome.waitedNanos, outcome.cause);
        }
        return outcome;
    }

    private Outcome take(LockInfo info, LockKey key, LockMode mode, boolean fenced, boolean wait, long budgetNanos,
            long start, GrantOwner owner) {
        long deadline = budgetNanos == FOREVER ? FOREVER : start + budgetNanos;
        KeyQueue queue = null;
        Slot slot = null;
        boolean reserved = false;
        mutex.lock();
        try {
            checkOpen();
            if (multiplexing) {
                queue = keys.computeIfAbsent(key, k -> new KeyQueue());
                if (!queue.admits(mode)) {
                    if (!wait) {
                        forgetIfIdle(key, queue);
                        return Outcome.failed(Reason.NOT_AVAILABLE, null, null, start);
                    }
                    Outcome failure = awaitTurn(key, queue, mode, deadline, start);
                    if (failure != null) {
                        return failure;
                    }
                }
                queue.inFlight = true;
                slot = slotForTry(queue);
                if (slot != null) {
                    slot.inFlight++;
                    reserved = slot.session.isHeldByCurrentThread();
                }
            }
        } finally {
            mutex.unlock();
        }
        try {
            if (slot != null) {
                Outcome tried = tryOn(slot, reserved, info, key, mode, fenced, queue, owner, start, deadline);
                if (tried == NOT_FREE && !wait) {
                    return Outcome.failed(Reason.NOT_AVAILABLE, null, null, start);
                }
                if (tried != null && tried != NOT_FREE) {
                    return tried;
                }
            }
            return takeOnOwnSession(info, key, mode, fenced, wait, deadline, queue, owner, start);
        } catch (NoSession none) {
            return none.outcome;
        } finally {
            if (queue != null) {
                mutex.lock();
                try {
                    queue.inFlight = false;
                    wakeNext(queue);
                    forgetIfIdle(key, queue);
                } finally {
                    mutex.unlock();
                }
            }
        }
    }

    /**
     * Waits here until {@code mode} is the first request for the key and fits beside its holders.
     *
     * @return null when it may go on; a failure otherwise
     */
    private Outcome awaitTurn(LockKey key, KeyQueue queue, LockMode mode, long deadline, long start) {
        Waiter waiter = new Waiter(mode, mutex.newCondition());
        queue.waiters().add(waiter);
        waitingHere++;
        try {
            while (!(queue.waiters.peekFirst() == waiter && queue.fits(mode))) {
                if (closed) {
                    throw closedException();
                }
                if (deadline == FOREVER) {
                    waiter.turn.await();
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return Outcome.failed(Reason.TIMEOUT, null, null, start);
                    }
                    waiter.turn.awaitNanos(left);
                }
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.failed(Reason.INTERRUPTED, null, e, start);
        } finally {
            boolean first = queue.waiters.peekFirst() == waiter;
            queue.waiters.remove(waiter);
            waitingHere--;
            if (!(first && queue.fits(mode)) || closed) {
                // Not going on: whoever is first now may fit (a timed-out first waiter makes way).
                wakeNext(queue);
                forgetIfIdle(key, queue);
            }
        }
    }

    /**
     * A session in use for an immediate try: one that does not hold the key, is not reserved for a
     * wait, and nobody uses right now, taken for the calling thread ({@link LockSession#tryUse()}), so
     * that the try does not queue behind another statement. While the pool has room, only the session on
     * which the calling thread took its latest lock there: a thread's locks pack onto its session, and
     * threads do not hop between each other's backends (hopping cost about a fifth more CPU per cycle, client
     * and server, at 4 threads; benchmarks, case 8); none such: null, and a session of its own. Such a
     * session holding {@link #CROWDED} locks or more takes no more meanwhile: PostgreSQL walks a session's
     * local lock table at the end of every transaction, so each statement on it costs the server time per
     * lock it holds (benchmarks, case 9). Once the pool is full, any of them: the idle one holding the
     * fewest locks (which spreads them evenly over the pool), else the least busy one, to queue on. Under
     * mutex; only ever tries a session's lock, never waits for it.
     */
    private Slot slotForTry(KeyQueue queue) {
        int max = source.maxSessions();
        boolean full = max > 0 && slots.size() >= max;
        Thread caller = Thread.currentThread();
        Slot busy = null;
        Slot idlest = null;
        for (Slot candidate : slots) {
            if (candidate.reserved || candidate.gone || candidate.grants == 0 || queue.heldOn(candidate)
                    || candidate.session.isLost()
                    || (!full && (candidate.lastGrantee != caller || candidate.grants >= CROWDED))) {
                continue;
            }
            if (candidate.inFlight == 0) {
                if (full) {
                    if (idlest == null || candidate.grants < idlest.grants) {
                        idlest = candidate;
                    }
                    continue;
                }
                if (candidate.session.tryUse()) {
                    return candidate;
                }
            }
            if (busy == null || candidate.inFlight < busy.inFlight) {
                busy = candidate;
            }
        }
        if (!full) {
            return null;
        }
        if (idlest != null && idlest.session.tryUse()) {
            return idlest;
        }
        return busy != null ? busy : idlest;
    }

    /** Locks on one session past which it takes no more while the pool has room (see {@link #slotForTry}). */
    static final int CROWDED = 1_000;

    /** {@link #tryOn}: the lock was not free. */
    private static final Outcome NOT_FREE = new Outcome(Reason.NOT_AVAILABLE, null, null, 0);

    /**
     * One try on a session in use.
     *
     * @return the outcome; {@link #NOT_FREE} if the lock was not free (the caller may wait for it on a
     *     session of its own); null if the session turned out lost (its locks are reported; the caller
     *     goes on with a session of its own)
     */
    private Outcome tryOn(Slot slot, boolean reserved, LockInfo info, LockKey key, LockMode mode, boolean fenced,
            KeyQueue queue, GrantOwner owner, long start, long deadline) {
        long token = 0;
        SQLException failure = null;
        try {
            token = tryAt(slot.session, key, mode, fenced, networkTimeoutMillis);
        } catch (SQLException e) {
            failure = e;
        } finally {
            if (reserved) {
                slot.session.endUse();
            }
        }
        if (token != 0) {
            return granted(slot, info, key, mode, token, queue, owner, start);
        }
        finished(slot);
        return failure != null ? failedOnShared(slot, key, mode, failure, start, deadline) : NOT_FREE;
    }

    /** A statement routed to {@code slot} is done without a grant: the slot goes back if that left it idle. */
    private void finished(Slot slot) {
        finished(slot, Deadline.NONE);
    }

    /** {@link #finished(Slot)}, with a reset on the way back bounded by {@code deadline} (an acquire's bound). */
    private void finished(Slot slot, long deadline) {
        Slot idle;
        mutex.lock();
        try {
            slot.inFlight--;
            slot.reserved = false;
            idle = detachIfIdle(slot);
        } finally {
            mutex.unlock();
        }
        if (idle != null) {
            giveBack(idle, deadline);
        }
    }

    /**
     * A try on a shared session failed. If the session is gone, its locks are reported lost and, while the
     * budget lasts, the acquire goes on as if it had found no session (null): noticing a dead path took up to
     * a network timeout, and a fresh session may take another, so past the deadline the failure is the answer
     * (an acquire ends within its budget plus one network timeout). Otherwise the failure is the answer, after
     * making sure the failed statement left nothing held there.
     */
    private Outcome failedOnShared(Slot slot, LockKey key, LockMode mode, SQLException e, long start, long deadline) {
        if (slot.session.isLost()) {
            sessionLost(slot, e);
            return deadline != FOREVER && System.nanoTime() - deadline >= 0 ? failure(e, start) : null;
        }
        if (!SqlStates.tookNothing(e)) {
            settle(slot, key, mode);
        }
        return failure(e, start);
    }

    /**
     * A statement about {@code key} failed on a session that holds other locks, so it may or may not
     * have taken the key: drop it if it did. If even that fails, end the session (its other locks are
     * reported lost) rather than leave a lock behind that nobody knows of.
     */
    private void settle(Slot slot, LockKey key, LockMode mode) {
        try {
            slot.session.dropIfHeld(key, mode, false);
        } catch (SQLException again) {
            LOG.log(Level.WARNING, "a lock session is in doubt about a lock and cannot tell; ending it", again);
            slot.session.abort();
            sessionLost(slot, again);
        }
    }

    /** Takes the lock on a session of its own: an empty one in use, or a new one from the source. */
    private Outcome takeOnOwnSession(LockInfo info, LockKey key, LockMode mode, boolean fenced, boolean wait,
            long deadline, KeyQueue queue, GrantOwner owner, long start) throws NoSession {
        // Whatever the steps take — a place, a connection, its checks, the statements — the acquire ends by its
        // budget plus one network timeout.
        long bound = deadline == FOREVER ? Deadline.NONE : deadline + TimeUnit.MILLISECONDS.toNanos(networkTimeoutMillis);
        Slot slot = borrowSlot(wait, deadline, bound, start);
        int tryMillis = Deadline.millisLeft(bound, networkTimeoutMillis);
        if (tryMillis == 0) {
            finished(slot, bound);
            return Outcome.failed(Reason.CONNECT_FAILED, "to " + source.target() + " (getting a session took all of the "
                    + "acquire's bound, its timeout + networkTimeout)", null, start);
        }
        long token = 0;
        SQLException failure = null;
        SQLException interrupted = null;
        long left = deadline == FOREVER ? FOREVER : deadline - System.nanoTime();
        try {
            // A try first: a free lock costs the server no more than that. For a wait whose budget is
            // spent, its one try.
            token = tryAt(slot.session, key, mode, fenced, tryMillis);
            if (token == 0 && wait && left > 0) {
                if (Thread.currentThread().isInterrupted()) {
                    finished(slot, bound);
                    return Outcome.failed(Reason.INTERRUPTED, null, null, start);
                }
                left = deadline == FOREVER ? FOREVER : deadline - System.nanoTime();
                waitingAtServer.incrementAndGet();
                InterruptWatcher.Watch watch = InterruptWatcher.start(slot.session);
                try {
                    token = waitAt(slot.session, key, mode, fenced,
                            left == FOREVER ? 0 : Timeouts.lockTimeoutMillis(Math.max(1, left)));
                } catch (SQLException e) {
                    if (watch.cancelled() && SqlStates.QUERY_CANCELED.equals(e.getSQLState())) {
                        // The cancel was ours, for the caller's interrupt. (A grant that raced it went back with
                        // the session's reset: the session held nothing else.)
                        interrupted = e;
                    }
                    throw e;
                } finally {
                    InterruptWatcher.end(watch);
                    waitingAtServer.decrementAndGet();
                }
            }
        } catch (SQLException e) {
            failure = e;
        }
        if (token != 0) {
            return granted(slot, info, key, mode, token, queue, owner, start);
        }
        if (failure != null && slot.session.isLost()) {
            sessionLost(slot, failure);
        }
        finished(slot, bound);
        if (closed) {
            throw closedException();
        }
        if (interrupted != null) {
            return Outcome.failed(Reason.INTERRUPTED, null, interrupted, start);
        }
        if (failure != null) {
            return failure(failure, start);
        }
        return Outcome.failed(wait ? Reason.TIMEOUT : Reason.NOT_AVAILABLE, null, null, start);
    }

    /**
     * A new session of its own for a lock, waiting for a place up to the deadline; its statement is
     * counted in flight, and it is reserved if it will wait.
     *
     * @throws NoSession with the failure if none came
     */
    private Slot borrowSlot(boolean wait, long deadline, long bound, long start) throws NoSession {
        if (Thread.currentThread().isInterrupted()) {
            throw new NoSession(Outcome.failed(Reason.INTERRUPTED, null, null, start));
        }
        long timeout = deadline == FOREVER ? SessionSource.FOREVER : Math.max(0, deadline - System.nanoTime());
        LockSession session;
        try {
            session = source.borrow(timeout, bound);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            checkOpen();
            throw new NoSession(Outcome.failed(Reason.INTERRUPTED, null, e, start));
        } catch (UnsuitableConnectionException e) {
            checkOpen();
            throw new NoSession(Outcome.failed(Reason.UNSUITABLE_CONNECTION, "(" + e.getMessage() + ")", e, start));
        } catch (SQLException e) {
            checkOpen();
            if (Thread.currentThread().isInterrupted()) {
                throw new NoSession(Outcome.failed(Reason.INTERRUPTED, null, e, start));
            }
            if (SqlStates.OUT_OF_SHARED_MEMORY.equals(e.getSQLState())) {
                // A full lock table refuses new sessions too.
                throw new NoSession(failure(e, start));
            }
            if (!SqlStates.fromServerOrDriver(e)) {
                // A pool's own refusal, such as its acquisition timeout: no connection in time.
                throw new NoSession(Outcome.failed(Reason.NO_CONNECTION,
                        "from " + source.target() + " (" + SqlStates.summary(e) + ")", e, start));
            }
            throw new NoSession(Outcome.failed(Reason.CONNECT_FAILED,
                    "to " + source.target() + " (" + SqlStates.summary(e) + ")",
                    e, start));
        }
        if (session == null) {
            checkOpen();
            throw new NoSession(Outcome.failed(Reason.NO_CONNECTION, "within " + describeBudget(deadline, start), null,
                    start));
        }
        Slot slot = new Slot(session);
        List<Slot> onOldServer = null;
        boolean registered = false;
        mutex.lock();
        try {
            if (!closed) {
                slot.inFlight = 1;
                slot.reserved = wait;
                onOldServer = adoptServer(session.serverIdentity());
                slots.add(slot);
                registered = true;
            }
        } finally {
            mutex.unlock();
        }
        if (registered) {
            if (onOldServer != null) {
                serverChanged(onOldServer, session.serverIdentity());
            }
            return slot;
        }
        // Closed while borrowing: close() never saw this session.
        session.abort();
        events.connectionReset(source.giveBack(session));
        throw closedException();
    }

    /**
     * A new session is on {@code identity}: if that is not the server the Locker's sessions were on, the
     * server changed under the same address (a failover, or a restart), and the sessions on the old one
     * are returned, to be reported lost. Under mutex.
     */
    private List<Slot> adoptServer(String identity) {
        if (identity == null || identity.equals(serverIdentity)) {
            return null;
        }
        String old = serverIdentity;
        serverIdentity = identity;
        if (old == null) {
            return null;
        }
        List<Slot> stale = new ArrayList<>();
        for (Slot slot : slots) {
            if (!identity.equals(slot.session.serverIdentity())) {
                stale.add(slot);
            }
        }
        return stale;
    }

    /** The server changed: every lock on the old one is lost, even if its session still answers. */
    private void serverChanged(List<Slot> stale, String identity) {
        LOG.log(Level.WARNING, "the server at " + source.target() + " changed (now " + identity + "): a failover or a "
                + "restart; the locks held on the old one are lost");
        PalsException cause = new PalsException("the server changed under the same address (now " + identity
                + "): a failover or a restart");
        for (Slot slot : stale) {
            slot.session.abort();
            sessionLost(slot, cause);
        }
    }

    /** No session came for a lock: the outcome says why. Carries no stack trace (an ordinary "no"). */
    private static final class NoSession extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Outcome outcome;

        NoSession(Outcome outcome) {
            super(null, null, false, false);
            this.outcome = outcome;
        }
    }

    private static String describeBudget(long deadline, long start) {
        return deadline == FOREVER ? "forever" : TimeUnit.NANOSECONDS.toMillis(deadline - start) + " ms";
    }

    /** What {@link #tryAt} and {@link #waitAt} return for a grant without a fencing token. */
    private static final long UNFENCED = -1;

    /**
     * How long a fenced try waits for its key's token row, held by a transaction that checked the previous
     * token and has not ended (a holder that let go, or lost its lock, before its fenced work committed). A
     * try does not wait for that work: the lock is not free until it ends. A blocking acquire waits for it
     * in its wait at the server, within its timeout.
     */
    private static final long TRY_ROW_WAIT_MILLIS = 1;

    /**
     * One try: the grant's fencing token ({@link #UNFENCED} without fencing), or 0 if the lock was not free. It
     * answers within {@code timeoutMillis} (at most the network timeout; a fenced try within 1 ms more).
     */
    private long tryAt(LockSession session, LockKey key, LockMode mode, boolean fenced, int timeoutMillis)
            throws SQLException {
        if (!fenced) {
            return session.tryLock(key, mode, timeoutMillis) ? UNFENCED : 0;
        }
        prepareFencing(session);
        return session.tryLockFenced(fencing, key, TRY_ROW_WAIT_MILLIS, timeoutMillis);
    }

    /** A wait at the server: the grant's fencing token ({@link #UNFENCED} without fencing). */
    private long waitAt(LockSession session, LockKey key, LockMode mode, boolean fenced, long lockTimeoutMillis)
            throws SQLException {
        if (!fenced) {
            session.lock(key, mode, lockTimeoutMillis);
            return UNFENCED;
        }
        prepareFencing(session);
        return session.lockFenced(fencing, key, lockTimeoutMillis);
    }

    /** Creates the table of fencing tokens once, if asked to (concurrent creations elsewhere are fine). */
    private void prepareFencing(LockSession session) throws SQLException {
        if (createFencingTable) {
            try {
                session.createFencingTable(fencing);
            } catch (SQLException e) {
                // Two creators at once: one of them sees its catalog row taken (23505) or the table made (42P07).
                if (!"23505".equals(e.getSQLState()) && !"42P07".equals(e.getSQLState())) {
                    throw e;
                }
            }
            createFencingTable = false;
        }
    }

    /** The lock is held on {@code slot}, where a statement was in flight: records the grant. */
    private Outcome granted(Slot slot, LockInfo info, LockKey key, LockMode mode, long token, KeyQueue queue,
            GrantOwner owner, long start) {
        long now = System.nanoTime();
        Grant grant = new Grant(key, mode, info, owner, slot, now, now - start, token == UNFENCED ? 0 : token);
        mutex.lock();
        try {
            slot.inFlight--;
            slot.reserved = false;
            if (!slot.gone && !closed) {
                slot.add(grant);
                slot.lastGrantee = Thread.currentThread();
                if (queue != null) {
                    queue.add(grant);
                }
                grants++;
                return grant;
            }
        } finally {
            mutex.unlock();
        }
        // The session was found dead, or the Locker closed, as the lock was granted: it ended with them.
        checkOpen();
        return Outcome.failed(Reason.CONNECTION_LOST, "to " + source.target(), slot.session.lostCause(), start);
    }

    private Outcome failure(SQLException e, long start) {
        Reason reason = SqlStates.reasonOf(e);
        String detail;
        switch (reason) {
            case CONNECTION_LOST:
                detail = "to " + source.target();
                break;
            case CANCELED:
                detail = "(SQLSTATE 57014: a statement_timeout or an administrator's pg_cancel_backend ended the wait)";
                break;
            case LOCK_TABLE_FULL:
                detail = "(SQLSTATE 53200: the server's lock table, about max_locks_per_transaction × max_connections "
                        + "entries for all sessions, is full; raise max_locks_per_transaction)";
                break;
            case SERVER_ERROR:
                detail = "42P01".equals(e.getSQLState()) && e.getMessage() != null && e.getMessage().contains(
                        fencing.table().replace("\"", "")) ? "(SQLSTATE 42P01: the table of fencing tokens " + fencing.table()
                        + " does not exist: create it (JooqLocker.fencingTable().ddl() gives the statement) or set"
                        + " createFencingTable(true))"
                        : "(SQLSTATE " + e.getSQLState() + ": " + SqlStates.summary(e) + ")";
                break;
            default:
                detail = null;
        }
        return Outcome.failed(reason, detail, e, start);
    }

    // ---------------------------------------------------------------------------------------------
    // Release, confirm, loss

    /**
     * Unlocks a grant on its session; the session goes back if it now holds nothing.
     *
     * @return whether the lock was held until now: false if the Locker was closed (which released it)
     *     or the session was lost
     */
    public boolean release(Grant grant) {
        Slot slot = grant.slot;
        mutex.lock();
        try {
            if (closed || grant.dropped) {
                return false;
            }
            slot.inFlight++;
        } finally {
            mutex.unlock();
        }
        boolean released;
        SQLException failure = null;
        try {
            released = slot.session.unlock(grant.key, grant.mode);
        } catch (SQLException e) {
            released = false;
            failure = e;
        }
        if (failure != null && !slot.session.isLost()) {
            // In doubt whether the unlock took: try once more, else end the session (which releases it).
            LOG.log(Level.WARNING, "releasing a lock failed; trying once more", failure);
            try {
                slot.session.dropIfHeld(grant.key, grant.mode, true);
                released = true;
                failure = null;
            } catch (SQLException again) {
                failure = again;
                slot.session.abort();
            }
        }
        boolean ours;
        Slot idle = null;
        mutex.lock();
        try {
            slot.inFlight--;
            ours = failure == null && !grant.dropped && !closed;
            if (ours) {
                drop(grant);
                idle = detachIfIdle(slot);
            }
        } finally {
            mutex.unlock();
        }
        if (!ours) {
            if (failure != null) {
                // The session is gone (or was ended): every lock on it, this one included, is lost.
                sessionLost(slot, failure);
            }
            return false;
        }
        if (idle != null) {
            giveBack(idle);
        }
        if (!released) {
            LOG.log(Level.WARNING, "Lock \"" + Text.shorten(grant.info.name()) + "\": the server said its session did "
                    + "not hold it at release");
            return false;
        }
        events.released(grant.info, System.nanoTime() - grant.acquiredAtNanos);
        return true;
    }

    /** Whether the server says the grant's session holds it right now; false if it cannot say. */
    public boolean confirm(Grant grant) {
        if (closed || grant.dropped) {
            return false;
        }
        Slot slot = grant.slot;
        try {
            return slot.session.holds(grant.key, grant.mode);
        } catch (SQLException e) {
            if (slot.session.isLost()) {
                sessionLost(slot, e);
            } else {
                LOG.log(Level.WARNING, "confirming a lock with the server failed", e);
            }
            return false;
        }
    }

    /** The watchdog found {@code session} dead. */
    private void sessionDied(LockSession session) {
        Slot dead = null;
        mutex.lock();
        try {
            for (Slot slot : slots) {
                if (slot.session == session) {
                    dead = slot;
                }
            }
        } finally {
            mutex.unlock();
        }
        if (dead != null) {
            sessionLost(dead, session.lostCause());
        }
    }

    /**
     * A session is gone: every lock it held is lost. Drops them all, gives the session back to be
     * destroyed, and reports each lock once. Whoever notices first reports; later calls do nothing.
     */
    private void sessionLost(Slot slot, Throwable cause) {
        List<Grant> lost = new ArrayList<>();
        mutex.lock();
        try {
            if (slot.gone || closed) {
                return;
            }
            slot.gone = true;
            slots.remove(slot);
            for (Grant grant = slot.first; grant != null; grant = grant.nextOnSlot) {
                lost.add(grant);
            }
            for (Grant grant : lost) {
                drop(grant);
            }
        } finally {
            mutex.unlock();
        }
        locksLost.addAndGet(lost.size());
        // Abort first: a statement of another thread on it ends at once instead of holding the reset up.
        slot.session.abort();
        events.connectionReset(source.giveBack(slot.session));
        VirtualMachineError fatal = null;
        long now = System.nanoTime();
        for (Grant grant : lost) {
            long heldNanos = now - grant.acquiredAtNanos;
            LOG.log(Level.WARNING, "Lock \"" + Text.shorten(grant.info.name()) + "\" (" + grant.mode.label()
                    + ") was lost after " + TimeUnit.NANOSECONDS.toMillis(heldNanos) + " ms: its database session ended");
            try {
                grant.owner.lost(grant);
                events.lockLost(grant.info, heldNanos, cause, grant.owner.lostCallbacks());
            } catch (VirtualMachineError e) {
                fatal = fatal != null ? fatal : e;
            }
        }
        if (fatal != null) {
            throw fatal;
        }
    }

    /** Removes a grant from its session and its key; wakes the next request for the key. Under mutex. */
    private void drop(Grant grant) {
        grant.dropped = true;
        grant.slot.remove(grant);
        grants--;
        KeyQueue queue = multiplexing ? keys.get(grant.key) : null;
        if (queue != null) {
            queue.remove(grant);
            wakeNext(queue);
            forgetIfIdle(grant.key, queue);
        }
    }

    private void wakeNext(KeyQueue queue) {
        Waiter first = queue.waiters == null ? null : queue.waiters.peekFirst();
        if (first != null && queue.fits(first.mode)) {
            first.turn.signal();
        }
    }

    private void forgetIfIdle(LockKey key, KeyQueue queue) {
        if (queue.isIdle()) {
            keys.remove(key, queue);
        }
    }

    /** {@code slot} if it now holds nothing and nobody uses it: removed, for the caller to give back. Under mutex. */
    private Slot detachIfIdle(Slot slot) {
        if (slot.grants == 0 && slot.inFlight == 0 && !slot.reserved && !slot.gone) {
            slot.gone = true;
            slots.remove(slot);
            return slot;
        }
        return null;
    }

    private void dropSlotIfIdle(Slot slot) {
        Slot idle;
        mutex.lock();
        try {
            idle = detachIfIdle(slot);
        } finally {
            mutex.unlock();
        }
        if (idle != null) {
            giveBack(idle);
        }
    }

    private void giveBack(Slot slot) {
        giveBack(slot, Deadline.NONE);
    }

    private void giveBack(Slot slot, long deadline) {
        events.connectionReset(source.giveBack(slot.session, deadline));
    }

    /** The sessions that hold locks right now, for the watchdog. */
    private List<LockSession> holdingSessions() {
        List<LockSession> holding = new ArrayList<>();
        mutex.lock();
        try {
            for (Slot slot : slots) {
                if (slot.grants > 0 && !slot.gone) {
                    holding.add(slot.session);
                }
            }
        } finally {
            mutex.unlock();
        }
        return holding;
    }

    // ---------------------------------------------------------------------------------------------
    // Views

    /** The Locker's state right now. */
    public LockerStats stats() {
        mutex.lock();
        try {
            int most = 0;
            for (Slot slot : slots) {
                most = Math.max(most, slot.grants);
            }
            return new LockerStats(closed ? 0 : grants, slots.size(), source.maxSessions(), source.waitingForSession(),
                    waitingHere + waitingAtServer.get(), most, locksLost.get());
        } finally {
            mutex.unlock();
        }
    }

    /** The locks held right now. */
    public List<HeldLockInfo> heldLocks() {
        List<HeldLockInfo> held = new ArrayList<>();
        long nowNanos = System.nanoTime();
        Instant now = Instant.now();
        mutex.lock();
        try {
            for (Slot slot : slots) {
                for (Grant grant = slot.first; grant != null; grant = grant.nextOnSlot) {
                    held.add(new HeldLockInfo(grant.info.name(), grant.key, grant.mode,
                            now.minusNanos(nowNanos - grant.acquiredAtNanos), slot.session.backendPid()));
                }
            }
        } finally {
            mutex.unlock();
        }
        return held;
    }

    /** One round trip on a session lent out that is free now, else on a borrowed one. */
    public Duration ping() {
        checkOpen();
        long start = System.nanoTime();
        List<LockSession> holding = holdingSessions();
        for (LockSession session : holding) {
            try {
                if (session.check(1, networkTimeoutMillis)) {
                    return Duration.ofNanos(System.nanoTime() - start);
                }
            } catch (SQLException e) {
                // Busy or dead: a borrowed session answers instead (a dead one is reported by its next use).
            }
        }
        LockSession session;
        try {
            session = source.borrow(TimeUnit.MILLISECONDS.toNanos(networkTimeoutMillis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PalsException("interrupted while waiting for a connection to " + source.target(), e);
        } catch (SQLException e) {
            checkOpen();
            throw new PalsException("cannot reach " + source.target() + " (" + SqlStates.summary(e) + ")", e);
        }
        if (session == null) {
            throw new PalsException("no free connection to " + source.target() + " within " + networkTimeoutMillis + " ms");
        }
        try {
            if (!session.check(networkTimeoutMillis, networkTimeoutMillis)) {
                throw new PalsException("no answer from " + source.target() + " within " + networkTimeoutMillis + " ms");
            }
            return Duration.ofNanos(System.nanoTime() - start);
        } catch (SQLException e) {
            throw new PalsException("cannot reach " + source.target() + " (" + SqlStates.summary(e) + ")", e);
        } finally {
            events.connectionReset(source.giveBack(session));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Close

    /**
     * Ends every session within the network timeout, whatever other threads and the network do: waits
     * here and at the server are cut short (they end with {@link IllegalStateException}), held locks end
     * with their sessions. A second caller waits for the first to finish.
     */
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            try {
                closeDone.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(networkTimeoutMillis);
            List<LockSession> lent = new ArrayList<>();
            mutex.lock();
            try {
                closed = true;
                for (KeyQueue queue : keys.values()) {
                    if (queue.waiters != null) {
                        for (Waiter waiter : queue.waiters) {
                            waiter.turn.signal();
                        }
                    }
                }
                keys.clear();
                for (Slot slot : slots) {
                    slot.gone = true;
                    for (Grant grant = slot.first; grant != null; grant = grant.nextOnSlot) {
                        grant.dropped = true;
                    }
                    lent.add(slot.session);
                }
                slots.clear();
                grants = 0;
            } finally {
                mutex.unlock();
            }
            SessionWatchdog checks;
            mutex.lock();
            try {
                checks = watchdog;
            } finally {
                mutex.unlock();
            }
            if (checks != null) {
                checks.stop();
            }
            cancelWhileBusy(lent, deadline);
            source.close(lent, deadline);
        } finally {
            closeDone.countDown();
        }
        events.lockerClosed();
    }

    /**
     * Cuts short what runs on the sessions: asks the server to cancel each statement in progress, again
     * and again until it ends (a cancel that arrives before its statement runs is dropped), each session
     * on a daemon thread of its own (a cancel request opens a connection, and a path may be frozen), and
     * waits until they all ended or the deadline passed. Then nothing waits at the server on their behalf.
     */
    private static void cancelWhileBusy(List<LockSession> lent, long deadline) {
        List<LockSession> busy = new ArrayList<>();
        for (LockSession session : lent) {
            if (session.isBusy()) {
                busy.add(session);
                Thread canceller = new Thread(() -> {
                    do {
                        session.cancel();
                        try {
                            Thread.sleep(CANCEL_REPEAT_MILLIS);
                        } catch (InterruptedException e) {
                            return;
                        }
                    } while (session.isBusy() && System.nanoTime() < deadline);
                }, "pals-close-cancel-" + session.backendPid());
                canceller.setDaemon(true);
                canceller.start();
            }
        }
        for (LockSession session : busy) {
            while (session.isBusy() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Where the locks live, for messages: host and port, never credentials. */
    public String target() {
        return source.target();
    }

    // ---------------------------------------------------------------------------------------------
    // Bookkeeping

    /** One lock held on the server: its key and mode, the session it lives on, and who holds it. */
    public static final class Grant extends Outcome {
        final LockKey key;
        final LockMode mode;
        final LockInfo info;
        final GrantOwner owner;
        final Slot slot;
        final long acquiredAtNanos;
        /** The grant's fencing token, or 0 without fencing. */
        final long fencingToken;
        /** No longer held (released, lost, or the Locker closed). Written under the core's mutex. */
        volatile boolean dropped;
        // The grants of one session, and of one key: guarded by the core's mutex.
        Grant prevOnSlot;
        Grant nextOnSlot;
        Grant nextOnKey;

        Grant(LockKey key, LockMode mode, LockInfo info, GrantOwner owner, Slot slot, long acquiredAtNanos,
                long waitedNanos, long fencingToken) {
            super(null, null, null, waitedNanos);
            this.fencingToken = fencingToken;
            this.key = key;
            this.mode = mode;
            this.info = info;
            this.owner = owner;
            this.slot = slot;
            this.acquiredAtNanos = acquiredAtNanos;
        }

        @Override
        public Grant grant() {
            return this;
        }

        /** The grant's fencing token, or 0 without fencing. */
        public long fencingToken() {
            return fencingToken;
        }

        /** When the lock was granted, by {@link System#nanoTime()}. */
        public long acquiredAtNanos() {
            return acquiredAtNanos;
        }

        /** Whether the lock is no longer held: released, lost, or its Locker closed. */
        public boolean isDropped() {
            return dropped;
        }
    }

    /** A session lent to this Locker, and what the core knows about its use. Guarded by the core's mutex. */
    static final class Slot {
        final LockSession session;
        Grant first;
        int grants;
        /** Statements routed to it that have not finished: it must not go back meanwhile. */
        int inFlight;
        /** Borrowed for a wait at the server: no tries on it until it holds its lock. */
        boolean reserved;
        /** No longer lent to the core (given back, lost, or closed). */
        boolean gone;
        /** The thread that took the latest lock on it: while the pool has room, that thread's tries come here. */
        Thread lastGrantee;

        Slot(LockSession session) {
            this.session = session;
        }

        void add(Grant grant) {
            grant.nextOnSlot = first;
            if (first != null) {
                first.prevOnSlot = grant;
            }
            first = grant;
            grants++;
        }

        void remove(Grant grant) {
            if (grant.prevOnSlot != null) {
                grant.prevOnSlot.nextOnSlot = grant.nextOnSlot;
            } else if (first == grant) {
                first = grant.nextOnSlot;
            } else {
                return;
            }
            if (grant.nextOnSlot != null) {
                grant.nextOnSlot.prevOnSlot = grant.prevOnSlot;
            }
            grant.prevOnSlot = null;
            grant.nextOnSlot = null;
            grants--;
        }
    }

    /**
     * The requests for one key in this Locker: its holders (one exclusive, or shared ones on distinct
     * sessions), whether one request is at the server now, and who waits here, in order.
     */
    private static final class KeyQueue {
        private Grant holders;
        boolean inFlight;
        private ArrayDeque<Waiter> waiters;

        ArrayDeque<Waiter> waiters() {
            if (waiters == null) {
                waiters = new ArrayDeque<>(2);
            }
            return waiters;
        }

        /** Whether a new request in {@code mode} may go to the server now: nothing before it, and it fits. */
        boolean admits(LockMode mode) {
            return (waiters == null || waiters.isEmpty()) && fits(mode);
        }

        /** Whether a request in {@code mode}, first in line, may go: none at the server, and it fits the holders. */
        boolean fits(LockMode mode) {
            if (inFlight) {
                return false;
            }
            if (holders == null) {
                return true;
            }
            return mode == LockMode.SHARED && holders.mode == LockMode.SHARED;
        }

        boolean heldOn(Slot slot) {
            for (Grant grant = holders; grant != null; grant = grant.nextOnKey) {
                if (grant.slot == slot) {
                    return true;
                }
            }
            return false;
        }

        void add(Grant grant) {
            grant.nextOnKey = holders;
            holders = grant;
        }

        void remove(Grant grant) {
            Grant previous = null;
            for (Grant current = holders; current != null; previous = current, current = current.nextOnKey) {
                if (current == grant) {
                    if (previous == null) {
                        holders = current.nextOnKey;
                    } else {
                        previous.nextOnKey = current.nextOnKey;
                    }
                    current.nextOnKey = null;
                    return;
                }
            }
        }

        boolean isIdle() {
            return holders == null && !inFlight && (waiters == null || waiters.isEmpty());
        }
    }

    /** A request waiting here for its turn. */
    private static final class Waiter {
        final LockMode mode;
        final Condition turn;

        Waiter(LockMode mode, Condition turn) {
            this.mode = mode;
            this.turn = turn;
        }
    }

    /**
     * The result of an acquire: a {@link Grant} (which is one), or why not; and how long it took. A
     * success allocates nothing beyond its grant.
     */
    public static class Outcome {
        final Reason reason;
        final String detail;
        final Throwable cause;
        final long waitedNanos;

        Outcome(Reason reason, String detail, Throwable cause, long waitedNanos) {
            this.reason = reason;
            this.detail = detail;
            this.cause = cause;
            this.waitedNanos = waitedNanos;
        }

        static Outcome failed(Reason reason, String detail, Throwable cause, long startNanos) {
            return new Outcome(reason, detail, cause, System.nanoTime() - startNanos);
        }

        /** The grant if the lock was acquired, else null. */
        public Grant grant() {
            return null;
        }

        public Reason reason() {
            return reason;
        }

        public String detail() {
            return detail;
        }

        public Throwable cause() {
            return cause;
        }

        public long waitedNanos() {
            return waitedNanos;
        }
    }
}
