/**
 * PALs for Java on PostgreSQL advisory locks: {@link dev.pals.jooq.JooqLocker}. SQL is built by jOOQ;
 * connections come from a dedicated Agroal pool or a DataSource of yours. Transaction-scoped locks on
 * your own connection or jOOQ transaction: {@link dev.pals.jooq.JooqTransactionLocker}.
 */
module dev.pals.jooq {
    requires transitive dev.pals.api;
    requires transitive java.sql;
    requires io.agroal.api;
    requires io.agroal.pool;
    requires transitive org.jooq; // JooqTransactionLock takes DSLContext and Configuration, and renders as Field and Condition
    requires org.postgresql.jdbc;

    exports dev.pals.jooq;
    // Agroal creates the pool's connection provider (ConnectBound) by reflection.
    exports dev.pals.jooq.internal to io.agroal.pool;
}
