package dev.pals.benchmarks;

import dev.pals.Locker;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Cases 1, 2 and 6: uncontended acquire + release cycles per second, each thread on a key of its own;
 * {@link Bench} runs it once per variant, kind and thread count, alternating PALs and raw JDBC.
 */
@State(Scope.Benchmark)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CycleBenchmark {
    @Param({"raw"})
    public String variant;

    @Param({"blocking"})
    public String kind;

    BenchDatabase db;
    Locker locker;

    @Setup(Level.Trial)
    public void open() {
        db = BenchDatabase.attach();
        Variant v = Variant.of(variant);
        if (!v.isRaw()) {
            locker = v.open(db, Cycle.APP);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        if (locker != null) {
            locker.close();
        }
    }

    /** One thread's cycle, on its own key and (raw) its own held connection. */
    @State(Scope.Thread)
    public static class Worker {
        Cycle cycle;

        @Setup(Level.Trial)
        public void open(CycleBenchmark benchmark, ThreadParams thread) throws SQLException {
            Cycle.Kind kind = Cycle.Kind.of(benchmark.kind);
            String name = "cycle-" + kind.id + "-" + thread.getThreadIndex();
            cycle = benchmark.locker == null ? Cycle.raw(benchmark.db, kind, name)
                    : Cycle.pals(benchmark.locker, kind, name);
        }

        @TearDown(Level.Trial)
        public void close() throws SQLException {
            cycle.close();
        }
    }

    @Benchmark
    public void cycle(Worker worker) throws SQLException {
        worker.cycle.run();
    }
}
