package dev.pals.jooq.internal;

import dev.pals.AcquireFailure.Reason;
import java.sql.SQLException;

/** What a failed statement means, read from its SQLSTATE (never from message text, which is translated). */
final class SqlStates {
    /** lock_not_available: {@code lock_timeout} passed. */
    static final String LOCK_NOT_AVAILABLE = "55P03";
    /** query_canceled: {@code statement_timeout}, or a cancel request. */
    static final String QUERY_CANCELED = "57014";
    static final String DEADLOCK_DETECTED = "40P01";
    /** out_of_memory, class 53 (insufficient resources): the shared lock table is full. */
    static final String OUT_OF_SHARED_MEMORY = "53200";

    private SqlStates() {
    }

    /**
     * Why an acquire statement failed, when the library did not cancel it itself: a cancel is somebody
     * else's ({@code statement_timeout}, {@code pg_cancel_backend}), not a timeout.
     */
    static Reason reasonOf(SQLException e) {
        String state = e.getSQLState();
        if (state == null) {
            return Reason.SERVER_ERROR;
        }
        switch (state) {
            case LOCK_NOT_AVAILABLE:
                return Reason.TIMEOUT;
            case QUERY_CANCELED:
                return Reason.CANCELED;
            case DEADLOCK_DETECTED:
                return Reason.DEADLOCK;
            case OUT_OF_SHARED_MEMORY:
                return Reason.LOCK_TABLE_FULL;
            default:
                return isConnectionLost(e) ? Reason.CONNECTION_LOST : Reason.SERVER_ERROR;
        }
    }

    /** Whether the session behind the connection is gone (class 08, or the server shutting it down: 57P0x). */
    static boolean isConnectionLost(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("57P0"));
    }

    /**
     * Whether a failed borrow came from the server or the driver (they always give a SQLSTATE, such as
     * 08001 or 28P01) rather than from a pool's own refusal (Agroal's acquisition timeout has none).
     */
    static boolean fromServerOrDriver(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException && ((SQLException) t).getSQLState() != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a failed lock statement is known to have taken nothing: a deadlock (reported only for a
     * request still waiting) or a full lock table (the lock could not be recorded). A lock timeout
     * (55P03), like a cancel (57014), may land just as the lock is granted: the server then keeps the
     * lock it granted and still fails the statement, and a session lock outlives the failed statement.
     */
    static boolean tookNothing(SQLException e) {
        return DEADLOCK_DETECTED.equals(e.getSQLState()) || OUT_OF_SHARED_MEMORY.equals(e.getSQLState());
    }

    /** The first sentence of an exception's message, short enough for another message. */
    static String summary(Throwable e) {
        String message = String.valueOf(e.getMessage());
        int end = message.indexOf(". ");
        if (end > 0) {
            message = message.substring(0, end);
        }
        message = message.strip();
        return message.length() > 160 ? message.substring(0, 160) + "…" : message;
    }
}
