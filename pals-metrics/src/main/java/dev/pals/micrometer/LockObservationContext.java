package dev.pals.micrometer;

import dev.pals.AcquireFailure;
import dev.pals.LockKey;
import dev.pals.LockMode;
import io.micrometer.observation.Observation;
import java.util.Objects;
import java.util.Optional;

/**
 * What an observation of a lock knows: an acquire (from its start to acquired or failed) or a hold (from
 * acquired to released, lost or the Locker's close). {@link LockObservationConvention}s turn it into
 * names and key values.
 */
public final class LockObservationContext extends Observation.Context {
    /** Which part of a lock's life is observed. */
    public enum Kind {
        /** Waiting for a connection and the lock: {@value MeterNames#OBSERVATION_ACQUIRE}. */
        ACQUIRE,
        /** Holding the lock: {@value MeterNames#OBSERVATION_HOLD}. */
        HOLD
    }

    private final Kind kind;
    private final String lockName;
    private final LockKey key;
    private final LockMode mode;
    private final String application;
    private volatile String outcome;
    private volatile AcquireFailure.Reason failure;

    LockObservationContext(Kind kind, String lockName, LockKey key, LockMode mode, String application) {
        this.kind = kind;
        this.lockName = lockName;
        this.key = key;
        this.mode = mode;
        this.application = application;
    }

    public Kind kind() {
        return kind;
    }

    /** The lock's full name, as {@link dev.pals.Lock#name()}. */
    public String lockName() {
        return lockName;
    }

    public LockKey key() {
        return key;
    }

    public LockMode mode() {
        return mode;
    }

    /** The {@value MeterNames#TAG_APPLICATION} tag value of the meters. */
    public String application() {
        return application;
    }

    /**
     * How it ended, once it has: for an acquire {@value MeterNames#ACQUIRED} or
     * {@link MeterNames#outcome(AcquireFailure.Reason) the failure's outcome}; for a hold
     * {@value MeterNames#RELEASED}, {@value MeterNames#LOST_OUTCOME} or {@value MeterNames#CLOSED}.
     */
    public Optional<String> outcome() {
        return Optional.ofNullable(outcome);
    }

    /** Why an acquire failed, if it did. */
    public Optional<AcquireFailure.Reason> failure() {
        return Optional.ofNullable(failure);
    }

    void end(String outcome, AcquireFailure.Reason failure) {
        this.outcome = Objects.requireNonNull(outcome, "outcome");
        this.failure = failure;
    }

    @Override
    public String toString() {
        return "LockObservationContext[" + kind + " \"" + lockName + "\", " + mode.label() + ", application "
                + application + (outcome == null ? "" : ", " + outcome) + "]";
    }
}
