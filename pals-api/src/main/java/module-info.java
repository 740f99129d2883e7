/**
 * PALs for Java API: {@link dev.pals.Locker}, {@link dev.pals.Lock}, {@link dev.pals.LockKey} and the
 * exceptions. Implementations (such as {@code dev.pals.jooq}) depend on this module; it depends on
 * nothing but the JDK.
 */
@SuppressWarnings("module") // the qualified export names implementation modules built after this one
module dev.pals.api {
    requires transitive java.sql; // TransactionLock takes a java.sql.Connection

    exports dev.pals;
    exports dev.pals.internal to dev.pals.jooq;
}
