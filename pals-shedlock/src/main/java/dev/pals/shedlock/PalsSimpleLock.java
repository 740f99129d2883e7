package dev.pals.shedlock;

import java.util.Optional;
import net.javacrumbs.shedlock.core.AbstractSimpleLock;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;

/** What {@link PalsLockProvider#lock} hands ShedLock: one configuration of one {@link Holding}. */
final class PalsSimpleLock extends AbstractSimpleLock {
    private final Holding holding;

    PalsSimpleLock(Holding holding, LockConfiguration configuration) {
        super(configuration);
        this.holding = holding;
    }

    @Override
    protected void doUnlock() {
        holding.unlock(lockConfiguration);
    }

    @Override
    protected Optional<SimpleLock> doExtend(LockConfiguration newConfiguration) {
        if (holding.extend(lockConfiguration, newConfiguration)) {
            return Optional.of(new PalsSimpleLock(holding, newConfiguration));
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "PalsSimpleLock[" + lockConfiguration + "]";
    }
}
