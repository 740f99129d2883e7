package dev.pals;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link Lock#acquireAsync}: an acquire on another thread, whose future's {@code cancel} ends the wait
 * (interrupting the acquire, which cancels a wait at the server) and lets go of a lock acquired as the
 * cancel came.
 */
final class AsyncAcquire implements Runnable {
    /** Daemon threads made as needed and let go after a minute idle. */
    static final ExecutorService DEFAULT_EXECUTOR = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), runnable -> {
                Thread thread = new Thread(runnable, "pals-async-acquire");
                thread.setDaemon(true);
                return thread;
            });

    private final Lock lock;
    private final Duration timeout;
    private final Future future = new Future();
    private final ReentrantLock guard = new ReentrantLock();
    // Guarded by guard.
    private Thread running;
    private boolean interruptedByCancel;

    private AsyncAcquire(Lock lock, Duration timeout) {
        this.lock = lock;
        this.timeout = timeout;
    }

    static CompletableFuture<Boolean> start(Lock lock, Duration timeout, Executor executor) {
        if (timeout == null) {
            throw new IllegalArgumentException("timeout must not be null");
        }
        if (executor == null) {
            throw new IllegalArgumentException("executor must not be null");
        }
        AsyncAcquire task = new AsyncAcquire(lock, timeout);
        executor.execute(task);
        return task.future;
    }

    @Override
    public void run() {
        guard.lock();
        try {
            if (future.isDone()) {
                return;
            }
            running = Thread.currentThread();
        } finally {
            guard.unlock();
        }
        try {
            boolean acquired = lock.acquire(timeout);
            if (!future.complete(acquired) && acquired) {
                // Cancelled as the lock came: nobody will release it.
                lock.release();
            }
        } catch (Throwable failure) {
            future.completeExceptionally(failure);
        } finally {
            guard.lock();
            try {
                running = null;
                if (interruptedByCancel) {
                    // The interrupt was ours: the executor's thread goes back without it.
                    Thread.interrupted();
                }
            } finally {
                guard.unlock();
            }
        }
    }

    /** A future whose cancel reaches the acquire in progress. */
    private final class Future extends CompletableFuture<Boolean> {
        /** Cancels, and ends the acquire's wait, whatever {@code mayInterruptIfRunning} says. */
        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                guard.lock();
                try {
                    if (running != null) {
                        interruptedByCancel = true;
                        running.interrupt();
                    }
                } finally {
                    guard.unlock();
                }
            }
            return cancelled;
        }
    }
}
