package dev.pals;

/**
 * A fencing token: a number that grows with every grant of a lock's key, whoever is granted it, taken in
 * the same statement as the lock. Check it where the work is written (in the same database transaction),
 * so that a holder that paused while its lock went to someone else is refused: its token is no longer
 * the latest. See {@code dev.pals.jooq.FencingTable}.
 *
 * @param key the lock's key
 * @param value the token: 1 for the first grant of the key, and one more for every grant after it
 */
public record FencingToken(LockKey key, long value) {
    public FencingToken {
        if (key == null) {
            throw new IllegalArgumentException("key must not be null");
        }
        if (value < 1) {
            throw new IllegalArgumentException("a fencing token is at least 1: " + value);
        }
    }
}
