package dev.pals.jooq.internal;

import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

/**
 * An acquire's outer bound: a {@link System#nanoTime()} by which every step of it is done — waiting in
 * the process, borrowing a place, connecting, checking a connection, the statements — or {@link #NONE}
 * for an acquire without limit, whose steps keep their own bounds (the network timeout each).
 */
final class Deadline {
    /** No outer bound. */
    static final long NONE = Long.MAX_VALUE;

    private Deadline() {
    }

    /** Milliseconds left before {@code deadline}, at most {@code capMillis} (all of it for {@link #NONE}), at least 0. */
    static int millisLeft(long deadline, int capMillis) {
        if (deadline == NONE) {
            return capMillis;
        }
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        return (int) Math.max(0, Math.min(capMillis, left));
    }

    /**
     * {@link #millisLeft}, for a step that needs some: none left fails it.
     *
     * @throws SQLException with SQLSTATE 08001 naming {@code step}, if no whole millisecond is left
     */
    static int millisLeftFor(long deadline, int capMillis, String step) throws SQLException {
        int millis = millisLeft(deadline, capMillis);
        if (millis == 0) {
            throw new SQLException("no time left to " + step + " within the acquire's bound", "08001");
        }
        return millis;
    }
}
