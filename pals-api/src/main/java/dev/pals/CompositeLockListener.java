package dev.pals;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;

/** {@link LockListener#composite}: calls every listener, each guarded on its own. */
final class CompositeLockListener implements LockListener {
    private static final System.Logger LOG = System.getLogger("dev.pals");
    private final List<LockListener> listeners;

    CompositeLockListener(List<LockListener> listeners) {
        this.listeners = listeners;
    }

    private interface Call {
        void on(LockListener listener);
    }

    /**
     * Calls every listener. Whatever one throws is logged and ignored, but for a
     * {@link VirtualMachineError}, which is passed on once all the others have heard.
     */
    private void each(String event, Call call) {
        VirtualMachineError fatal = null;
        for (LockListener listener : listeners) {
            try {
                call.on(listener);
            } catch (VirtualMachineError e) {
                fatal = fatal != null ? fatal : e;
            } catch (Throwable e) {
                LOG.log(Level.WARNING, "lock listener " + listener.getClass().getName() + " failed on " + event
                        + "; ignored", e);
            }
        }
        if (fatal != null) {
            throw fatal;
        }
    }

    @Override
    public void acquireStarted(LockInfo lock) {
        each("acquireStarted", listener -> listener.acquireStarted(lock));
    }

    @Override
    public void acquired(LockInfo lock, Duration waited) {
        each("acquired", listener -> listener.acquired(lock, waited));
    }

    @Override
    public void acquireFailed(LockInfo lock, AcquireFailure.Reason reason, Duration waited, Throwable cause) {
        each("acquireFailed", listener -> listener.acquireFailed(lock, reason, waited, cause));
    }

    @Override
    public void released(LockInfo lock, Duration held) {
        each("released", listener -> listener.released(lock, held));
    }

    @Override
    public void lockLost(LockInfo lock, Duration held, Throwable cause) {
        each("lockLost", listener -> listener.lockLost(lock, held, cause));
    }

    @Override
    public void connectionReset(boolean destroyed, Throwable cause) {
        each("connectionReset", listener -> listener.connectionReset(destroyed, cause));
    }

    @Override
    public void lockerClosed() {
        each("lockerClosed", LockListener::lockerClosed);
    }

    @Override
    public String toString() {
        return "LockListener.composite" + listeners;
    }
}
