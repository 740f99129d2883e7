package dev.pals.spring.integration;

import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.Locker;
import java.io.Serial;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.integration.support.locks.ExpirableLockRegistry;

/**
 * A Spring Integration {@link org.springframework.integration.support.locks.LockRegistry} on PostgreSQL
 * advisory locks, through a PALs {@link Locker}: a drop-in for {@code JdbcLockRegistry} without its
 * lock table and its polling, for {@code LockRegistryLeaderInitiator} and everything else that takes a
 * {@code LockRegistry}.
 *
 * <pre>{@code
 * Locker locker = JooqLocker.builder("my-app").url(url).user(user).password(password).build();
 * LockRegistry<PalsRegistryLock> registry = new PalsLockRegistry(locker);
 * LockRegistryLeaderInitiator leader = new LockRegistryLeaderInitiator(registry, candidate);
 * }</pre>
 *
 * <p>{@link #obtain(Object)} takes a {@code String} (the PALs lock name, prefixed with the Locker's
 * application name: the key Python PALs and {@code locker.lock(name)} use) or a {@link LockKey}, and
 * gives the same {@link PalsRegistryLock} for the same key while it is cached. Locks are exclusive,
 * thread-owned and reentrant; see {@link PalsRegistryLock} for waiting, interrupts and lost locks.
 *
 * <p>Where it differs from {@code JdbcLockRegistry}: a lock has no time-to-live (it lives exactly as
 * long as its database session: a crashed process frees its locks at once, and a live holder is never
 * expired behind its back), so there is nothing to renew ({@code RenewableLockRegistry} and
 * {@code DistributedLock} are not implemented); waiting is done by PostgreSQL, not by polling a table;
 * and a held lock pins one connection of the Locker's pool.
 *
 * <p>The cache keeps at most {@link Builder#cacheCapacity(int)} lock objects (least recently obtained
 * go first, as in {@code JdbcLockRegistry}; evicting one that is held is safe, because a new object
 * for the same key takes its own session and waits for the old one on the server);
 * {@link #expireUnusedOlderThan(long)} drops the unlocked ones not used for a while. Thread-safe. The
 * registry does not own the Locker.
 */
public final class PalsLockRegistry implements ExpirableLockRegistry<PalsRegistryLock> {
    /** Default of {@link Builder#cacheCapacity(int)}: 256, as Spring Integration's registries. */
    public static final int DEFAULT_CACHE_CAPACITY = 256;
    /** Default of {@link Builder#interruptCheckInterval(Duration)}: 1 second. */
    public static final Duration DEFAULT_INTERRUPT_CHECK_INTERVAL = Duration.ofSeconds(1);

    private final Locker locker;
    private final int cacheCapacity;
    private final Duration interruptCheckInterval;
    // Guarded by itself.
    private final Map<Object, PalsRegistryLock> locks;

    /** A registry on {@code locker} with the defaults. */
    public PalsLockRegistry(Locker locker) {
        this(builder(locker));
    }

