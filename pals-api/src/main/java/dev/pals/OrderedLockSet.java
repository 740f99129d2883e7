package dev.pals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@link Locker#lockAll}: the locks of distinct keys, taken in key order (bigint keys, then pairs). */
final class OrderedLockSet implements LockSet {
    /** One order for every process: the key space, then the key's number. */
    static final Comparator<Lock> ORDER = Comparator.comparing((Lock lock) -> lock.key().isPair())
            .thenComparingLong(lock -> lock.key().value());

    private final List<Lock> locks;

    OrderedLockSet(List<Lock> locks) {
        Map<LockKey, Lock> distinct = new LinkedHashMap<>();
        for (Lock lock : locks) {
            distinct.putIfAbsent(lock.key(), lock);
        }
        if (distinct.isEmpty()) {
            throw new IllegalArgumentException("a lock set needs at least one lock");
        }
        List<Lock> ordered = new ArrayList<>(distinct.values());
        ordered.sort(ORDER);
        this.locks = List.copyOf(ordered);
    }

    @Override
    public List<Lock> locks() {
        return locks;
    }

    @Override
    public boolean acquire() {
        Lock first = locks.get(0);
        return first.blocking() ? acquire(first.acquireTimeout()) : acquire(false);
    }

    @Override
    public boolean acquire(boolean blocking) {
        return blocking ? acquire(locks.get(0).acquireTimeout()) : acquire(Duration.ZERO);
    }

    @Override
    public boolean acquire(Duration timeout) {
        return take(timeout, false);
    }

    @Override
    public HeldLock hold() {
        Lock first = locks.get(0);
        take(first.blocking() ? first.acquireTimeout() : Duration.ZERO, true);
        return held();
    }

    @Override
    public HeldLock hold(Duration timeout) {
        take(timeout, true);
        return held();
    }

    /** Takes every lock in order within one budget; on any failure lets go of those taken. */
    private boolean take(Duration timeout, boolean throwEveryFailure) {
        if (timeout == null) {
            throw new IllegalArgumentException("timeout must not be null");
        }
        boolean forever = timeout.equals(Lock.WAIT_FOREVER);
        long deadline = System.nanoTime() + (forever ? 0 : timeout.toNanos());
        List<Lock> taken = new ArrayList<>(locks.size());
        boolean done = false;
        try {
            for (Lock lock : locks) {
                Duration left = forever ? Lock.WAIT_FOREVER
                        : timeout.isZero() ? Duration.ZERO : Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
                boolean acquired = throwEveryFailure ? hold(lock, left) : lock.acquire(left);
                if (!acquired) {
                    return false;
                }
                taken.add(lock);
            }
            done = true;
            return true;
        } finally {
            if (!done) {
                for (int i = taken.size() - 1; i >= 0; i--) {
                    taken.get(i).release();
                }
            }
        }
    }

    private static boolean hold(Lock lock, Duration timeout) {
        lock.hold(timeout); // throws AcquireFailure for every failure
        return true;
    }

    private HeldLock held() {
        AtomicBoolean closed = new AtomicBoolean();
        return new HeldLock() {
            @Override
            public Lock lock() {
                return locks.get(0);
            }

            @Override
            public void close() {
                if (closed.compareAndSet(false, true)) {
                    release();
                }
            }
        };
    }

    @Override
    public boolean release() {
        boolean all = true;
        for (int i = locks.size() - 1; i >= 0; i--) {
            all &= locks.get(i).release();
        }
        return all;
    }

    @Override
    public boolean isHeld() {
        for (Lock lock : locks) {
            if (!lock.isHeld()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        List<String> names = new ArrayList<>();
        for (Lock lock : locks) {
            names.add(lock.name());
        }
        return "LockSet" + names;
    }
}
