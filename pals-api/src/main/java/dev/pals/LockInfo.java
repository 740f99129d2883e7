package dev.pals;

/**
 * Which lock an event is about: its name, key and mode. Listeners get this rather than the
 * {@link Lock} handle, which may already be gone (a forgotten lock is released after its handle was
 * collected).
 *
 * <p>All events of one lock handle carry the same {@code LockInfo} object, so a listener may match an
 * acquire with the release or loss that ends it by identity (not {@code equals}: two handles on one
 * name are two holders), for instance to time holds in progress. Do not keep it longer than that:
 * let it go on {@link LockListener#released}, {@link LockListener#lockLost} or
 * {@link LockListener#lockerClosed}.
 */
public interface LockInfo {
    /** The lock's full name; see {@link Lock#name()}. */
    String name();

    LockKey key();

    LockMode mode();
}
