package dev.pals.jooq.internal;

import java.sql.SQLException;
import java.util.Collection;

/**
 * Where lock sessions come from and go back to: the Locker's own pool, or a user's DataSource. A
 * source hands out sessions and takes them back after {@link LockSession#reset()}; it knows nothing of
 * the locks on them.
 */
public interface SessionSource {
    /** {@link #borrow} waits without limit. */
    long FOREVER = Long.MAX_VALUE;

    /**
     * A session on a connection in autocommit mode, waiting at most {@code timeoutNanos} for a free place
     * ({@link #FOREVER} for no limit; 0 takes one only if it is free now). Everything after that —
     * checking an idle connection, making a new one, asking what it is connected to — is done by
     * {@code deadlineNanos} ({@link System#nanoTime()}; {@link Deadline#NONE} leaves each step its own
     * bound, the network timeout), as far as the source can bound it.
     *
     * @return the session, or null if no place came in time
     * @throws SQLException if no connection could be made (in time), or the one given is unsuitable
     *     ({@link UnsuitableConnectionException})
     * @throws InterruptedException if interrupted while waiting
     */
    LockSession borrow(long timeoutNanos, long deadlineNanos) throws SQLException, InterruptedException;

    /** {@link #borrow(long, long)} with each step bounded by the network timeout only. */
    default LockSession borrow(long timeoutNanos) throws SQLException, InterruptedException {
        return borrow(timeoutNanos, Deadline.NONE);
    }

    /**
     * Takes a session back: {@linkplain LockSession#reset() resets} it and returns its connection.
     * Called once per session; never throws. A reset that could not end by {@code deadlineNanos}
     * ({@link Deadline#NONE}: within the network timeout) ends the session instead
     * ({@link LockSession#resetBy}).
     *
     * @return what the reset did
     */
    SessionReset giveBack(LockSession session, long deadlineNanos);

    /** {@link #giveBack(LockSession, long)} with the reset bounded by the network timeout only. */
    default SessionReset giveBack(LockSession session) {
        return giveBack(session, Deadline.NONE);
    }

    /** How many sessions it lends at most at once; 0 for no limit of its own. */
    int maxSessions();

    /** How many borrowers wait for a session right now (as far as it can tell). */
    int waitingForSession();

    /** "host:port" (or a description of the DataSource) for messages. Never a password. */
    String target();

    /**
     * Ends everything: the sessions still lent ({@code lent}, whose locks must not survive) by
     * {@code deadlineNanos} ({@link System#nanoTime()}), whatever runs on them, and what the source owns.
     */
    void close(Collection<LockSession> lent, long deadlineNanos);
}
