package dev.pals.micrometer;

import dev.pals.AcquireFailure;

/**
 * Every meter name, tag key and tag value {@link PalsMetrics} uses, in one place. Names follow
 * Micrometer's conventions (dotted lower case; timers in seconds), so Prometheus shows
 * {@value #ACQUIRE} as {@code pals_lock_acquire_seconds_bucket}, {@code _count}, {@code _sum} and
 * {@code _max}.
 */
public final class MeterNames {
    private MeterNames() {
    }

    /**
     * Timer: how long acquires waited (for a connection, then for the lock), tagged {@value #TAG_OUTCOME}
     * and {@value #TAG_MODE}. With a percentile histogram.
     */
    public static final String ACQUIRE = "pals.lock.acquire";
    /** Timer: how long locks were held, recorded when released. With a percentile histogram. */
    public static final String HELD = "pals.lock.held";
    /**
     * Long task timer: locks held right now (its count) and the longest current hold (its max). Not
     * {@code pals.lock.held.*} of {@link #HELD}'s type: two meter types may not share a name.
     */
    public static final String HELD_ACTIVE = "pals.lock.held.active";
    /** Counter: locks lost because their database session ended while held. */
    public static final String LOST = "pals.lock.lost";
    /**
     * Gauge: acquires waiting for a lock held elsewhere: in PostgreSQL, or (with multiplexing) in the
     * process behind a handle of the same Locker.
     */
    public static final String LOCK_PENDING = "pals.lock.pending";
    /** Gauge: connections lent out, holding a lock or acquiring one. */
    public static final String CONNECTIONS_ACTIVE = "pals.connections.active";
    /** Gauge: the most connections the Locker uses at once (its pool size); 0 for no limit of its own. */
    public static final String CONNECTIONS_MAX = "pals.connections.max";
    /** Gauge: acquires waiting for a free connection. */
    public static final String CONNECTIONS_PENDING = "pals.connections.pending";
    /**
     * Gauge: the most locks held on one connection right now, so what one lost session would take with
     * it (with multiplexing, many; without, one).
     */
    public static final String CONNECTIONS_LOCKS_MAX = "pals.connections.locks.max";
    /** Counter: connections that came back holding locks (or in doubt) and were reset, tagged {@value #TAG_OUTCOME}. */
    public static final String CONNECTIONS_RESET = "pals.connections.reset";

    /**
     * Observation of an acquire (a span in a trace). A meter handler turns it into a timer of this name
     * and a long task timer {@code pals.lock.wait.active}: both differ from every name above.
     */
    public static final String OBSERVATION_ACQUIRE = "pals.lock.wait";
    /** Observation of a hold, from acquired to released or lost. Meters: {@code pals.lock.hold}, {@code pals.lock.hold.active}. */
    public static final String OBSERVATION_HOLD = "pals.lock.hold";

    /** Tag: the Locker's application name, or {@link #NO_APPLICATION}; see {@link PalsMetrics.Builder#application}. */
    public static final String TAG_APPLICATION = "application";
    /** Tag: {@code exclusive} or {@code shared} ({@link dev.pals.LockMode#label()}). */
    public static final String TAG_MODE = "mode";
    /** Tag: how an acquire, a hold or a connection reset ended. */
    public static final String TAG_OUTCOME = "outcome";
    /** Tag, only when opted in ({@link PalsMetrics.Builder#lockNameTag}): the lock's full name. */
    public static final String TAG_LOCK = "lock";
    /** High-cardinality key of observations (spans only, never meters): the lock's full name. */
    public static final String KEY_LOCK_NAME = "pals.lock.name";

    /** {@value #TAG_APPLICATION} of a Locker without an application name (or with an empty one). */
    public static final String NO_APPLICATION = "none";
    /** {@value #TAG_LOCK} of every lock name beyond the cap of distinct names. */
    public static final String OTHER_LOCKS = "(other)";

    /** Acquire outcome: the lock was acquired. */
    public static final String ACQUIRED = "acquired";
    /** Acquire outcome: the wait ran out, for the lock or for a connection. */
    public static final String TIMEOUT = "timeout";
    /** Acquire outcome: a non-blocking acquire found the lock held elsewhere. */
    public static final String UNAVAILABLE = "unavailable";
    /** Acquire outcome: PostgreSQL chose this acquire to break a deadlock. */
    public static final String DEADLOCK = "deadlock";
    /** Acquire outcome: a connection, server or interrupt failure (the acquire threw). */
    public static final String ERROR = "error";
    /** Hold outcome (observations): released. */
    public static final String RELEASED = "released";
    /** Hold outcome (observations): lost with its session. */
    public static final String LOST_OUTCOME = "lost";
    /** Hold outcome (observations): ended by closing the Locker. */
    public static final String CLOSED = "closed";
    /** Connection reset outcome: the session was cleaned and reused. */
    public static final String RESET = "reset";
    /** Connection reset outcome: the reset failed and the connection was closed. */
    public static final String DESTROYED = "destroyed";

    /**
     * The {@value #TAG_OUTCOME} of a failed acquire: {@link #TIMEOUT} for
     * {@link AcquireFailure.Reason#TIMEOUT TIMEOUT} and {@link AcquireFailure.Reason#NO_CONNECTION
     * NO_CONNECTION} (the wait ran out, for a connection rather than the lock: the connection gauges
     * tell which); {@link #UNAVAILABLE} for {@link AcquireFailure.Reason#NOT_AVAILABLE NOT_AVAILABLE};
     * {@link #DEADLOCK} for {@link AcquireFailure.Reason#DEADLOCK DEADLOCK}; {@link #ERROR} for the
     * rest ({@code CONNECT_FAILED}, {@code CONNECTION_LOST}, {@code INTERRUPTED}, {@code SERVER_ERROR}).
     */
    public static String outcome(AcquireFailure.Reason reason) {
        // No default: a new Reason must be mapped here, or this does not compile.
        return switch (reason) {
            case TIMEOUT, NO_CONNECTION -> TIMEOUT;
            case NOT_AVAILABLE -> UNAVAILABLE;
            case DEADLOCK -> DEADLOCK;
            case CONNECT_FAILED, CONNECTION_LOST, INTERRUPTED, CANCELED, LOCK_TABLE_FULL, UNSUITABLE_CONNECTION,
                    SERVER_ERROR -> ERROR;
        };
    }
}
