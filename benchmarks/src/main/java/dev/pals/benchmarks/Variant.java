package dev.pals.benchmarks;

import dev.pals.LockInfo;
import dev.pals.LockListener;
import dev.pals.Locker;
import dev.pals.jooq.JooqLocker;
import dev.pals.micrometer.PalsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * What runs a case: the raw JDBC yardstick, or PALs with its default settings (multiplexing on), bare,
 * with a counting listener, or with the metrics module bound to a Prometheus registry (histograms
 * included); or PALs with multiplexing off.
 */
enum Variant {
    RAW("raw", "raw JDBC"),
    PALS("pals", "PALs"),
    /** PALs with {@code multiplexing(false)}: one session per held lock, as in Python PALs. */
    PALS_SOLO("pals-solo", "PALs, multiplexing off"),
    /** PALs with a listener that counts every event: the dispatch cost a metrics listener starts from. */
    PALS_LISTENER("pals-listener", "PALs + listener"),
    /** PALs with pals-metrics bound, as a user would run it: Prometheus registry, percentile histograms. */
    PALS_METRICS("pals-metrics", "PALs + metrics"),
    /** PALs with fencing tokens for every exclusive lock ({@code builder.fencing(true)}, its table created). */
    PALS_FENCED("pals-fenced", "PALs, fenced");

    final String id;
    final String label;

    Variant(String id, String label) {
        this.id = id;
        this.label = label;
    }

    static Variant of(String id) {
        for (Variant variant : values()) {
            if (variant.id.equals(id)) {
                return variant;
            }
        }
        throw new IllegalArgumentException("unknown variant: " + id);
    }

    boolean isRaw() {
        return this == RAW;
    }

    LockListener listener() {
        return this == PALS_LISTENER ? new CountingListener() : LockListener.NONE;
    }

    /**
     * A Locker with default settings (multiplexing on but for {@link #PALS_SOLO}, pool of 8, blocking, 30 s
     * timeout) on {@code url}.
     */
    Locker open(BenchDatabase db, String app, String url) {
        if (isRaw()) {
            throw new IllegalStateException("raw JDBC has no Locker");
        }
        JooqLocker.Builder builder = JooqLocker.builder(app).url(url).user(db.user()).password(db.password())
                .multiplexing(this != PALS_SOLO);
        if (this == PALS_FENCED) {
            builder.fencing(true).createFencingTable(true);
        }
        if (this == PALS_METRICS) {
            PalsMetrics metrics = PalsMetrics.builder(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).build();
            Locker locker = builder.listener(metrics).build();
            metrics.bindTo(locker);
            return locker;
        }
        return builder.listener(listener()).build();
    }

    Locker open(BenchDatabase db, String app) {
        return open(db, app, db.url());
    }

    /** Counts events, as the cheapest useful metrics listener would. */
    static final class CountingListener implements LockListener {
        final LongAdder acquired = new LongAdder();
        final LongAdder released = new LongAdder();
        final LongAdder other = new LongAdder();

        @Override
        public void acquireStarted(LockInfo lock) {
            other.increment();
        }

        @Override
        public void acquired(LockInfo lock, Duration waited) {
            acquired.increment();
        }

        @Override
        public void acquireFailed(LockInfo lock, dev.pals.AcquireFailure.Reason reason, Duration waited, Throwable cause) {
            other.increment();
        }

        @Override
        public void released(LockInfo lock, Duration held) {
            released.increment();
        }
    }
}
