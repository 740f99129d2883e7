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
    /**
     * These two handles as a {@code java.util.concurrent.locks.ReadWriteLock}: its read lock is
     * {@link #read()}, its write lock {@link #write()}, each as {@link Lock#asJavaLock()} describes.
     */
    public java.util.concurrent.locks.ReadWriteLock asJavaReadWriteLock() {
        java.util.concurrent.locks.Lock readLock = read.asJavaLock();
        java.util.concurrent.locks.Lock writeLock = write.asJavaLock();
        return new java.util.concurrent.locks.ReadWriteLock() {
            @Override
            public java.util.concurrent.locks.Lock readLock() {
                return readLock;
            }

            @Override
            public java.util.concurrent.locks.Lock writeLock() {
                return writeLock;
            }

            @Override
            public String toString() {
                return "ReadWriteLock[read " + read + ", write " + write + "]";
            }
        };
    }
}
