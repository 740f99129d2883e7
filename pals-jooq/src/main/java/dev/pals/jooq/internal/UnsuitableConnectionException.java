package dev.pals.jooq.internal;

import java.sql.SQLException;

/** A connection that cannot carry session locks, refused before any lock was taken on it. */
final class UnsuitableConnectionException extends SQLException {
    private static final long serialVersionUID = 1L;

    /** @param reason the whole explanation: what is wrong and what to do */
    UnsuitableConnectionException(String reason) {
        super(reason);
    }
}
