package dev.pals;

/**
 * Two handles on one lock name: {@link #read()} takes it {@link LockMode#SHARED shared},
 * {@link #write()} {@link LockMode#EXCLUSIVE exclusive}. Many readers may hold the name at once; a
 * writer holds it alone, and a waiting writer is queued ahead of readers that come after it.
 *
 * <p>The two are separate handles, as two holders: a thread that holds {@code read()} and then asks for
 * {@code write()} waits for itself until its timeout. There is no upgrade.
 *
 * @param read the shared handle
 * @param write the exclusive handle
 */
public record ReadWriteLock(Lock read, Lock write) {
}
