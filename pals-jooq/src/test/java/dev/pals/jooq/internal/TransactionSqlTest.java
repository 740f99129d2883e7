package dev.pals.jooq.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.LockKey;
import dev.pals.LockMode;
import org.junit.jupiter.api.Test;

/** The transaction-lock statements jOOQ renders, once. */
class TransactionSqlTest {

    @Test
    void aBoundedWaitIsOneStatementBetweenASavepointAndItsRelease() {
        String sql = TransactionSql.lock(LockKey.of(1L), LockMode.EXCLUSIVE).sql();
        String[] statements = sql.split(";\n");
        assertThat(statements).hasSize(3);
        assertThat(statements[0]).isEqualTo("savepoint \"pals_xact_lock\"");
        assertThat(statements[2]).isEqualTo("release savepoint \"pals_xact_lock\"");
        // read the old lock_timeout, bound the wait, wait, restore: each level fenced by "offset 0"
        assertThat(statements[1])
                .startsWith("select \"t\".\"refused\", \"t\".\"statement_timeout\", set_config('lock_timeout', \"t\".\"old\", true)")
                .contains("case when \"b\".\"refused\" then null else pg_advisory_xact_lock(?) end")
                .contains("set_config('lock_timeout', ?, true)")
                .contains("select current_setting('lock_timeout') as \"old\"")
                .containsSubsequence("pg_advisory_xact_lock(?)", "set_config('lock_timeout', ?, true)",
                        "current_setting('lock_timeout')", "offset 0 rows", "offset 0 rows", "offset 0 rows");
        assertThat(TransactionSql.lock(LockKey.of(1, 2), LockMode.SHARED).sql())
                .contains("else pg_advisory_xact_lock_shared(?, ?) end");
    }

    @Test
    void aTryIsASingleFunctionCallAndTheUndoRollsTheSavepointBack() {
        assertThat(TransactionSql.tryLock(LockKey.of(1, 2), LockMode.SHARED).sql())
                .isEqualTo("select pg_try_advisory_xact_lock_shared(?, ?)");
        assertThat(TransactionSql.tryLock(LockKey.of(1L), LockMode.EXCLUSIVE).sql())
                .isEqualTo("select pg_try_advisory_xact_lock(?)");
        assertThat(TransactionSql.UNDO)
                .isEqualTo("rollback to savepoint \"pals_xact_lock\";\nrelease savepoint \"pals_xact_lock\"");
    }

    @Test
    void eachShapeIsRenderedOnceAndReused() {
        assertThat(TransactionSql.lock(LockKey.of(1L), LockMode.SHARED))
                .isSameAs(TransactionSql.lock(LockKey.named("a", "b"), LockMode.SHARED));
    }
}