    private PalsLockRegistry(Builder builder) {
        this.locker = builder.locker;
        this.cacheCapacity = builder.cacheCapacity;
        this.interruptCheckInterval = builder.interruptCheckInterval;
        int capacity = cacheCapacity;
        this.locks = new LinkedHashMap<>(16, 0.75f, true) {
            @Serial
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Object, PalsRegistryLock> eldest) {
                return size() > capacity;
            }
        };
    }

    /** A builder for a registry on {@code locker}. */
    public static Builder builder(Locker locker) {
        return new Builder(locker);
    }

    /**
     * The lock for {@code lockKey}: the same object for the same key while it stays cached.
     *
     * @param lockKey a {@code String} (a lock name in the Locker's namespace) or a {@link LockKey}
     * @throws IllegalArgumentException if {@code lockKey} is null, of another type, or a string that is
     *     not well-formed UTF-16
     * @throws IllegalStateException if the Locker is closed and the key is not cached
     */
    @Override
    public PalsRegistryLock obtain(Object lockKey) {
        if (!(lockKey instanceof String) && !(lockKey instanceof LockKey)) {
            throw new IllegalArgumentException("lockKey must be a String or a dev.pals.LockKey, was "
                    + (lockKey == null ? "null" : lockKey.getClass().getName()));
        }
        synchronized (locks) {
            PalsRegistryLock lock = locks.get(lockKey);
            if (lock == null) {
                dev.pals.Lock handle = lockKey instanceof String name
                        ? locker.lock(name)
                        : locker.lock((LockKey) lockKey, LockMode.EXCLUSIVE);
                lock = new PalsRegistryLock(handle, interruptCheckInterval);
                locks.put(lockKey, lock);
            }
            return lock;
        }
    }

    /**
     * Drops from the cache the locks that no thread of this JVM holds and that were last acquired or
     * released more than {@code age} milliseconds ago.
     */
    @Override
    public void expireUnusedOlderThan(long age) {
        long now = System.currentTimeMillis();
        synchronized (locks) {
            locks.values().removeIf(lock -> now - lock.lastUsed() > age && !lock.isLocked());
        }
    }

    /** The Locker the locks are taken on. */
    public Locker locker() {
        return locker;
    }

    /** How many lock objects are cached. */
    public int cachedLocks() {
        synchronized (locks) {
            return locks.size();
        }
    }

    /** See {@link Builder#cacheCapacity(int)}. */
    public int cacheCapacity() {
        return cacheCapacity;
    }

    /** See {@link Builder#interruptCheckInterval(Duration)}. */
    public Duration interruptCheckInterval() {
        return interruptCheckInterval;
    }

    /** Whether {@code lockKey}'s lock object is cached (for tests). */
    boolean isCached(Object lockKey) {
        synchronized (locks) {
            return locks.containsKey(lockKey);
        }
    }

    @Override
    public String toString() {
        return "PalsLockRegistry[" + locker + "]";
    }

    /** Settings of a {@link PalsLockRegistry}; {@link #build()} checks them. */
    public static final class Builder {
        private final Locker locker;
        private int cacheCapacity = DEFAULT_CACHE_CAPACITY;
        private Duration interruptCheckInterval = DEFAULT_INTERRUPT_CHECK_INTERVAL;

        private Builder(Locker locker) {
            this.locker = Objects.requireNonNull(locker, "locker");
        }

        /** How many lock objects the registry keeps at most. Default: 256. At least 1. */
        public Builder cacheCapacity(int cacheCapacity) {
            this.cacheCapacity = cacheCapacity;
            return this;
        }

        /**
         * How long an interruptible wait ({@code lockInterruptibly()}, {@code tryLock(time, unit)}) waits
         * in PostgreSQL at a time before it looks at the thread's interrupt flag, so the longest an
         * interrupt goes unnoticed. Shorter costs a statement per interval per waiting lock. Default:
         * 1 s; from 1 ms to 2^31−1 ms.
         */
        public Builder interruptCheckInterval(Duration interruptCheckInterval) {
            this.interruptCheckInterval = interruptCheckInterval;
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the setting, if one is out of range
         */
        public PalsLockRegistry build() {
            if (cacheCapacity < 1) {
                throw new IllegalArgumentException("cacheCapacity must be at least 1: " + cacheCapacity);
            }
            if (interruptCheckInterval == null) {
                throw new IllegalArgumentException("interruptCheckInterval must not be null");
            }
            if (interruptCheckInterval.compareTo(Duration.ofMillis(1)) < 0
                    || interruptCheckInterval.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0) {
                throw new IllegalArgumentException("interruptCheckInterval must be from 1 ms to 2^31-1 ms: "
                        + interruptCheckInterval);
            }
            return new PalsLockRegistry(this);
        }
    }
}
