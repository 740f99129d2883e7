package dev.pals.jooq.internal;

import dev.pals.AcquireFailure.Reason;
import dev.pals.LockInfo;
import dev.pals.LockListener;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The user code the core calls: the listener and the Locker's lost-lock callback, each call guarded.
 * Whatever they throw, {@code Error}s included, is logged and swallowed, except a
 * {@link VirtualMachineError} (the JVM itself is failing), which is rethrown: callers make every call
 * after their own state is consistent, and clean up before they let it through. No listener means no
 * event data is made at all.
 */
final class Events {
    private static final System.Logger LOG = System.getLogger("dev.pals.jooq");

    private final LockListener listener;
    private final boolean listening;
    private final Consumer<? super LockInfo> onLockLost;

    /**
     * @param listener the Locker's listener ({@link LockListener#NONE} for none)
     * @param onLockLost called once for every lost lock, or null
     */
    Events(LockListener listener, Consumer<? super LockInfo> onLockLost) {
        this.listener = listener;
        this.listening = listener != LockListener.NONE;
        this.onLockLost = onLockLost;
    }

    void acquireStarted(LockInfo lock) {
        if (listening) {
            try {
                listener.acquireStarted(lock);
            } catch (Throwable e) {
                failed("acquireStarted", e);
            }
        }
    }

    void acquired(LockInfo lock, long waitedNanos) {
        if (listening) {
            try {
                listener.acquired(lock, Duration.ofNanos(waitedNanos));
            } catch (Throwable e) {
                failed("acquired", e);
            }
        }
    }

    void acquireFailed(LockInfo lock, Reason reason, long waitedNanos, Throwable cause) {
        if (listening) {
            try {
                listener.acquireFailed(lock, reason, Duration.ofNanos(waitedNanos), cause);
            } catch (Throwable e) {
                failed("acquireFailed", e);
            }
        }
    }

    void released(LockInfo lock, long heldNanos) {
        if (listening) {
            try {
                listener.released(lock, Duration.ofNanos(heldNanos));
            } catch (Throwable e) {
                failed("released", e);
            }
        }
    }

    void connectionReset(SessionReset reset) {
        if (listening && reset.happened()) {
            try {
                listener.connectionReset(reset.destroyed(), reset.cause());
            } catch (Throwable e) {
                failed("connectionReset", e);
            }
        }
    }

    void lockerClosed() {
        if (listening) {
            try {
                listener.lockerClosed();
            } catch (Throwable e) {
                failed("lockerClosed", e);
            }
        }
    }

    /**
     * A lock was lost: the listener hears it, then each of the lock's own callbacks, then the Locker's.
     * Every one is called even if an earlier one failed.
     */
    void lockLost(LockInfo lock, long heldNanos, Throwable cause, Iterable<Consumer<? super LockInfo>> lockCallbacks) {
        VirtualMachineError fatal = null;
        if (listening) {
            try {
                listener.lockLost(lock, Duration.ofNanos(heldNanos), cause);
            } catch (VirtualMachineError e) {
                fatal = e;
            } catch (Throwable e) {
                log("the lock listener failed on lockLost; ignored", e);
            }
        }
        for (Consumer<? super LockInfo> callback : lockCallbacks) {
            fatal = callback(callback, lock, fatal);
        }
        if (onLockLost != null) {
            fatal = callback(onLockLost, lock, fatal);
        }
        if (fatal != null) {
            throw fatal;
        }
    }

    private static VirtualMachineError callback(Consumer<? super LockInfo> callback, LockInfo lock,
            VirtualMachineError fatal) {
        try {
            callback.accept(lock);
        } catch (VirtualMachineError e) {
            return fatal != null ? fatal : e;
        } catch (Throwable e) {
            log("a lost-lock callback failed; ignored", e);
        }
        return fatal;
    }

    private static void failed(String event, Throwable e) {
        if (e instanceof VirtualMachineError) {
            throw (VirtualMachineError) e;
        }
        log("the lock listener failed on " + event + "; ignored", e);
    }

    private static void log(String message, Throwable e) {
        LOG.log(Level.WARNING, message, e);
    }
}
