package dev.pals.jooq.internal;

import java.sql.SQLException;

/** Where lock sessions come from and go back to: the Locker's own pool, or a user's DataSource. */
public interface SessionSource {
    /** {@link #borrow} waits without limit. */
    long FOREVER = Long.MAX_VALUE;

    /**
     * A session on a connection in autocommit mode, waiting at most {@code timeoutNanos} for one
     * ({@link #FOREVER} for no limit).
     *
     * @return the session, or null if none came in time
     * @throws SQLException if no connection could be made
     * @throws InterruptedException if interrupted while waiting
     */
    LockSession borrow(long timeoutNanos) throws SQLException, InterruptedException;

    /**
     * Takes a session back: resets it unless it {@linkplain LockSession#isClean() is clean}, and
     * destroys its connection if the reset fails. Called once per session; never throws.
     */
    void giveBack(LockSession session);

    /** How many sessions it lends at most at once; 0 for no limit of its own. */
    int maxSessions();

    /** How many borrowers wait for a session right now (as far as it can tell). */
    int waitingForSession();

    /** "host:port" (or a description of the DataSource) for messages. Never a password. */
    String target();

    /** Ends every session this source gave out and closes what it owns. */
    void close();
}
