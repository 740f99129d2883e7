package dev.pals.internal;

import dev.pals.Lock;
import java.time.Duration;

/** Validation and conversion of acquire timeouts. Not part of the API. */
public final class Timeouts {
    /** The longest {@code lock_timeout} PostgreSQL accepts: 2^31−1 ms (about 24.8 days). */
    public static final Duration MAX = Duration.ofMillis(Integer.MAX_VALUE);

    private Timeouts() {
    }

    /**
     * Returns {@code timeout} if it is a valid acquire timeout: {@link Duration#ZERO} (do not wait),
     * positive up to {@link #MAX}, or {@link Lock#WAIT_FOREVER}.
     *
     * @param field the setting or argument name used in the message
     * @throws IllegalArgumentException naming {@code field} and the value otherwise
     */
    public static Duration check(String field, Duration timeout) {
        if (timeout == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        if (timeout.isNegative()) {
            throw new IllegalArgumentException(field + " must not be negative: " + timeout);
        }
        if (timeout.compareTo(MAX) > 0 && !timeout.equals(Lock.WAIT_FOREVER)) {
            throw new IllegalArgumentException(field + " must be at most " + MAX.toMillis()
                    + " ms (PostgreSQL's largest lock_timeout), or Lock.WAIT_FOREVER to wait without limit: "
                    + timeout);
        }
        return timeout;
    }

    /**
     * The {@code lock_timeout} for a blocking wait of {@code timeout}: whole milliseconds rounded up,
     * at least 1 (PostgreSQL reads a value below 1 ms as 0, which means no limit), and 0 for
     * {@link Lock#WAIT_FOREVER}.
     */
    public static long lockTimeoutMillis(Duration timeout) {
        return timeout.equals(Lock.WAIT_FOREVER) ? 0 : lockTimeoutMillis(timeout.toNanos());
    }

    /** {@link #lockTimeoutMillis(Duration)} of a positive wait of {@code nanos}, without a Duration. */
    public static long lockTimeoutMillis(long nanos) {
        long millis = nanos / 1_000_000L + (nanos % 1_000_000L == 0 ? 0 : 1);
        return Math.max(1, millis);
    }

    /** {@code timeout} for messages: {@code "300 ms"}, or {@code "forever"}. */
    public static String describe(Duration timeout) {
        return timeout.equals(Lock.WAIT_FOREVER) ? "forever" : timeout.toMillis() + " ms";
    }
}
