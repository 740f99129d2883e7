package dev.pals.micrometer;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and key values of lock observations. Implement it (or extend
 * {@link DefaultLockObservationConvention}) and give it to
 * {@link PalsMetrics.Builder#acquireObservationConvention} or
 * {@link PalsMetrics.Builder#holdObservationConvention} to change them.
 */
public interface LockObservationConvention extends ObservationConvention<LockObservationContext> {
    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof LockObservationContext;
    }
}
