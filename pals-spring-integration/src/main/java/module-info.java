/**
 * A Spring Integration {@code LockRegistry} on PostgreSQL advisory locks, through a PALs
 * {@link dev.pals.Locker}: {@link dev.pals.spring.integration.PalsLockRegistry}.
 */
module dev.pals.spring.integration {
    requires transitive dev.pals.api;
    requires transitive spring.integration.core;

    exports dev.pals.spring.integration;
}
