package dev.pals;

import dev.pals.internal.Text;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A lock was not acquired. {@link Lock#hold()} throws it for every failure; {@link Lock#acquire()}
 * throws it only for failures that are not an ordinary "no" (see {@link Reason#isError()}).
 *
 * <p>The message keeps Python PALs' form, one sentence per reason:
 * {@code Lock acquire failed for "TestLock.test_it". Failed due to timeout.}
 * {@link #toString()} adds the key, mode and how long it waited.
 */
public class AcquireFailure extends PalsException {
    private static final long serialVersionUID = 1L;

    /** Why a lock was not acquired. */
    public enum Reason {
        /** The acquire timeout passed while the lock was held elsewhere (SQLSTATE 55P03). */
        TIMEOUT("timeout", false),
        /** A non-blocking acquire found the lock held elsewhere. */
        NOT_AVAILABLE("lock not available", false),
        /** No pool connection became free within the acquire timeout. */
        NO_CONNECTION("no free pool connection", false),
        /** No connection to the database could be made (server unreachable, authentication failed). */
        CONNECT_FAILED("no database connection", true),
        /** The database connection broke during the acquire. */
        CONNECTION_LOST("lost database connection", true),
        /** PostgreSQL broke a deadlock by failing this acquire (SQLSTATE 40P01). */
        DEADLOCK("deadlock", true),
        /** The waiting thread was interrupted; its interrupt flag is kept set. */
        INTERRUPTED("interrupt", true),
        /**
         * The server cancelled the wait, and the library did not ask it to: a {@code statement_timeout}
         * (set on the role, the database or a user's connection) or an administrator's
         * {@code pg_cancel_backend} (SQLSTATE 57014).
         */
        CANCELED("a cancel from the server", true),
        /**
         * The server's shared lock table is full (SQLSTATE 53200): all advisory locks of all sessions
         * share about {@code max_locks_per_transaction × max_connections} entries. Nothing was taken.
         */
        LOCK_TABLE_FULL("a full lock table on the server", true),
        /**
         * The connection cannot carry a session lock: it came from a user's DataSource inside an open
         * transaction, or it is a session this Locker already uses for another lock, or it goes through a
         * transaction pooler, or the server is a standby. The detail says which, and the fix.
         */
        UNSUITABLE_CONNECTION("an unsuitable database connection", true),
        /** The server refused the statement for another reason (see the cause). */
        SERVER_ERROR("server error", true);

        private final String phrase;
        private final boolean error;

        Reason(String phrase, boolean error) {
            this.phrase = phrase;
            this.error = error;
        }

        /** The words after "Failed due to" in the message. */
        public String phrase() {
            return phrase;
        }

        /**
         * Whether {@link Lock#acquire()} throws for this reason rather than return false: true for
         * everything but {@link #TIMEOUT}, {@link #NOT_AVAILABLE} and {@link #NO_CONNECTION}.
         */
        public boolean isError() {
            return error;
        }
    }

    private final String lockName;
    private final LockKey key;
    private final LockMode mode;
    private final Duration waited;
    private final Reason reason;
    private final String detail;

    /**
     * @param lockName the lock's full name
     * @param waited how long the acquire waited before it failed
     * @param detail words that complete the reason's sentence (such as the host and port of a failed
     *     connection), or null
     * @param cause the underlying exception, or null
     */
    public AcquireFailure(String lockName, LockKey key, LockMode mode, Duration waited, Reason reason,
            String detail, Throwable cause) {
        super(message(lockName, reason, detail), cause);
        this.lockName = lockName;
        this.key = Objects.requireNonNull(key, "key");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.waited = Objects.requireNonNull(waited, "waited");
        this.reason = reason;
        this.detail = detail;
    }

    private static String message(String lockName, Reason reason, String detail) {
        Objects.requireNonNull(reason, "reason");
        return "Lock acquire failed for \"" + Text.shorten(lockName) + "\". Failed due to " + reason.phrase
                + (detail == null ? "" : " " + detail) + ".";
    }

    /** The lock's full name. */
    public String lockName() {
        return lockName;
    }

    public LockKey key() {
        return key;
    }

    public LockMode mode() {
        return mode;
    }

    /** How long the acquire waited (for a pool connection and the lock) before it failed. */
    public Duration waited() {
        return waited;
    }

    public Reason reason() {
        return reason;
    }

    /** What completes the reason's sentence, such as {@code "to db.example.com:5432"}. */
    public Optional<String> detail() {
        return Optional.ofNullable(detail);
    }

    @Override
    public String toString() {
        return super.toString() + " [key " + key.displayNumber() + ", " + mode.label() + ", waited "
                + waited.toMillis() + " ms, reason " + reason + "]";
    }
}
