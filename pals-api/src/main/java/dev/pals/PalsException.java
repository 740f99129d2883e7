package dev.pals;

/**
 * The root of every exception PALs for Java throws on its own account. Unchecked: an expected "no"
 * is a return value ({@link Lock#acquire()} returns {@code false}); this is for what went wrong.
 */
public class PalsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PalsException(String message) {
        super(message);
    }

    public PalsException(String message, Throwable cause) {
        super(message, cause);
    }
}
