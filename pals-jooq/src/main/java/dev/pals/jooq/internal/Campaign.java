package dev.pals.jooq.internal;

import dev.pals.AcquireFailure;
import dev.pals.FencingToken;
import dev.pals.LeaderElection;
import dev.pals.Leadership;
import dev.pals.Lock;
import dev.pals.internal.Text;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A {@link LeaderElection}: one daemon thread per candidate waits for the election's lock at the server
 * (exclusive, with fencing, without limit), leads while it holds it, and campaigns again when the lock is
 * lost. The Locker's session checks are turned on (every second if it has no check interval), so a lost
 * lock is noticed within the check interval plus the 1 s check timeout.
 */
public final class Campaign implements LeaderElection {
    private static final System.Logger LOG = System.getLogger("dev.pals.jooq");
    /** How often the leader's session is checked if the Locker has no check interval of its own. */
    public static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);
    private static final long MAX_BACKOFF_MILLIS = 5_000;

    private final Lock lock;
    private final LockerCore core;
    private final List<Consumer<? super Leadership>> gained = new CopyOnWriteArrayList<>();
    private final List<Consumer<? super Leadership>> lost = new CopyOnWriteArrayList<>();
    private final List<Consumer<? super Leadership>> givenUp = new CopyOnWriteArrayList<>();
    private final ReentrantLock guard = new ReentrantLock();
    private final Condition changed = guard.newCondition();
    // Guarded by guard.
    private Thread thread;
    private Leadership term;
    private boolean lockLost;
    private volatile boolean closed;

    /** @param lock the election's lock: exclusive, with fencing */
    public Campaign(Lock lock, LockerCore core) {
        this.lock = lock;
        this.core = core;
        lock.onLost(info -> {
            guard.lock();
            try {
                lockLost = true;
                changed.signalAll();
            } finally {
                guard.unlock();
            }
        });
    }

    @Override
    public String name() {
        return lock.name();
    }

    @Override
    public LeaderElection start() {
        guard.lock();
        try {
            if (closed) {
                throw new IllegalStateException("this leader election is closed");
            }
            if (thread == null) {
                core.watchSessions(CHECK_INTERVAL);
                thread = new Thread(this::campaign, "pals-leader-" + Text.shorten(lock.name()));
                thread.setDaemon(true);
                thread.start();
            }
        } finally {
            guard.unlock();
        }
        return this;
    }

    @Override
    public boolean isLeader() {
        return leadership().isPresent();
    }

    @Override
    public Optional<Leadership> leadership() {
        guard.lock();
        try {
            return term != null && lock.isHeld() ? Optional.of(term) : Optional.empty();
        } finally {
            guard.unlock();
        }
    }

    @Override
    public boolean awaitLeadership(Duration timeout) throws InterruptedException {
        long left = timeout.toNanos();
        guard.lock();
        try {
            while (term == null || !lock.isHeld()) {
                if (left <= 0 || closed) {
                    return false;
                }
                left = changed.awaitNanos(left);
            }
            return true;
        } finally {
            guard.unlock();
        }
    }

    @Override
    public LeaderElection onGained(Consumer<? super Leadership> callback) {
        gained.add(checked(callback));
        return this;
    }

    @Override
    public LeaderElection onLost(Consumer<? super Leadership> callback) {
        lost.add(checked(callback));
        return this;
    }

    @Override
    public LeaderElection onGivenUp(Consumer<? super Leadership> callback) {
        givenUp.add(checked(callback));
        return this;
    }

    private static <T> T checked(T callback) {
        if (callback == null) {
            throw new IllegalArgumentException("callback must not be null");
        }
        return callback;
    }

    /** The campaign thread: win, lead, and campaign again, until closed. */
    private void campaign() {
        long backoff = 100;
        while (!closed) {
            boolean acquired;
            try {
                acquired = lock.acquire(Lock.WAIT_FOREVER);
                backoff = 100;
            } catch (IllegalStateException lockerClosed) {
                break;
            } catch (AcquireFailure failure) {
                if (closed) {
                    break;
                }
                LOG.log(Level.WARNING, "leader election \"" + Text.shorten(lock.name()) + "\": campaigning failed;"
                        + " trying again in " + backoff + " ms", failure);
                if (!pause(backoff)) {
                    break;
                }
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
                continue;
            }
            if (!acquired) {
                continue;
            }
            lead();
        }
    }

    /** Holds the lock until it is lost or the election closed, telling the callbacks. */
    private void lead() {
        FencingToken token = lock.fencingToken().orElseThrow(() -> new IllegalStateException(
                "the election's lock has no fencing token"));
        Leadership current = new Leadership(lock.name(), token.value(), token, Instant.now());
        guard.lock();
        try {
            term = current;
            lockLost = false;
            changed.signalAll();
        } finally {
            guard.unlock();
        }
        run(gained, current, "gained");
        boolean endedByLoss;
        guard.lock();
        try {
            while (!closed && !lockLost && lock.isHeld()) {
                changed.await();
            }
            endedByLoss = !closed;
            term = null;
            changed.signalAll();
        } catch (InterruptedException e) {
            // close() interrupts: give leadership up below.
            endedByLoss = !closed;
            term = null;
        } finally {
            guard.unlock();
        }
        Thread.interrupted();
        if (endedByLoss) {
            LOG.log(Level.WARNING, "leader election \"" + Text.shorten(lock.name()) + "\": leadership of epoch "
                    + current.epoch() + " lost; campaigning again");
            lock.release();
            run(lost, current, "lost");
        } else {
            lock.release();
            run(givenUp, current, "givenUp");
        }
    }

    private boolean pause(long millis) {
        guard.lock();
        try {
            long left = TimeUnit.MILLISECONDS.toNanos(millis);
            while (!closed && left > 0) {
                left = changed.awaitNanos(left);
            }
            return !closed;
        } catch (InterruptedException e) {
            return false;
        } finally {
            guard.unlock();
        }
    }

    private void run(List<Consumer<? super Leadership>> callbacks, Leadership leadership, String event) {
        for (Consumer<? super Leadership> callback : callbacks) {
            try {
                callback.accept(leadership);
            } catch (Throwable e) {
                LOG.log(Level.WARNING, "a leadership callback (" + event + ") failed; ignored", e);
            }
        }
    }

    /** Gives leadership up at once and stops campaigning; waits for the campaign thread (bounded). */
    @Override
    public void close() {
        Thread campaigning;
        guard.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            campaigning = thread;
            changed.signalAll();
        } finally {
            guard.unlock();
        }
        if (campaigning != null) {
            // Ends a wait at the server (the interrupt cancels it) or the term.
            campaigning.interrupt();
            try {
                campaigning.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "LeaderElection[\"" + Text.shorten(lock.name()) + "\"" + (closed ? ", closed" : isLeader()
                ? ", leader of epoch " + leadership().map(Leadership::epoch).orElse(0L) : ", candidate") + "]";
    }
}
