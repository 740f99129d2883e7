package dev.pals.micrometer;

import io.micrometer.common.KeyValues;

/**
 * The default names and key values of lock observations. Low cardinality (on spans and on the meters
 * a meter handler makes): {@value MeterNames#TAG_APPLICATION}, {@value MeterNames#TAG_MODE},
 * {@value MeterNames#TAG_OUTCOME}. High cardinality (spans only): {@value MeterNames#KEY_LOCK_NAME}.
 */
public class DefaultLockObservationConvention implements LockObservationConvention {
    /** Acquires: {@value MeterNames#OBSERVATION_ACQUIRE}, spans named {@code pals acquire}. */
    public static final DefaultLockObservationConvention ACQUIRE =
            new DefaultLockObservationConvention(MeterNames.OBSERVATION_ACQUIRE, "pals acquire");
    /** Holds: {@value MeterNames#OBSERVATION_HOLD}, spans named {@code pals hold}. */
    public static final DefaultLockObservationConvention HOLD =
            new DefaultLockObservationConvention(MeterNames.OBSERVATION_HOLD, "pals hold");

    private final String name;
    private final String contextualName;

    /**
     * @param name the observation's name, which a meter handler uses as a timer name: it must differ
     *     from every {@link MeterNames} meter
     * @param contextualName the span name
     */
    protected DefaultLockObservationConvention(String name, String contextualName) {
        this.name = name;
        this.contextualName = contextualName;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String getContextualName(LockObservationContext context) {
        return contextualName;
    }

    /** {@value MeterNames#TAG_OUTCOME} only once it ended, so that a meter handler's active-task timer goes without it. */
    @Override
    public KeyValues getLowCardinalityKeyValues(LockObservationContext context) {
        KeyValues keyValues = KeyValues.of(MeterNames.TAG_APPLICATION, context.application(), MeterNames.TAG_MODE,
                context.mode().label());
        return context.outcome().map(outcome -> keyValues.and(MeterNames.TAG_OUTCOME, outcome)).orElse(keyValues);
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(LockObservationContext context) {
        return KeyValues.of(MeterNames.KEY_LOCK_NAME, context.lockName());
    }
}
