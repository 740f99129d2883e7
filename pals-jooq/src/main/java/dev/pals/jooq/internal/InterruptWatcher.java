package dev.pals.jooq.internal;

import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Makes waits at the server interruptible. A thread blocked in a JDBC call does not react to
 * {@link Thread#interrupt()}, so while a thread waits for a lock at the server it is watched: one
 * daemon thread per JVM looks at the interrupt flags of the waiting threads every
 * {@value #CHECK_MILLIS} ms (and sleeps while nobody waits), and for a thread that was interrupted asks
 * the server to cancel its statement (PostgreSQL's cancel request, sent on a connection of its own, off
 * the watcher's thread). The wait then ends with SQLSTATE 57014, which the waiter reads, through
 * {@link Watch#cancelled()}, as its own interrupt.
 */
final class InterruptWatcher {
    /** How often the interrupt flags of waiting threads are looked at. */
    static final long CHECK_MILLIS = 5;
    private static final System.Logger LOG = System.getLogger("dev.pals.jooq");
    private static final Set<Watch> WATCHED = ConcurrentHashMap.newKeySet();
    private static final ExecutorService CANCELS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
            new SynchronousQueue<>(), runnable -> {
                Thread thread = new Thread(runnable, "pals-interrupt-cancel");
                thread.setDaemon(true);
                return thread;
            });
    private static volatile Thread watcher;

    private InterruptWatcher() {
    }

    /** One wait being watched. */
    static final class Watch {
        final Thread thread;
        final LockSession session;
        private volatile boolean cancelled;

        private Watch(Thread thread, LockSession session) {
            this.thread = thread;
            this.session = session;
        }

        /** Whether the watcher asked the server to cancel this wait (its thread was interrupted). */
        boolean cancelled() {
            return cancelled;
        }
    }

    /** Watches the calling thread while it waits at the server on {@code session}; end with {@link #end}. */
    static Watch start(LockSession session) {
        Watch watch = new Watch(Thread.currentThread(), session);
        WATCHED.add(watch);
        Thread running = watcher;
        if (running == null) {
            running = startWatcher();
        }
        LockSupport.unpark(running);
        return watch;
    }

    static void end(Watch watch) {
        WATCHED.remove(watch);
    }

    private static synchronized Thread startWatcher() {
        if (watcher == null) {
            Thread thread = new Thread(InterruptWatcher::watch, "pals-interrupt-watcher");
            thread.setDaemon(true);
            thread.start();
            watcher = thread;
        }
        return watcher;
    }

    private static void watch() {
        while (true) {
            try {
                if (WATCHED.isEmpty()) {
                    LockSupport.park();
                    continue;
                }
                for (Watch watch : WATCHED) {
                    if (!watch.cancelled && watch.thread.isInterrupted()) {
                        watch.cancelled = true;
                        CANCELS.execute(watch.session::cancel);
                    }
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(CHECK_MILLIS));
            } catch (Throwable e) {
                // Never let the watcher die: later waits must stay interruptible.
                LOG.log(Level.WARNING, "watching waits for interrupts failed; goes on", e);
            }
        }
    }
}
