package dev.pals.spring.actuate;

import dev.pals.HeldLockInfo;
import dev.pals.Locker;
import dev.pals.LockerStats;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The {@code pals} actuator endpoint ({@code /actuator/pals}): the locks this instance holds right now,
 * oldest first, with the Locker's counts. A snapshot from memory: it costs no database round trip.
 */
@Endpoint(id = "pals")
public class PalsEndpoint {
    private final Locker locker;

    public PalsEndpoint(Locker locker) {
        this.locker = Objects.requireNonNull(locker, "locker");
    }

    @ReadOperation
    public PalsLocks locks() {
        Instant now = Instant.now();
        List<HeldLockDescriptor> locks = locker.heldLocks().stream()
                .sorted(Comparator.comparing(HeldLockInfo::heldSince))
                .map(lock -> new HeldLockDescriptor(lock.name(), lock.key().displayNumber(), lock.mode().label(),
                        lock.heldSince().toString(), Duration.between(lock.heldSince(), now).toMillis(),
                        lock.backendPid()))
                .toList();
        LockerStats stats = locker.stats();
        return new PalsLocks(locker.appName().orElse(""), stats.locksHeld(), stats.locksLost(),
                stats.connectionsInUse(), stats.connectionsMax(), stats.waitingForConnection(), stats.waitingForLock(),
                locks);
    }

    /**
     * What the endpoint shows.
     *
     * @param application the Locker's application name (lock names start with it); empty for bare names
     * @param locksHeld locks held now
     * @param locksLost locks lost since the Locker started
     * @param connectionsInUse connections lent out (holding locks, or acquiring one)
     * @param connectionsMax the most connections the Locker uses at once; 0 for no limit of its own
     * @param waitingForConnection acquires waiting for a free connection
     * @param waitingForLock acquires waiting for a lock held elsewhere
     * @param locks the locks held, oldest first
     */
    public record PalsLocks(String application, int locksHeld, long locksLost, int connectionsInUse,
            int connectionsMax, int waitingForConnection, int waitingForLock, List<HeldLockDescriptor> locks) {
    }

    /**
     * One lock held.
     *
     * @param name its full name ({@code app.name})
     * @param key the advisory lock key, as PostgreSQL's {@code pg_locks} shows it (a string: it may not fit
     *     a JSON number exactly)
     * @param mode {@code exclusive} or {@code shared}
     * @param heldSince when it was acquired (ISO-8601)
     * @param heldForMillis how long it has been held
     * @param backendPid the PostgreSQL session it lives on ({@code pg_stat_activity.pid}); 0 if unknown
     */
    public record HeldLockDescriptor(String name, String key, String mode, String heldSince, long heldForMillis,
            int backendPid) {
    }
}
