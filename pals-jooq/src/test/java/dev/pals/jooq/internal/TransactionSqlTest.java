package dev.pals.jooq.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.LockKey;
import dev.pals.LockMode;
import org.junit.jupiter.api.Test;

/** The transaction-lock statements jOOQ renders, once. */
class TransactionSqlTest {

    @Test
    void print() {
        System.out.println(TransactionSql.lock(LockKey.of(1L), LockMode.EXCLUSIVE).sql());
        System.out.println(TransactionSql.tryLock(LockKey.of(1, 2), LockMode.SHARED).sql());
        System.out.println(TransactionSql.UNDO);
    }
}
