package dev.pals;

/**
 * A Locker's state right now, for gauges: how many locks it holds, how they sit on its connections,
 * and whether its connections are the bottleneck.
 *
 * @param locksHeld locks held on the server through this Locker (a re-entered handle counts once)
 * @param connectionsInUse connections (database sessions) lent out: holding locks, or acquiring one
 * @param connectionsMax the most it may use at once (its pool size), or 0 for no limit of its own
 * @param waitingForConnection acquires waiting for a free connection
 * @param waitingForLock acquires waiting for a lock held elsewhere (in PostgreSQL, or in this process
 *     behind another handle of this Locker)
 * @param maxLocksPerConnection the most locks held on one connection: what one lost session would take
 *     with it
 * @param locksLost locks lost since the Locker was built (their session ended while they were held)
 */
public record LockerStats(int locksHeld, int connectionsInUse, int connectionsMax, int waitingForConnection,
        int waitingForLock, int maxLocksPerConnection, long locksLost) {
}
