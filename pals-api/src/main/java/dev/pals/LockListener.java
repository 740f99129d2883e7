package dev.pals;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Hears what a Locker does, for metrics and tracing: given once when the Locker is built. Every method
 * has a no-op default; override what you need.
 *
 * <p>Calls come on the thread that acquires or releases (for a forgotten lock, the cleaner thread),
 * never while the library holds an internal lock. A listener that throws is logged and otherwise
 * ignored: it never breaks {@code acquire()} or {@code release()}. Keep listeners quick; they run on the
 * hot path. Only acquires that go to the database are reported: re-entering a handle that already holds
 * its lock is not.
 */
public interface LockListener {
    /** Hears nothing. With it, the library allocates no event data at all. */
    LockListener NONE = new LockListener() {
        @Override
        public String toString() {
            return "LockListener.NONE";
        }
    };

    /** An acquire started (waiting for a connection, then for the lock). */
    default void acquireStarted(LockInfo lock) {
    }

    /** The acquire succeeded after {@code waited}. */
    default void acquired(LockInfo lock, Duration waited) {
    }

    /** The acquire failed after {@code waited}, for {@code reason}. */
    default void acquireFailed(LockInfo lock, AcquireFailure.Reason reason, Duration waited) {
    }

    /** The lock was released on the server after being held for {@code held}. */
    default void released(LockInfo lock, Duration held) {
    }

    /**
     * The lock was lost after being held for {@code held}: its database session ended (server restart,
     * terminated backend, broken network) while this process still held it.
     */
    default void lockLost(LockInfo lock, Duration held) {
    }

    /**
     * A connection came back holding locks, or in an unknown state, and was reset
     * ({@code pg_advisory_unlock_all()}); {@code destroyed} if the reset failed and the connection was
     * closed instead.
     */
    default void connectionReset(boolean destroyed) {
    }

    /**
     * The Locker was closed. Locks it still held ended with their sessions, without a {@link #released}
     * each; no events follow. A listener that keeps state per lock or per Locker (meters, spans) lets
     * it go here.
     */
    default void lockerClosed() {
    }

    /** See {@link #composite(List)}. */
    static LockListener composite(LockListener... listeners) {
        return composite(List.of(listeners));
    }

    /**
     * One listener that calls each of {@code listeners} in order, each guarded on its own: one that
     * throws is logged and does not keep the others from hearing. No listeners (or only {@link #NONE}):
     * {@link #NONE}.
     */
    static LockListener composite(List<? extends LockListener> listeners) {
        List<LockListener> all = new java.util.ArrayList<>();
        for (LockListener listener : Objects.requireNonNull(listeners, "listeners")) {
            if (Objects.requireNonNull(listener, "listener") != NONE) {
                all.add(listener);
            }
        }
        return all.isEmpty() ? NONE : new CompositeLockListener(List.copyOf(all));
    }
}
