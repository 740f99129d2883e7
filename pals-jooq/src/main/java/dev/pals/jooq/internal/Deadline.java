package dev.pals.jooq.internal;

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

    /** {@code start + budget + slack}, or {@link #NONE} for a budget of {@code NONE}. */
    static long after(long startNanos, long budgetNanos, long slackNanos) {
        return budgetNanos == NONE ? NONE : startNanos + budgetNanos + slackNanos;
    }

    /** Milliseconds left before {@code deadline}, at most {@code capMillis} (all of it for {@link #NONE}), at least 0. */
    static int millisLeft(long deadline, int capMillis) {
        if (deadline == NONE) {
            return capMillis;
        }
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        return (int) Math.max(0, Math.min(capMillis, left));
    }
}
