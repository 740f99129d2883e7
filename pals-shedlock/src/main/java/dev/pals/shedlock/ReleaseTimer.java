package dev.pals.shedlock;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Releases held locks when their time comes (lockAtMostFor, lockAtLeastFor), on one daemon thread per
 * provider that exists only while there is something to release: it starts with the first scheduled
 * release and ends when none has been pending for {@link #IDLE}. Every {@link #SWEEP} it also lets go
 * of locks that are no longer held (their session ended, or their Locker was closed), so a closed
 * Locker leaves no thread waiting for a distant lockAtMostFor.
 *
 * <p>Lock order: a {@link Holding}'s monitor may be held while calling into the timer, never the
 * reverse: the timer runs due releases after letting go of its own lock.
 */
final class ReleaseTimer {
    private static final System.Logger LOG = System.getLogger("dev.pals.shedlock");

    /** How often locks that are no longer held are looked for. */
    static final Duration SWEEP = Duration.ofSeconds(1);
    /** How long the thread stays without pending releases before it ends. */
    static final Duration IDLE = Duration.ofSeconds(1);
    /** The name of the timer's thread. */
    static final String THREAD_NAME = "pals-shedlock-release";

    /** One scheduled release: runs {@link Holding#timeUp(Task)}, which ignores it if rescheduled. */
    static final class Task {
        final Holding holding;
        final long deadline;

        Task(Holding holding, long deadline) {
            this.holding = holding;
            this.deadline = deadline;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final PriorityQueue<Task> queue =
            new PriorityQueue<>((a, b) -> Long.compare(a.deadline - b.deadline, 0));
    // Guarded by lock.
    private Thread thread;
    private boolean closed;

    /**
     * Schedules {@code task} (replacing {@code previous}, if any).
     *
     * @return false if the timer is closed (nothing scheduled)
     */
    boolean schedule(Task previous, Task task) {
        lock.lock();
        try {
            if (previous != null) {
                queue.remove(previous);
            }
            if (closed) {
                return false;
            }
            queue.add(task);
            if (thread == null) {
                thread = new Thread(this::run, THREAD_NAME);
                thread.setDaemon(true);
                thread.start();
            } else {
                changed.signal();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    void cancel(Task task) {
        if (task == null) {
            return;
        }
        lock.lock();
        try {
            queue.remove(task);
        } finally {
            lock.unlock();
        }
    }

    /** Stops the timer and returns what was still scheduled (to be released by the caller). */
    List<Task> close() {
        Thread running;
        List<Task> pending;
        lock.lock();
        try {
            closed = true;
            pending = new ArrayList<>(queue);
            queue.clear();
            running = thread;
            changed.signal();
        } finally {
            lock.unlock();
        }
        if (running != null && running != Thread.currentThread()) {
            try {
                running.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return pending;
    }

    /** Whether the timer's thread is running (for tests and diagnostics). */
    boolean threadAlive() {
        lock.lock();
        try {
            return thread != null;
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        long nextSweep = System.nanoTime() + SWEEP.toNanos();
        while (true) {
            List<Task> due = new ArrayList<>();
            lock.lock();
            try {
                long idleSince = System.nanoTime();
                while (due.isEmpty()) {
                    if (closed) {
                        thread = null;
                        return;
                    }
                    long now = System.nanoTime();
                    if (now - nextSweep >= 0) {
                        nextSweep = now + SWEEP.toNanos();
                        for (Task task : queue) {
                            if (!task.holding.isHeld()) {
                                due.add(task);
                            }
                        }
                        queue.removeAll(due);
                        if (!due.isEmpty()) {
                            break;
                        }
                    }
                    Task head = queue.peek();
                    if (head == null) {
                        if (now - idleSince >= IDLE.toNanos()) {
                            thread = null;
                            return;
                        }
                        awaitNanos(Math.min(IDLE.toNanos() - (now - idleSince), nextSweep - now));
                        continue;
                    }
                    idleSince = now;
                    long wait = head.deadline - now;
                    if (wait <= 0) {
                        due.add(queue.poll());
                    } else {
                        awaitNanos(Math.min(wait, nextSweep - now));
                    }
                }
            } finally {
                lock.unlock();
            }
            for (Task task : due) {
                try {
                    task.holding.timeUp(task);
                } catch (RuntimeException | Error e) {
                    LOG.log(Level.WARNING, "releasing ShedLock lock \"" + task.holding.name() + "\" failed", e);
                }
            }
        }
    }

    private void awaitNanos(long nanos) {
        try {
            changed.awaitNanos(Math.max(nanos, 1));
        } catch (InterruptedException e) {
            // Nobody but this class knows the thread; an interrupt only makes it look again.
            Thread.interrupted();
        }
    }
}
