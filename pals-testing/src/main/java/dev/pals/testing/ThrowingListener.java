package dev.pals.testing;

import dev.pals.LockInfo;
import dev.pals.LockListener;
import java.time.Duration;

/** A listener that throws on every acquire and release event: a Locker must carry on as if it were absent. */
public final class ThrowingListener implements LockListener {
    @Override
    public void acquireStarted(LockInfo lock) {
        throw new IllegalStateException("boom");
    }

    @Override
    public void acquired(LockInfo lock, Duration waited) {
        throw new IllegalStateException("boom");
    }

    @Override
    public void released(LockInfo lock, Duration held) {
        throw new IllegalStateException("boom");
    }
}
