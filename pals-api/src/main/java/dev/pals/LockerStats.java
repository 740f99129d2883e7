package dev.pals;

/**
 * A Locker's state right now, for gauges: how many locks it holds, and whether its connections are
 * the bottleneck.
 *
 * @param locksHeld locks held on the server through this Locker (a re-entered handle counts once)
 * @param connectionsInUse connections lent out: holding a lock, or acquiring one
 * @param connectionsMax the most it may use at once (its pool size), or 0 for no limit of its own
 * @param waitingForConnection acquires waiting for a free connection
 * @param waitingForLock acquires waiting in PostgreSQL for a lock held elsewhere
 */
public record LockerStats(int locksHeld, int connectionsInUse, int connectionsMax, int waitingForConnection,
        int waitingForLock) {
}
