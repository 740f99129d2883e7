package dev.pals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/** {@link Locker#semaphore}: see {@link LockSemaphore} for how it waits. */
final class PermitSemaphore implements LockSemaphore {
    private final Locker locker;
    private final String name;
    private final String fullName;
    private final int permits;
    private final ReentrantLock guard = new ReentrantLock();
    // Guarded by guard.
    private Lock held;
    private int heldIndex = -1;
    private int count;

    PermitSemaphore(Locker locker, String name, int permits) {
        if (name == null) {
            throw new IllegalArgumentException("semaphore name must not be null");
        }
        if (permits < 1) {
            throw new IllegalArgumentException("permits must be at least 1: " + permits);
        }
        this.locker = locker;
        this.name = name;
        this.fullName = locker.key(name).displayName();
        this.permits = permits;
    }

    @Override
    public String name() {
        return fullName;
    }

    @Override
    public int permits() {
        return permits;
    }

    @Override
    public boolean acquire() {
        return acquire(locker.blocking());
    }

    @Override
    public boolean acquire(boolean blocking) {
        return acquire(blocking ? locker.acquireTimeout() : Duration.ZERO);
    }

    @Override
    public boolean acquire(Duration timeout) {
        return take(timeout, false);
    }

    @Override
    public HeldLock hold(Duration timeout) {
        take(timeout, true);
        AtomicBoolean closed = new AtomicBoolean();
        return new HeldLock() {
            @Override
            public Lock lock() {
                guard.lock();
                try {
                    return held;
                } finally {
                    guard.unlock();
                }
            }

            @Override
            public void close() {
                if (closed.compareAndSet(false, true)) {
                    release();
                }
            }
        };
    }

    private boolean take(Duration timeout, boolean throwEveryFailure) {
        if (timeout == null) {
            throw new IllegalArgumentException("timeout must not be null");
        }
        guard.lock();
        try {
            if (count > 0 && held.isHeld()) {
                count++;
                return true;
            }
        } finally {
            guard.unlock();
        }
        boolean forever = timeout.equals(Lock.WAIT_FOREVER);
        boolean wait = !timeout.isZero();
        long deadline = System.nanoTime() + (forever ? 0 : timeout.toNanos());
        Lock queue = locker.lock(name + "#queue");
        // First come, first served: the queue key, at the server.
        boolean inQueue = throwEveryFailure ? hold(queue, timeout) : queue.acquire(timeout);
        if (!inQueue) {
            return false;
        }
        try {
            List<Lock> keys = new ArrayList<>(permits);
            for (int i = 0; i < permits; i++) {
                keys.add(locker.lock(name + "#permit-" + i));
            }
            for (int i = 0; i < permits; i++) {
                if (keys.get(i).acquire(Duration.ZERO)) {
                    return took(keys.get(i), i);
                }
            }
            if (!wait) {
                if (throwEveryFailure) {
                    throw new AcquireFailure(fullName, locker.key(name), LockMode.EXCLUSIVE, Duration.ZERO,
                            AcquireFailure.Reason.NOT_AVAILABLE, "(all " + permits + " permits are held)", null);
                }
                return false;
            }
            return awaitAny(keys, forever, deadline, throwEveryFailure);
        } finally {
            queue.release();
        }
    }

    /** Waits at the server for every permit at once, keeps the first granted and cancels the rest. */
    private boolean awaitAny(List<Lock> keys, boolean forever, long deadline, boolean throwEveryFailure) {
        List<CompletableFuture<Boolean>> waits = new ArrayList<>(keys.size());
        Duration budget = forever ? Lock.WAIT_FOREVER : Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
        for (Lock key : keys) {
            waits.add(key.acquireAsync(budget));
        }
        int winner = -1;
        Throwable failure = null;
        try {
            CompletableFuture<Object> any = CompletableFuture.anyOf(waits.toArray(new CompletableFuture<?>[0]));
            while (winner < 0) {
                try {
                    if (forever) {
                        any.get();
                    } else {
                        any.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    }
                } catch (ExecutionException e) {
                    failure = e.getCause();
                }
                winner = firstGranted(waits);
                if (winner < 0) {
                    // One ended without the lock (a failure): wait for the others that still may.
                    List<CompletableFuture<Boolean>> pending = new ArrayList<>();
                    for (CompletableFuture<Boolean> wait : waits) {
                        if (!wait.isDone()) {
                            pending.add(wait);
                        }
                    }
                    if (pending.isEmpty() || failure != null) {
                        break;
                    }
                    any = CompletableFuture.anyOf(pending.toArray(new CompletableFuture<?>[0]));
                }
            }
        } catch (TimeoutException e) {
            winner = firstGranted(waits);
        } catch (InterruptedException e) {
            cancelAll(waits, -1);
            Thread.currentThread().interrupt();
            throw new AcquireFailure(fullName, locker.key(name), LockMode.EXCLUSIVE, Duration.ZERO,
                    AcquireFailure.Reason.INTERRUPTED, null, e);
        }
        cancelAll(waits, winner);
        // A wait granted as the others were cancelled keeps its lock: let all but the winner go.
        for (int i = 0; i < keys.size(); i++) {
            if (i != winner && waits.get(i).isDone() && !waits.get(i).isCancelled()
                    && Boolean.TRUE.equals(waits.get(i).getNow(false))) {
                keys.get(i).release();
            }
        }
        if (winner >= 0) {
            return took(keys.get(winner), winner);
        }
        if (failure instanceof RuntimeException) {
            throw (RuntimeException) failure;
        }
        if (throwEveryFailure) {
            throw new AcquireFailure(fullName, locker.key(name), LockMode.EXCLUSIVE, Duration.ZERO,
                    AcquireFailure.Reason.TIMEOUT, "(all " + keys.size() + " permits stayed held)", failure);
        }
        return false;
    }

    private static int firstGranted(List<CompletableFuture<Boolean>> waits) {
        for (int i = 0; i < waits.size(); i++) {
            CompletableFuture<Boolean> wait = waits.get(i);
            if (wait.isDone() && !wait.isCancelled() && !wait.isCompletedExceptionally() && wait.join()) {
                return i;
            }
        }
        return -1;
    }

    /** Cancels the waits still running but the winner's, and waits for them to end. */
    private static void cancelAll(List<CompletableFuture<Boolean>> waits, int winner) {
        for (int i = 0; i < waits.size(); i++) {
            if (i != winner) {
                waits.get(i).cancel(true);
            }
        }
    }

    private boolean took(Lock key, int index) {
        guard.lock();
        try {
            held = key;
            heldIndex = index;
            count = 1;
        } finally {
            guard.unlock();
        }
        return true;
    }

    private static boolean hold(Lock lock, Duration timeout) {
        lock.hold(timeout);
        return true;
    }

    @Override
    public boolean release() {
        Lock releasing;
        guard.lock();
        try {
            if (count == 0) {
                return false;
            }
            if (--count > 0 && held.isHeld()) {
                return true;
            }
            count = 0;
            releasing = held;
            held = null;
            heldIndex = -1;
        } finally {
            guard.unlock();
        }
        return releasing.release();
    }

    @Override
    public boolean isHeld() {
        guard.lock();
        try {
            return count > 0 && held.isHeld();
        } finally {
            guard.unlock();
        }
    }

    @Override
    public int permit() {
        guard.lock();
        try {
            return count > 0 && held.isHeld() ? heldIndex : -1;
        } finally {
            guard.unlock();
        }
    }

    @Override
    public String toString() {
        return "LockSemaphore[\"" + fullName + "\", " + permits + " permits" + (isHeld() ? ", holds " + permit() : "")
                + "]";
    }
}
