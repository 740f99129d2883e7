/**
 * Distributed application-level locks on PostgreSQL advisory locks.
 *
 * <p>A {@link dev.pals.Locker} is a lock factory bound to one application name and one database; a
 * {@link dev.pals.Lock} is a handle on one advisory lock key. The handle, not the thread, owns what it
 * acquires. A {@link dev.pals.TransactionLocker} makes {@link dev.pals.TransactionLock}s instead: locks
 * taken in your own database transaction and released when it ends. Named keys hash exactly as in
 * Python PALs, so Java and Python services lock the same key.
 */
package dev.pals;
