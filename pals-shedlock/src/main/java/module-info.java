/**
 * A ShedLock {@code LockProvider} on PostgreSQL advisory locks, through a PALs {@link dev.pals.Locker}:
 * {@link dev.pals.shedlock.PalsLockProvider}.
 */
module dev.pals.shedlock {
    requires transitive dev.pals.api;
    requires transitive net.javacrumbs.shedlock.core;

    exports dev.pals.shedlock;
}
