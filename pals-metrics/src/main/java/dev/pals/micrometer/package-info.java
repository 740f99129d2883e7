/**
 * Micrometer metrics for PALs for Java. Bind a Locker in three lines:
 *
 * <pre>{@code
 * PalsMetrics metrics = PalsMetrics.builder(registry).build();
 * Locker locker = JooqLocker.builder("my-app").url(url).listener(metrics).build();
 * metrics.bindTo(locker);
 * }</pre>
 *
 * <p>Meter names and tags are in {@link dev.pals.micrometer.MeterNames}; the README has them as they
 * render in Prometheus, and a Grafana dashboard for them.
 */
package dev.pals.micrometer;
