package dev.pals.jooq.internal;

import java.sql.SQLException;

/** A connection that cannot carry session locks, refused before any lock was taken on it. */
final class UnsuitableConnectionException extends SQLException {
    private static final long serialVersionUID = 1L;

    /** What is wrong with the connection. */
    enum Kind {
        /** Inside an open transaction of the caller. */
        IN_TRANSACTION,
        /** On a session the Locker already uses. */
        SESSION_IN_USE,
        /** On a standby server. */
        STANDBY,
        /** Through a transaction pooler: every connection of the source is. */
        POOLER
    }

    private final Kind kind;

    /** @param reason the whole explanation: what is wrong and what to do */
    UnsuitableConnectionException(Kind kind, String reason) {
        super(reason);
        this.kind = kind;
    }

    Kind kind() {
        return kind;
    }
}
