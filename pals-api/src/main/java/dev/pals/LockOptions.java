package dev.pals;

import dev.pals.internal.Timeouts;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What one lock may set for itself: its {@link LockMode}, and its own {@code blocking} and
 * {@code acquireTimeout} where they should differ from the {@link Locker}'s defaults. Immutable.
 *
 * <pre>{@code
 * Lock lock = locker.lock("report", LockOptions.builder()
 *         .mode(LockMode.SHARED)
 *         .acquireTimeout(Duration.ofSeconds(5))
 *         .build());
 * }</pre>
 */
public final class LockOptions {
    /** Exclusive, with the {@link Locker}'s blocking and timeout defaults. */
    public static final LockOptions DEFAULTS = new LockOptions(LockMode.EXCLUSIVE, null, null, null);
    private static final LockOptions SHARED = new LockOptions(LockMode.SHARED, null, null, null);

    private final LockMode mode;
    private final Boolean blocking;
    private final Duration acquireTimeout;
    private final Boolean fencing;

    private LockOptions(LockMode mode, Boolean blocking, Duration acquireTimeout, Boolean fencing) {
        this.mode = mode;
        this.blocking = blocking;
        this.acquireTimeout = acquireTimeout;
        this.fencing = fencing;
    }

    /** {@code mode}, with the {@link Locker}'s defaults for the rest. */
    public static LockOptions of(LockMode mode) {
        return Objects.requireNonNull(mode, "mode") == LockMode.SHARED ? SHARED : DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.mode = mode;
        builder.blocking = blocking;
        builder.acquireTimeout = acquireTimeout;
        builder.fencing = fencing;
        return builder;
    }

    /** Default: {@link LockMode#EXCLUSIVE}. */
    public LockMode mode() {
        return mode;
    }

    /** The lock's own blocking default; empty to use the {@link Locker}'s. */
    public Optional<Boolean> blocking() {
        return Optional.ofNullable(blocking);
    }

    /** The lock's own acquire timeout; empty to use the {@link Locker}'s. */
    public Optional<Duration> acquireTimeout() {
        return Optional.ofNullable(acquireTimeout);
    }

    /** Whether the lock takes a fencing token with every grant; empty to use the {@link Locker}'s default. */
    public Optional<Boolean> fencing() {
        return Optional.ofNullable(fencing);
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof LockOptions)) {
            return false;
        }
        LockOptions that = (LockOptions) other;
        return mode == that.mode && Objects.equals(blocking, that.blocking)
                && Objects.equals(acquireTimeout, that.acquireTimeout) && Objects.equals(fencing, that.fencing);
    }

    @Override
    public int hashCode() {
        return Objects.hash(mode, blocking, acquireTimeout, fencing);
    }

    @Override
    public String toString() {
        return "LockOptions[mode=" + mode.label()
                + ", blocking=" + (blocking == null ? "locker default" : blocking)
                + ", acquireTimeout=" + (acquireTimeout == null ? "locker default" : Timeouts.describe(acquireTimeout))
                + (fencing == null ? "" : ", fencing=" + fencing)
                + "]";
    }

    /** Builds {@link LockOptions}; values are checked as they are set. */
    public static final class Builder {
        private LockMode mode = LockMode.EXCLUSIVE;
        private Boolean blocking;
        private Duration acquireTimeout;
        private Boolean fencing;

        private Builder() {
        }

        public Builder mode(LockMode mode) {
            if (mode == null) {
                throw new IllegalArgumentException("mode must not be null");
            }
            this.mode = mode;
            return this;
        }

        /** Whether {@link Lock#acquire()} blocks; false makes it a single try. */
        public Builder blocking(boolean blocking) {
            this.blocking = blocking;
            return this;
        }

        /**
         * How long a blocking acquire waits: {@link Duration#ZERO} for a single try, at most 2^31−1 ms,
         * or {@link Lock#WAIT_FOREVER}.
         *
         * @throws IllegalArgumentException if null, negative or too long
         */
        public Builder acquireTimeout(Duration acquireTimeout) {
            this.acquireTimeout = Timeouts.check("acquireTimeout", acquireTimeout);
            return this;
        }

        /** Blocking acquires of this lock wait without limit. */
        public Builder waitForever() {
            return acquireTimeout(Lock.WAIT_FOREVER);
        }

        /**
         * Whether every grant of this lock also takes a fencing token ({@link Lock#fencingToken()}), in the
         * same round trip. For exclusive locks only. Default: the {@link Locker}'s.
         */
        public Builder fencing(boolean fencing) {
            this.fencing = fencing;
            return this;
        }

        public LockOptions build() {
            return new LockOptions(mode, blocking, acquireTimeout, fencing);
        }
    }
}
