package dev.pals.jooq.internal;

import dev.pals.AcquireFailure;
import dev.pals.HeldLock;
import dev.pals.Lock;
import dev.pals.LockInfo;
import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.internal.Text;
import dev.pals.internal.Timeouts;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/** A lock handle. All state lives in {@link LockState}, which outlives the handle to release it if forgotten. */
public final class JooqLock implements Lock {
    /** A wait below 1 ms counts as 1 ms: PostgreSQL reads a shorter {@code lock_timeout} as none at all. */
    private static final long MIN_WAIT_NANOS = 1_000_000L;
    private final LockState state;
    private final boolean blocking;
    private final Duration acquireTimeout;

    public JooqLock(LockerCore core, LockKey key, LockMode mode, boolean blocking, Duration acquireTimeout,
            boolean fencing) {
        this.state = new LockState(core, key, mode, fencing);
        this.blocking = blocking;
        this.acquireTimeout = acquireTimeout;
    }

    @Override
    public boolean acquire() {
        return acquire(blocking);
    }

    @Override
    public boolean acquire(boolean blocking) {
        return attempt(blocking, acquireTimeout, false);
    }

    @Override
    public boolean acquire(Duration timeout) {
        return attempt(true, Timeouts.check("timeout", timeout), false);
    }

    @Override
    public HeldLock hold() {
        attempt(blocking, acquireTimeout, true);
        return new Hold(this);
    }

    @Override
    public HeldLock hold(Duration timeout) {
        attempt(true, Timeouts.check("timeout", timeout), true);
        return new Hold(this);
    }

    /**
     * One acquire. A wait of {@code timeout} bounds the wait for a session and for the lock together:
     * {@code ZERO} is a single try that waits for nothing, below 1 ms counts as 1 ms. A try
     * ({@code !blocking}) still waits up to {@code timeout} for a session.
     */
    private boolean attempt(boolean blocking, Duration timeout, boolean throwEveryFailure) {
        boolean wait = blocking && !timeout.isZero();
        long budget = timeout.equals(WAIT_FOREVER) ? LockerCore.FOREVER
                : wait ? Math.max(timeout.toNanos(), MIN_WAIT_NANOS) : timeout.toNanos();
        try {
            LockerCore.Outcome failure = state.acquire(this, wait, budget);
            if (failure == null) {
                return true;
            }
            if (throwEveryFailure || failure.reason().isError()) {
                // Built only when thrown: an ordinary "no" costs no exception or stack trace.
                throw new AcquireFailure(state.name, state.key, state.mode, Duration.ofNanos(failure.waitedNanos()),
                        failure.reason(), failure.detail(), failure.cause());
            }
            return false;
        } finally {
            // The handle must stay reachable until the lock is registered for release on collection.
            Reference.reachabilityFence(this);
        }
    }

    @Override
    public boolean release() {
        return state.release();
    }

    @Override
    public boolean isHeld() {
        return state.isHeld();
    }

    @Override
    public boolean confirmHeld() {
        return state.confirm();
    }

    @Override
    public Lock onLost(Consumer<? super LockInfo> callback) {
        if (callback == null) {
            throw new IllegalArgumentException("callback must not be null");
        }
        state.onLost(callback);
        return this;
    }

    @Override
    public java.util.Optional<dev.pals.FencingToken> fencingToken() {
        return state.fencingToken();
    }

    @Override
    public int holdCount() {
        return state.holdCount();
    }

    @Override
    public String name() {
        return state.name;
    }

    @Override
    public LockKey key() {
        return state.key;
    }

    @Override
    public LockMode mode() {
        return state.mode;
    }

    @Override
    public boolean blocking() {
        return blocking;
    }

    @Override
    public Duration acquireTimeout() {
        return acquireTimeout;
    }

    @Override
    public String toString() {
        return "Lock[\"" + Text.shorten(state.name) + "\", key " + state.key.displayNumber() + ", " + state.mode.label()
                + (blocking ? ", blocking up to " + Timeouts.describe(acquireTimeout) : ", non-blocking")
                + (isHeld() ? ", held " + holdCount() + "x" : ", not held") + "]";
    }

    /** One acquire, released once by {@link #close()}. */
    private static final class Hold implements HeldLock {
        private final JooqLock lock;
        private final AtomicBoolean closed = new AtomicBoolean();

        Hold(JooqLock lock) {
            this.lock = lock;
        }

        @Override
        public Lock lock() {
            return lock;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                lock.release();
            }
        }

        @Override
        public String toString() {
            return "HeldLock[" + lock + (closed.get() ? ", closed" : "") + "]";
        }
    }
}
