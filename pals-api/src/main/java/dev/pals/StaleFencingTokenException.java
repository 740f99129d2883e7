package dev.pals;

/**
 * A fencing token is no longer the latest of its key: the lock was granted to someone else since (its
 * holder paused, or lost its session), so the work it fences must not be written.
 */
public class StaleFencingTokenException extends PalsException {
    private static final long serialVersionUID = 1L;

    private final FencingToken token;
    private final long latest;

    /**
     * @param token the token checked
     * @param latest the latest token of the key; 0 if the key was never taken with fencing
     */
    public StaleFencingTokenException(FencingToken token, long latest) {
        super("fencing token " + token.value() + " of key " + token.key().displayNumber() + " is stale: the latest is "
                + latest + " (the lock was granted again since)");
        this.token = token;
        this.latest = latest;
    }

    public FencingToken token() {
        return token;
    }

    /** The latest token of the key when it was checked; 0 if none was ever taken. */
    public long latest() {
        return latest;
    }
}
