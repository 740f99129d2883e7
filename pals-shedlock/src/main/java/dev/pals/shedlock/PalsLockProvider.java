package dev.pals.shedlock;

import dev.pals.Lock;
import dev.pals.Locker;
import java.util.Objects;
import java.util.Optional;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;

/**
 * A ShedLock {@link net.javacrumbs.shedlock.core.LockProvider} on PostgreSQL advisory locks, through a
 * PALs {@link Locker}: {@code @SchedulerLock} keeps working, and there is no lock table to create,
 * poll or clean.
 *
 * <pre>{@code
 * Locker locker = JooqLocker.builder("my-app").url(url).user(user).password(password).build();
 * LockProvider lockProvider = new PalsLockProvider(locker);
 * }</pre>
 *
 * <h2>How ShedLock's settings map to advisory locks</h2>
 * <ul>
 *   <li>{@link #lock} takes the PALs lock named after ShedLock's lock name ({@code locker.lock(name)},
 *       so the key is the one Python PALs and {@code Locker.key(name)} compute) with a single,
 *       non-blocking try: a lock held elsewhere gives {@code Optional.empty()} at once, and ShedLock
 *       skips the task. Only the wait for a free connection of the Locker's pool is bounded by the
 *       Locker's {@code acquireTimeout}.</li>
 *   <li><b>lockAtMostFor</b>: the lock is released when it passes, even if the task still runs (as the
 *       table-based providers let another instance take it then), with a warning in the log. If the
 *       instance dies, the lock goes at once with its database session: lockAtMostFor is no longer the
 *       only way out of a crash.</li>
 *   <li><b>lockAtLeastFor</b>: an unlock before it has passed releases the lock when it has, on the
 *       provider's release thread; until then the lock keeps its connection.</li>
 *   <li>{@link SimpleLock#extend} (hence {@code KeepAliveLockProvider}) works: it asks the server that
 *       the lock is still held (one round trip) and moves the release to the new lockAtMostFor.</li>
 * </ul>
 *
 * <h2>What a table cannot lose and an advisory lock can</h2>
 * An advisory lock lives as long as its session: closing the {@link Locker} (or {@link #close()}),
 * stopping the process, or losing the session releases every lock at once, lockAtLeastFor included.
 * Each held lock pins one connection of the Locker until it is released, lingering ones too: size the
 * Locker's pool for the tasks that may hold locks at the same time.
 *
 * <h2>Threads</h2>
 * Delayed releases run on one daemon thread per provider ({@code pals-shedlock-release}), started when a
 * release is scheduled and ended about a second after none is pending, or after the Locker was closed.
 * Thread-safe.
 */
public final class PalsLockProvider implements ExtensibleLockProvider, AutoCloseable {
    private final Locker locker;
    private final ReleaseTimer timer = new ReleaseTimer();
    private volatile boolean closed;

    /**
     * A provider on {@code locker}. The provider does not own the Locker: close the Locker when the
     * application stops (which releases every lock); {@link #close()} releases only this provider's.
     */
    public PalsLockProvider(Locker locker) {
        this.locker = Objects.requireNonNull(locker, "locker");
    }

    /**
     * Tries once to take the lock named {@code configuration.getName()}.
     *
     * @return the lock, or empty if it is held elsewhere (or no pool connection came in the Locker's
     *     acquireTimeout)
     * @throws dev.pals.AcquireFailure if the database could not be reached or failed
     * @throws IllegalArgumentException if the name is not well-formed UTF-16
     * @throws IllegalStateException if this provider or its Locker is closed
     */
    @Override
    public Optional<SimpleLock> lock(LockConfiguration configuration) {
        Objects.requireNonNull(configuration, "configuration");
        checkOpen();
        Lock handle = locker.lock(configuration.getName());
        if (!handle.acquire(false)) {
            return Optional.empty();
        }
        Holding holding = new Holding(handle, timer);
        if (!holding.start(configuration)) {
            checkOpen();
            throw new IllegalStateException("this PalsLockProvider is closed");
        }
        return Optional.of(new PalsSimpleLock(holding, configuration));
    }

    /** The Locker the locks are taken on. */
    public Locker locker() {
        return locker;
    }

    /**
     * Releases every lock this provider holds, now (lockAtLeastFor included: an advisory lock would not
     * outlive the Locker anyway), and stops its release thread. Afterwards {@link #lock} throws
     * {@link IllegalStateException}; unlocking a lock taken before does nothing. Does not close the
     * Locker. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        for (ReleaseTimer.Task task : timer.close()) {
            task.holding.releaseFromClose();
        }
    }

    /** Whether the release thread runs (it does only while releases are pending, and shortly after). */
    boolean releaseThreadAlive() {
        return timer.threadAlive();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this PalsLockProvider is closed");
        }
    }

    @Override
    public String toString() {
        return "PalsLockProvider[" + locker + "]";
    }
}
