/**
 * The PALs for Java implementation on jOOQ and Agroal: start at {@link dev.pals.jooq.JooqLocker#builder(String)}
 * for session locks, or at {@link dev.pals.jooq.JooqTransactionLocker#builder(String)} for locks taken in
 * your own transaction.
 */
package dev.pals.jooq;
