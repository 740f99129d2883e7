package dev.pals.shedlock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.Locker;
import dev.pals.testing.ServerView;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.test.support.AbstractExtensibleLockProviderIntegrationTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * ShedLock's own provider test suite (shedlock-test-support): every test of
 * {@code AbstractLockProviderIntegrationTest} (its fuzz test with ShedLock's own default size: 8 threads,
 * 2 lock names, 100 increments per thread) and of {@code AbstractExtensibleLockProviderIntegrationTest},
 * against the real test PostgreSQL. "Locked" and "unlocked" are what the server says: whether any
 * session holds the advisory lock of the name.
 */
class ShedLockSuiteTest extends AbstractExtensibleLockProviderIntegrationTest {
    private static Locker locker;
    private static PalsLockProvider provider;

    @BeforeAll
    static void start() {
        locker = Db.locker(Db.uniqueApp("shedlock-suite")).build();
        provider = new PalsLockProvider(locker);
    }

    @AfterAll
    static void stop() {
        provider.close();
        locker.close();
    }

    @Override
    protected ExtensibleLockProvider getLockProvider() {
        return provider;
    }

    @Override
    protected void assertLocked(String lockName) {
        assertThat(ServerView.holders(locker.key(lockName))).as("sessions holding %s", lockName).hasSize(1);
    }

    @Override
    protected void assertUnlocked(String lockName) {
        assertThat(ServerView.holders(locker.key(lockName))).as("sessions holding %s", lockName).isEmpty();
    }
}
