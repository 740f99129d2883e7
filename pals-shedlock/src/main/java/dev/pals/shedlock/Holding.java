package dev.pals.shedlock;

import dev.pals.Lock;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;

/**
 * One acquired ShedLock lock: the PALs handle that holds it and when it must be released. The handle
 * stays reachable from here (and from the timer's queue) until the lock is released, so the garbage
 * collector never releases it behind ShedLock's back.
 */
final class Holding {
    private static final System.Logger LOG = System.getLogger("dev.pals.shedlock");

    private enum State {
        /** The task runs; released at lockAtMostFor unless unlocked or extended first. */
        RUNNING,
        /** Unlocked before lockAtLeastFor passed; released when it has. */
        LINGERING,
        /** Released (or lost): nothing more to do. */
        DONE
    }

    private final Lock handle;
    private final ReleaseTimer timer;
    // Guarded by this.
    private State state = State.RUNNING;
    private ReleaseTimer.Task task;
    private Duration lockAtMostFor;

    Holding(Lock handle, ReleaseTimer timer) {
        this.handle = handle;
        this.timer = timer;
    }

    String name() {
        return handle.name();
    }

    boolean isHeld() {
        return handle.isHeld();
    }

    /**
     * Schedules the release at the configuration's lockAtMostFor.
     *
     * @return false if the provider was closed meanwhile (then the lock has been released)
     */
    synchronized boolean start(LockConfiguration configuration) {
        lockAtMostFor = configuration.getLockAtMostFor();
        if (!scheduleAt(configuration.getLockAtMostUntil())) {
            state = State.DONE;
            handle.release();
            return false;
        }
        return true;
    }

    /** ShedLock's unlock: release now, or when lockAtLeastFor has passed. */
    synchronized void unlock(LockConfiguration configuration) {
        if (state != State.RUNNING) {
            return; // released at lockAtMostFor already (or lost)
        }
        Instant releaseAt = configuration.getLockAtLeastUntil();
        if (releaseAt.isAfter(ClockProvider.now()) && handle.isHeld() && scheduleAt(releaseAt)) {
            state = State.LINGERING;
            return;
        }
        releaseNow();
    }

    /**
     * ShedLock's extend: if the lock is still held and its lockAtMostFor has not passed, move its
     * release to {@code next}'s lockAtMostFor (asking the server that the lock is still there).
     */
    synchronized boolean extend(LockConfiguration current, LockConfiguration next) {
        if (state != State.RUNNING) {
            return false;
        }
        if (!current.getLockAtMostUntil().isAfter(ClockProvider.now()) || !handle.confirmHeld()) {
            releaseNow();
            return false;
        }
        lockAtMostFor = next.getLockAtMostFor();
        if (!scheduleAt(next.getLockAtMostUntil())) {
            releaseNow();
            return false;
        }
        return true;
    }

    /** The timer's call: {@code fired} is due (ignored if it was replaced meanwhile). */
    void timeUp(ReleaseTimer.Task fired) {
        synchronized (this) {
            if (fired != task || state == State.DONE) {
                return;
            }
            if (state == State.RUNNING && handle.isHeld()) {
                LOG.log(Level.WARNING, "ShedLock lock \"" + handle.name() + "\" reached its lockAtMostFor ("
                        + lockAtMostFor + ") while its task still runs: released, so another instance may start"
                        + " the task now. Give the task a longer lockAtMostFor, or extend the lock"
                        + " (KeepAliveLockProvider).");
            }
            task = null;
            state = State.DONE;
        }
        handle.release();
    }

    /** Releases at once (provider closing, or due). */
    void releaseFromClose() {
        synchronized (this) {
            if (state == State.DONE) {
                return;
            }
            state = State.DONE;
            task = null;
        }
        handle.release();
    }

    private void releaseNow() {
        state = State.DONE;
        timer.cancel(task);
        task = null;
        handle.release();
    }

    private boolean scheduleAt(Instant when) {
        ReleaseTimer.Task next = new ReleaseTimer.Task(this, System.nanoTime() + nanosUntil(when));
        ReleaseTimer.Task previous = task;
        task = next;
        if (!timer.schedule(previous, next)) {
            task = null;
            return false;
        }
        return true;
    }

    /** Nanoseconds from now (ShedLock's clock) to {@code when}: 0 if past, capped at about 70 years. */
    private static long nanosUntil(Instant when) {
        Duration left = Duration.between(ClockProvider.now(), when);
        if (left.isNegative()) {
            return 0;
        }
        long cap = Long.MAX_VALUE / 4;
        return left.compareTo(Duration.ofNanos(cap)) > 0 ? cap : left.toNanos();
    }

    @Override
    public String toString() {
        return "Holding[\"" + handle.name() + "\"]";
    }
}
