package dev.pals;

import java.time.Duration;
import java.util.Optional;

/**
 * An application-level lock factory: it holds the application name (so lock names are namespaced) and
 * the database connections the locks live on. Make one per application and database, share it, and
 * close it when the application stops. Thread-safe.
 *
 * <p>{@link #close()} releases every lock its handles hold; afterwards {@link #lock} and
 * {@link Lock#acquire()} throw {@link IllegalStateException}, and {@link Lock#release()} returns false.
 * An acquire that close cuts short in another thread ends with {@link IllegalStateException}.
 */
public interface Locker extends AutoCloseable {
    /** Default of {@link #blocking()}. */
    boolean DEFAULT_BLOCKING = true;
    /** Default of {@link #acquireTimeout()}: 30 seconds, as in Python PALs. */
    Duration DEFAULT_ACQUIRE_TIMEOUT = Duration.ofSeconds(30);

    /** The application name lock names are prefixed with; empty when lock names are used bare. */
    Optional<String> appName();

    /** Whether locks block on {@link Lock#acquire()} unless they say otherwise. Default: true. */
    boolean blocking();

    /**
     * How long blocking acquires wait unless the lock says otherwise. Default: 30 s;
     * {@link Lock#WAIT_FOREVER} for no limit.
     */
    Duration acquireTimeout();

    /**
     * The key this locker gives {@code name}: {@code LockKey.named(appName, name)}.
     *
     * @throws IllegalArgumentException if {@code name} is null or not well-formed UTF-16
     */
    default LockKey key(String name) {
        return LockKey.named(appName().orElse(null), name);
    }

    /** An exclusive lock on {@code name}, with this locker's defaults. */
    default Lock lock(String name) {
        return lock(name, LockOptions.DEFAULTS);
    }

    /** A lock on {@code name} in {@code mode}, with this locker's defaults. */
    default Lock lock(String name, LockMode mode) {
        return lock(name, LockOptions.of(mode));
    }

    /**
     * A lock on {@code name} with its own options.
     *
     * @throws IllegalArgumentException if {@code name} is null or not well-formed UTF-16
     * @throws IllegalStateException if this locker is closed
     */
    Lock lock(String name, LockOptions options);

    /** A lock on a key of your own numbering, in {@code mode}, with this locker's defaults. */
    default Lock lock(LockKey key, LockMode mode) {
        return lock(key, LockOptions.of(mode));
    }

    /**
     * A lock on a key of your own numbering, with its own options.
     *
     * @throws IllegalStateException if this locker is closed
     */
    Lock lock(LockKey key, LockOptions options);

    /**
     * Runs {@code action} holding {@code name} exclusively (acquired as {@link Lock#hold()} does, with
     * this Locker's defaults), releases it, and returns what the action returned. As with
     * try-with-resources, an exception of the action is thrown after the release.
     *
     * @throws AcquireFailure if the lock was not acquired (the action does not run)
     */
    @SuppressWarnings("try") // the hold is the point: it keeps the lock held, then releases it
    default <T> T withLock(String name, java.util.function.Supplier<? extends T> action) {
        try (HeldLock held = lock(name).hold()) {
            return action.get();
        }
    }

    /** {@link #withLock(String, java.util.function.Supplier)} for an action without a result. */
    @SuppressWarnings("try") // the hold is the point: it keeps the lock held, then releases it
    default void withLock(String name, Runnable action) {
        try (HeldLock held = lock(name).hold()) {
            action.run();
        }
    }

    /**
     * {@link #withLock(String, java.util.function.Supplier)}, waiting at most {@code timeout} for the
     * lock ({@link Duration#ZERO}: a single try).
     */
    @SuppressWarnings("try") // the hold is the point: it keeps the lock held, then releases it
    default <T> T withLock(String name, Duration timeout, java.util.function.Supplier<? extends T> action) {
        try (HeldLock held = lock(name).hold(timeout)) {
            return action.get();
        }
    }

    /** {@link #withLock(String, Duration, java.util.function.Supplier)} for an action without a result. */
    @SuppressWarnings("try") // the hold is the point: it keeps the lock held, then releases it
    default void withLock(String name, Duration timeout, Runnable action) {
        try (HeldLock held = lock(name).hold(timeout)) {
            action.run();
        }
    }

    /**
     * A leader election on {@code name} (a lock name like any other: a Python PALs process holding that
     * lock leads too), not started yet. Its terms' epochs are fencing tokens, so the Locker needs its table
     * of fencing tokens (see the implementation).
     *
     * @throws IllegalArgumentException if {@code name} is null or not well-formed UTF-16
     * @throws IllegalStateException if this locker is closed
     */
    LeaderElection leaderElection(String name);

    /**
     * Exclusive locks on {@code names}, to take all or nothing, in an order that cannot deadlock against
     * another process locking the same names in another order (see {@link LockSet}).
     *
     * @throws IllegalArgumentException if there are no names, or one is null or not well-formed UTF-16
     */
    default LockSet lockAll(java.util.Collection<String> names) {
        return lockAll(names, LockMode.EXCLUSIVE);
    }

    /** {@link #lockAll(java.util.Collection)} in {@code mode}. */
    default LockSet lockAll(java.util.Collection<String> names, LockMode mode) {
        if (names == null) {
            throw new IllegalArgumentException("names must not be null");
        }
        java.util.List<Lock> locks = new java.util.ArrayList<>();
        for (String name : names) {
            locks.add(lock(name, mode));
        }
        return new OrderedLockSet(locks);
    }

    /** {@link #lockAll(java.util.Collection)} for keys of your own numbering. */
    default LockSet lockAllKeys(java.util.Collection<LockKey> keys, LockMode mode) {
        if (keys == null) {
            throw new IllegalArgumentException("keys must not be null");
        }
        java.util.List<Lock> locks = new java.util.ArrayList<>();
        for (LockKey key : keys) {
            locks.add(lock(key, mode));
        }
        return new OrderedLockSet(locks);
    }

    /**
     * A handle on the semaphore {@code name}: at most {@code permits} holders at once, across processes,
     * waiting fairly and without polling (see {@link LockSemaphore}).
     *
     * @throws IllegalArgumentException if {@code name} is null or not well-formed UTF-16, or
     *     {@code permits} is below 1
     */
    default LockSemaphore semaphore(String name, int permits) {
        return new PermitSemaphore(this, name, permits);
    }

    /** How many locks this Locker holds and how its connections are used, right now. */
    LockerStats stats();

    /**
     * The locks this Locker holds right now, one entry per lock held on the server (a re-entered handle
     * appears once), in no particular order. A snapshot: it costs no round trip.
     *
     * @return an empty list once the Locker is closed
     */
    java.util.List<HeldLockInfo> heldLocks();

    /**
     * One round trip to the server on a connection of this Locker (one already in use where it can,
     * otherwise a pooled one), for health checks.
     *
     * @return how long the round trip took
     * @throws PalsException naming the server if it cannot be reached within the network timeout, or
     *     no connection is free within it
     * @throws IllegalStateException if this locker is closed
     */
    Duration ping();

    /** A shared (read) and an exclusive (write) handle on {@code name}. */
    default ReadWriteLock readWriteLock(String name) {
        return new ReadWriteLock(lock(name, LockMode.SHARED), lock(name, LockMode.EXCLUSIVE));
    }

    /**
     * Releases every lock held through this locker and closes its connections, in bounded time whatever
     * other threads and the network do (for {@code pals-jooq}: within its network timeout). Idempotent; a
     * second caller while the first closes returns once the locks are released.
     */
    @Override
    void close();
}
