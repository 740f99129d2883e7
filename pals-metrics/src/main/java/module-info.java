/**
 * Micrometer meters and observations for a PALs {@link dev.pals.Locker}: {@link dev.pals.micrometer.PalsMetrics}.
 * Meter names: {@link dev.pals.micrometer.MeterNames}.
 */
module dev.pals.micrometer {
    requires transitive dev.pals.api;
    requires transitive micrometer.commons;
    requires transitive micrometer.core;
    requires transitive micrometer.observation;

    exports dev.pals.micrometer;
}
