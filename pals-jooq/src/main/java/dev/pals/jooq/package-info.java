/**
 * The PALs for Java implementation on jOOQ and Agroal: start at {@link dev.pals.jooq.JooqLocker#builder(String)}.
 */
package dev.pals.jooq;
