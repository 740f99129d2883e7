package dev.pals.jooq.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.LockKey;
import dev.pals.LockMode;
import org.junit.jupiter.api.Test;

/** The statements jOOQ renders, once, for the hot path. */
class AdvisorySqlTest {

    @Test
    void blockingLockSetsATransactionLocalLockTimeoutInTheSameStatement() {
        String sql = AdvisorySql.lock(LockKey.of(1L), LockMode.EXCLUSIVE).sql();
        assertThat(sql).isEqualTo("select pg_advisory_lock(?) from (select set_config('lock_timeout', ?, true)"
                + " as \"set_lock_timeout\") as \"t\"");
        assertThat(AdvisorySql.lock(LockKey.of(1, 2), LockMode.SHARED).sql())
                .startsWith("select pg_advisory_lock_shared(?, ?) from (select set_config('lock_timeout', ?, true)");
    }

    @Test
    void tryAndUnlockAreSingleFunctionCallsWithBoundKeys() {
        assertThat(AdvisorySql.tryLock(LockKey.of(1L), LockMode.SHARED).sql()).isEqualTo("select pg_try_advisory_lock_shared(?)");
        assertThat(AdvisorySql.unlock(LockKey.of(1, 2), LockMode.EXCLUSIVE).sql()).isEqualTo("select pg_advisory_unlock(?, ?)");
        assertThat(AdvisorySql.UNLOCK_ALL).isEqualTo("select pg_advisory_unlock_all()");
    }

    @Test
    void eachShapeIsRenderedOnceAndReused() {
        assertThat(AdvisorySql.lock(LockKey.of(1L), LockMode.EXCLUSIVE))
                .isSameAs(AdvisorySql.lock(LockKey.named("a", "b"), LockMode.EXCLUSIVE));
    }
}
