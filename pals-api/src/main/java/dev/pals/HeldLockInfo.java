package dev.pals;

import java.time.Instant;

/**
 * One lock a {@link Locker} holds right now, as {@link Locker#heldLocks()} lists it: for health pages,
 * admin endpoints and matching a lock with what {@code pg_locks} shows.
 *
 * @param name the lock's full name (see {@link Lock#name()})
 * @param key the advisory lock key
 * @param mode exclusive or shared
 * @param heldSince when the lock was acquired on the server (this JVM's clock)
 * @param backendPid the process id of the PostgreSQL session the lock lives on
 *     ({@code pg_locks.pid}); 0 if the connection does not tell
 */
public record HeldLockInfo(String name, LockKey key, LockMode mode, Instant heldSince, int backendPid)
        implements LockInfo {
}
