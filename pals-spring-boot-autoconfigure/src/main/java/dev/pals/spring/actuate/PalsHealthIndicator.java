package dev.pals.spring.actuate;

import dev.pals.Locker;
import dev.pals.LockerStats;
import dev.pals.PalsException;
import java.time.Duration;
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of a PALs {@link Locker}: UP when one round trip to its server succeeds ({@link Locker#ping()},
 * bounded by the Locker's network timeout), DOWN with the reason when it does not or the Locker is
 * closed. Details: the round trip, locks held now, locks lost since start, and how its connections are
 * used. Lost locks do not make it DOWN: a lost lock is an event (the meters and the log tell of it), not
 * a state the server is in.
 */
public class PalsHealthIndicator implements HealthIndicator {
    private final Locker locker;

    public PalsHealthIndicator(Locker locker) {
        this.locker = Objects.requireNonNull(locker, "locker");
    }

    @Override
    public Health health() {
        Health.Builder health;
        try {
            Duration roundTrip = locker.ping();
            health = Health.up().withDetail("ping", roundTrip.toNanos() / 1_000 / 1000.0 + " ms");
        } catch (PalsException | IllegalStateException e) {
            health = Health.down(e);
        }
        LockerStats stats = locker.stats();
        return health.withDetail("application", locker.appName().orElse(""))
                .withDetail("locksHeld", stats.locksHeld())
                .withDetail("locksLost", stats.locksLost())
                .withDetail("connectionsInUse", stats.connectionsInUse())
                .withDetail("connectionsMax", stats.connectionsMax())
                .withDetail("maxLocksPerConnection", stats.maxLocksPerConnection())
                .withDetail("waitingForConnection", stats.waitingForConnection())
                .withDetail("waitingForLock", stats.waitingForLock())
                .build();
    }
}
