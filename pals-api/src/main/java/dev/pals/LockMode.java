package dev.pals;

import java.util.Locale;

/** How a lock is held: alone ({@link #EXCLUSIVE}) or beside other readers ({@link #SHARED}). */
public enum LockMode {
    /** One holder at a time ({@code pg_advisory_lock}); excludes exclusive and shared holders alike. */
    EXCLUSIVE,
    /**
     * Any number of shared holders at once ({@code pg_advisory_lock_shared}); excludes exclusive
     * holders. PostgreSQL queues a waiting exclusive request ahead of later shared requests, so writers
     * are not starved.
     */
    SHARED;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The mode in lower case, as it appears in messages and metric tags: {@code exclusive}, {@code shared}. */
    public String label() {
        return label;
    }
}
