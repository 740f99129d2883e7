package dev.pals;

/**
 * Which lock an event is about: its name, key and mode. Listeners get this rather than the
 * {@link Lock} handle, which may already be gone (a forgotten lock is released after its handle was
 * collected). Do not keep it beyond the call.
 */
public interface LockInfo {
    /** The lock's full name; see {@link Lock#name()}. */
    String name();

    LockKey key();

    LockMode mode();
}
