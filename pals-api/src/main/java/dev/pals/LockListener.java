package dev.pals;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Hears what a Locker does, for metrics and tracing: given once when the Locker is built. Every method
 * has a no-op default; override what you need.
 *
 * <p>Calls come on the thread that acquires or releases (for a forgotten lock, the cleaner thread; for
 * a lost lock, whichever thread notices), never while the library holds an internal lock. A listener
 * that throws (an {@code Error} included) is logged and otherwise ignored: it never breaks
 * {@code acquire()} or {@code release()}, and never leaves a lock or connection behind. Only a
 * {@link VirtualMachineError} is passed on, after the library has cleaned up. Keep listeners quick; they
 * run on the hot path. Only acquires that reach for the database are reported: re-entering a handle that
 * already holds its lock is not. Failure events carry their cause, so metrics and spans keep the
 * SQLSTATE, host and reason.
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

    /**
     * The acquire failed after {@code waited}, for {@code reason}.
     *
     * @param cause what failed (a {@link java.sql.SQLException}, say), or null for an ordinary "no"
     *     (the lock was taken, the timeout passed, no connection came in time)
     */
    default void acquireFailed(LockInfo lock, AcquireFailure.Reason reason, Duration waited, Throwable cause) {
    }

    /** The lock was released on the server after being held for {@code held}. */
    default void released(LockInfo lock, Duration held) {
    }

    /**
     * The lock was lost after being held for {@code held}: its database session ended (server restart,
     * terminated backend, broken network) while this process still held it.
     *
     * @param cause the failure that showed the session gone, or null if it is not known
     */
    default void lockLost(LockInfo lock, Duration held, Throwable cause) {
    }

    /**
     * A connection came back holding locks, or in an unknown state, and was reset
     * ({@code pg_advisory_unlock_all()}); {@code destroyed} if it was closed instead (its session was
     * lost, or the reset failed).
     *
     * @param cause why it was destroyed, or null
     */
    default void connectionReset(boolean destroyed, Throwable cause) {
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
