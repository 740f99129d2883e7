package dev.pals;

/**
 * One successful acquire of a {@link Lock}, for try-with-resources: {@link #close()} releases it.
 * Closing twice releases once.
 */
public interface HeldLock extends AutoCloseable {
    /** The lock this hold is on. */
    Lock lock();

    /** Releases this hold (once; later calls do nothing). */
    @Override
    void close();
}
