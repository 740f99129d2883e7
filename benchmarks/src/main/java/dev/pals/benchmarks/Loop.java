package dev.pals.benchmarks;

import dev.pals.Locker;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * A plain loop of cycles for profiling outside JMH (with JFR, for example):
 * {@code Loop <variant> <kind> <threads> <seconds> [<variant> ...]}, each variant in turn, against
 * {@code PALS_DB_URL} or a new embedded server. Prints cycles/s per second of run, and CPU per cycle of
 * this JVM and of the server's backends as {@link CpuMeter} reads them (over the whole run, which includes
 * the JIT's warm-up: for profiling, not for the table). {@code -Dloop.repeat=N} runs the list N times.
 */
public final class Loop {
    private Loop() {
    }

    public static void main(String[] args) throws Exception {
        Cycle.Kind kind = Cycle.Kind.of(args[1]);
        int threads = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        try (BenchDatabase db = BenchDatabase.start()) {
            for (int rep = 0; rep < Integer.getInteger("loop.repeat", 1); rep++) {
                for (String id : args[0].split(",")) {
                    run(db, Variant.of(id), kind, threads, seconds);
                }
            }
        }
        System.exit(0);
    }

    private static void run(BenchDatabase db, Variant variant, Cycle.Kind kind, int threads, int seconds)
            throws Exception {
        Locker locker = variant.isRaw() ? null : variant.open(db, Cycle.APP);
        LongAdder done = new LongAdder();
        LongAdder allocated = new LongAdder();
        LongAdder parked = new LongAdder();
        com.sun.management.ThreadMXBean threadBean = (com.sun.management.ThreadMXBean)
                java.lang.management.ManagementFactory.getThreadMXBean();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Thread> workers = new ArrayList<>();
        List<Cycle> cycles = new ArrayList<>();
        // Workers stay alive until the CPU is read: the time of a thread that ended is not counted.
        java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(threads);
        java.util.concurrent.CountDownLatch read = new java.util.concurrent.CountDownLatch(1);
        for (int t = 0; t < threads; t++) {
            String name = "loop-" + kind.id + "-" + t;
            Cycle cycle = locker == null ? Cycle.raw(db, kind, name) : Cycle.pals(locker, kind, name);
            cycles.add(cycle);
            workers.add(new Thread(() -> {
                try {
                    long before = threadBean.getCurrentThreadAllocatedBytes();
                    long waitedBefore = threadBean.getThreadInfo(Thread.currentThread().getId()).getWaitedCount();
                    while (System.nanoTime() < end) {
                        cycle.run();
                        done.increment();
                    }
                    allocated.add(threadBean.getCurrentThreadAllocatedBytes() - before);
                    parked.add(threadBean.getThreadInfo(Thread.currentThread().getId()).getWaitedCount() - waitedBefore);
                    finished.countDown();
                    read.await();
                } catch (Exception e) {
                    e.printStackTrace();
                    finished.countDown();
                }
            }, name));
        }
        CpuMeter meter = CpuMeter.open(db);
        CpuMeter.Reading cpuStart = meter.read();
        workers.forEach(Thread::start);
        long last = 0;
        List<Long> perSecond = new ArrayList<>();
        while (System.nanoTime() < end) {
            Thread.sleep(1000);
            long now = done.sum();
            perSecond.add(now - last);
            last = now;
        }
        finished.await();
        CpuMeter.Reading cpuEnd = meter.read();
        read.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        meter.close();
        long clientCpu = CpuMeter.clientBetween(cpuStart, cpuEnd);
        double serverCpu = meter.serverBetween(cpuStart, cpuEnd);
        long count = done.sum();
        for (Cycle cycle : cycles) {
            cycle.close();
        }
        if (locker != null) {
            locker.close();
        }
        perSecond.sort(null);
        System.out.printf(Locale.ROOT, "%-15s %-8s %d threads: median %,d cycles/s; CPU per cycle: client %.1f µs,"
                + " server backends %.1f µs; %.0f B/cycle, %.3f waits (parks) per cycle in the cycling threads  (per second: %s)%n", variant.label,
                kind.id, threads, perSecond.get(perSecond.size() / 2), clientCpu / 1e3 / count, serverCpu / 1e3 / count,
                (double) allocated.sum() / count, (double) parked.sum() / count, perSecond);
    }
}
