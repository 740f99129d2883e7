package dev.pals.jooq.internal;

/** What {@link LockSession#reset()} did: nothing (clean), a reset, or it destroyed the session, and why. */
public final class SessionReset {
    /** The session held nothing: no statement was needed. */
    static final SessionReset CLEAN = new SessionReset(false, false, null);
    /** {@code pg_advisory_unlock_all()} ran. */
    static final SessionReset RESET = new SessionReset(true, false, null);

    private final boolean reset;
    private final boolean destroyed;
    private final Throwable cause;

    private SessionReset(boolean reset, boolean destroyed, Throwable cause) {
        this.reset = reset;
        this.destroyed = destroyed;
        this.cause = cause;
    }

    static SessionReset destroyed(Throwable cause) {
        return new SessionReset(true, true, cause);
    }

    /** Whether the session needed more than nothing: a reset, or its end. */
    public boolean happened() {
        return reset;
    }

    /** Whether the session was ended (its connection closed) rather than reset. */
    public boolean destroyed() {
        return destroyed;
    }

    /** Why it was destroyed (the failure that showed it lost, or of its reset); null otherwise. */
    public Throwable cause() {
        return cause;
    }
}
