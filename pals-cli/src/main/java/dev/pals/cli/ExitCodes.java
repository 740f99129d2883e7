package dev.pals.cli;

/** What {@code pals} exits with; scripts may rely on these. Listed in {@code pals --help} (the annotation on {@link Pals}). */
final class ExitCodes {
    /** Done: the command did what it was asked. */
    static final int OK = 0;
    /** A server error or an unexpected failure; the message says which. */
    static final int FAILED = 1;
    /** Bad usage: an unknown option, a bad value, a malformed URL, an unreadable names file. */
    static final int USAGE = 2;
    /** No connection: the server is unreachable, refused the login, or has no such database. */
    static final int NO_CONNECTION = 3;
    /** {@code pals hold}: the lock was not acquired (held elsewhere until {@code --wait} ran out). */
    static final int NOT_ACQUIRED = 4;
    /** {@code pals hold}: the lock was lost while held (its database session ended). */
    static final int LOST = 5;
    /** Ended by Ctrl-C (SIGINT), as shells report it; {@code pals hold} releases its lock first. */
    static final int INTERRUPTED = 130;

    private ExitCodes() {
    }
}
