package dev.pals.chaos;

import dev.pals.AcquireFailure;
import dev.pals.FencingToken;
import dev.pals.HeldLockInfo;
import dev.pals.Lock;
import dev.pals.LockInfo;
import dev.pals.LockListener;
import dev.pals.LockMode;
import dev.pals.LockOptions;
import dev.pals.Locker;
import dev.pals.LockerStats;
import dev.pals.jooq.JooqLocker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.json.JSONObject;

/**
 * A worker process: one {@link Locker} (public API only) shared by its threads, each looping: pick a key,
 * acquire it (exclusive or shared; blocking with a timeout, or a try), enter the critical section (told to
 * the witness, which answers before the section starts), stay a while, leave (told to the witness, which
 * answers before the lock is released), release. Lost locks ({@code onLost} per lock, {@code onLockLost}
 * per Locker) go to the witness as they happen; a section whose lock is lost ends at once, as a careful
 * user's code would.
 *
 * <p>The mix, from each thread's own seeded stream: key uniform over {@code keys} names; 25% shared,
 * 75% exclusive; 50% {@code acquire(timeout)} with a timeout of 10–500 ms, 25% {@code acquire(false)},
 * 25% {@code acquire(Duration.ZERO)}; 90% of sections hold no longer than the two round trips to the
 * witness, 9.9% hold 0.1–5 ms and 0.1% hold 0.3–1.5 s. After a "no", a pause of up to 2 ms; after a
 * failure, 20–100 ms.
 *
 * <p>Exclusive holds of the first {@code fencedKeys} keys take a fencing token and write it as their section
 * starts and again as it ends ({@link FencedWrites}), with the token taken at the grant even when the lock
 * was lost meanwhile, as a paused holder would: the database's fence must turn the stale ones away.
 *
 * <p>On {@code STOP} (or the end of standard input) the threads finish their cycle, the Locker is closed,
 * and the counters go to the witness.
 */
public final class Worker {
    /** The Locker's acquire timeout: what {@code acquire(false)} may wait for a pool connection. */
    static final Duration LOCKER_ACQUIRE_TIMEOUT = Duration.ofSeconds(1);
    static final double SHARED = 0.25;

    private final WorkerConfig config;
    private final Locker locker;
    private final Wire.Conn events;
    private volatile boolean stopping;
    /** Counted down when the coordinator says STOP (or is gone). */
    private final CountDownLatch stopRequested = new CountDownLatch(1);

    // Counters.
    private final LongAdder attempts = new LongAdder();
    private final LongAdder acquired = new LongAdder();
    private final LongAdder released = new LongAdder();
    private final LongAdder releasedFalse = new LongAdder();
    private final LongAdder lost = new LongAdder();
    private final LongAdder lockerLost = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder ambiguousPids = new LongAdder();
    private final LongAdder unknownPids = new LongAdder();
    private final LongAdder unexpected = new LongAdder();
    private final Map<FencedWrites.Outcome, LongAdder> fencedWrites = new ConcurrentHashMap<>();
    private volatile String firstUnexpected;
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    private final AtomicLong maxExcessMicros = new AtomicLong(Long.MIN_VALUE);
    /** Backend pids this worker's shared holds were matched with, per key: see {@link #pidsOf}. */
    private final Map<String, Integer> claimed = new HashMap<>();

    private Worker(WorkerConfig config) throws IOException {
        this.config = config;
        this.events = Wire.Conn.open(config.witnessPort(), Wire.EVENTS, config.worker(), config.generation(), -1);
        this.locker = JooqLocker.builder(config.app())
                .url(config.url())
                .user("postgres")
                .multiplexing(config.multiplexing())
                .acquireTimeout(LOCKER_ACQUIRE_TIMEOUT)
                .networkTimeout(Duration.ofMillis(config.networkTimeoutMillis()))
                .lockCheckInterval(Duration.ofMillis(config.checkIntervalMillis()))
                .onLockLost(info -> lockerLost.increment())
                .listener(new LockListener() {
                    @Override
                    public void acquireFailed(LockInfo lock, AcquireFailure.Reason reason, Duration waited,
                            Throwable cause) {
                        failures.computeIfAbsent(reason.name(), r -> new LongAdder()).increment();
                    }
                })
                .build();
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
        WorkerConfig config = WorkerConfig.parse(args);
        Worker worker = new Worker(config);
        Thread stdin = new Thread(worker::awaitStop, "worker-stdin");
        stdin.setDaemon(true);
        stdin.start();
        System.exit(worker.run());
    }

    private void awaitStop() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null && !line.equals("STOP")) {
                // nothing else is said
            }
        } catch (IOException ignored) {
            // the coordinator is gone: stop as well
        }
        stopping = true;
        stopRequested.countDown();
    }

    /**
     * One acquire and release of a key of this worker's own before the threads start, retried until it
     * works (a fresh JVM on a busy machine spent up to 7 s loading classes in its first acquire, which is not
     * what an acquire's bound is about; the server may also be restarting). Not reported: no other process
     * uses that key.
     */
    private void warmUp() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline && !stopping) {
            try {
                Lock lock = locker.lock("warm-up-" + config.worker());
                if (lock.acquire(Duration.ofSeconds(5))) {
                    lock.release();
                    return;
                }
            } catch (RuntimeException e) {
                Thread.sleep(100);
            }
        }
    }

    private int run() throws InterruptedException, IOException {
        warmUp();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < config.threads(); i++) {
            int thread = i;
            Thread t = new Thread(() -> loop(thread), "worker-" + config.worker() + "-" + i);
            t.start();
            threads.add(t);
        }
        System.out.println("worker " + config.worker() + " generation " + config.generation() + " running");
        System.out.flush();
        // Work until told to stop; then each thread finishes the cycle it is in, which must end in bounded time.
        stopRequested.await();
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(60));
            if (t.isAlive()) {
                System.err.println("worker: " + t.getName() + " did not finish its cycle within 60 s");
                for (StackTraceElement frame : t.getStackTrace()) {
                    System.err.println("\tat " + frame);
                }
                return 4;
            }
        }
        LockerStats stats = locker.stats();
        List<HeldLockInfo> heldAtEnd = locker.heldLocks();
        long closeStart = System.nanoTime();
        locker.close();
        long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closeStart);
        JSONObject counters = new JSONObject();
        counters.put("attempts", attempts.sum());
        counters.put("acquired", acquired.sum());
        counters.put("released", released.sum());
        counters.put("releasedFalse", releasedFalse.sum());
        counters.put("lost", lost.sum());
        counters.put("lockerLost", lockerLost.sum());
        counters.put("statsLocksLost", stats.locksLost());
        counters.put("statsLocksHeld", stats.locksHeld());
        counters.put("heldLocksAtEnd", heldAtEnd.size());
        counters.put("refused", refused.sum());
        counters.put("ambiguousPids", ambiguousPids.sum());
        counters.put("unknownPids", unknownPids.sum());
        counters.put("unexpected", unexpected.sum());
        counters.put("firstUnexpected", firstUnexpected == null ? "" : firstUnexpected);
        counters.put("maxExcessMicros", maxExcessMicros.get());
        counters.put("closeMillis", closeMillis);
        Map<String, Long> byReason = new TreeMap<>();
        failures.forEach((reason, count) -> byReason.put(reason, count.sum()));
        counters.put("failures", byReason);
        Map<String, Long> writes = new TreeMap<>();
        for (FencedWrites.Outcome outcome : FencedWrites.Outcome.values()) {
            writes.put(outcome.name(), fencedWrites.computeIfAbsent(outcome, o -> new LongAdder()).sum());
        }
        counters.put("fencedWrites", writes);
        synchronized (events) {
            events.out.writeByte(Wire.FINAL);
            events.out.writeUTF(counters.toString());
            events.awaitAck();
        }
        events.close();
        System.out.println("worker " + config.worker() + " generation " + config.generation() + " done: " + counters);
        return 0;
    }

    private void loop(int thread) {
        SplittableRandom random = new SplittableRandom(config.seed() * 0x9E3779B97F4A7C15L
                + config.worker() * 1_000_003L + config.generation() * 7_919L + thread);
        try (Wire.Conn witness = Wire.Conn.open(config.witnessPort(), Wire.THREAD, config.worker(), config.generation(),
                thread); FencedWrites writes = new FencedWrites(config.url(), "postgres", null,
                        config.networkTimeoutMillis())) {
            int sequence = 0;
            while (!stopping) {
                cycle(witness, writes, random, Wire.holdId(config.worker(), config.generation(), thread, sequence++),
                        sequence);
            }
            witness.out.flush();
        } catch (IOException e) {
            // Without the witness nothing this process does can be checked: stop at once.
            System.err.println("worker: lost the witness: " + e);
            Runtime.getRuntime().halt(3);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The kind of acquire, as {@link #bound} needs it. */
    enum Kind {
        TIMED, TRY, ZERO
    }

    private void cycle(Wire.Conn witness, FencedWrites writes, SplittableRandom random, long holdId, int sequence)
            throws IOException, InterruptedException {
        int key = random.nextInt(config.keys());
        LockMode mode = random.nextDouble() < SHARED ? LockMode.SHARED : LockMode.EXCLUSIVE;
        double pick = random.nextDouble();
        Kind kind = pick < 0.5 ? Kind.TIMED : pick < 0.75 ? Kind.TRY : Kind.ZERO;
        Duration timeout = Duration.ofMillis(10 + random.nextInt(491));
        double holdPick = random.nextDouble();
        long holdNanos = holdPick < 0.9 ? 0
                : holdPick < 0.999 ? TimeUnit.MICROSECONDS.toNanos(100 + random.nextInt(4_901))
                : TimeUnit.MILLISECONDS.toNanos(300 + random.nextInt(1_201));
        boolean unsafe = config.unsafeEvery() > 0 && sequence % config.unsafeEvery() == 0;

        boolean fenced = mode == LockMode.EXCLUSIVE && key < config.fencedKeys();
        Lock lock = locker.lock("k" + key, LockOptions.builder().mode(mode).fencing(fenced).build());
        CountDownLatch lostLatch = new CountDownLatch(1);
        lock.onLost(lostCallback(holdId, lostLatch));
        attempts.increment();
        long startMicros = Micros.now();
        long start = System.nanoTime();
        boolean ok;
        String outcome;
        try {
            ok = unsafe || switch (kind) {
                case TIMED -> lock.acquire(timeout);
                case TRY -> lock.acquire(false);
                case ZERO -> lock.acquire(Duration.ZERO);
            };
            outcome = ok ? "acquired" : "not acquired";
        } catch (AcquireFailure failure) {
            ok = false;
            outcome = failure.reason().name();
        } catch (RuntimeException e) {
            ok = false;
            outcome = "unexpected " + e;
            unexpected(e);
        }
        long elapsedMicros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start);
        long boundMicros = bound(kind, timeout).toNanos() / 1_000;
        maxExcessMicros.accumulateAndGet(elapsedMicros - boundMicros, Math::max);
        if (elapsedMicros > boundMicros) {
            synchronized (events) {
                events.out.writeByte(Wire.SLOW);
                events.out.writeLong(startMicros);
                events.out.writeLong(startMicros + elapsedMicros);
                events.out.writeLong(boundMicros);
                events.out.writeUTF(kind + (kind == Kind.TIMED ? " " + timeout.toMillis() + " ms" : ""));
                events.out.writeUTF(outcome);
                events.out.flush();
            }
        }
        if (!ok) {
            if (outcome.equals("not acquired")) {
                refused.increment();
                Thread.sleep(random.nextInt(3));
            } else {
                Thread.sleep(20 + random.nextInt(81));
            }
            return;
        }
        acquired.increment();
        int[] pids = unsafe ? new int[0] : pidsOf(lock, startMicros);
        // Taken now and kept: a holder writes with the token of its grant, whatever happened since.
        FencingToken token = fenced && !unsafe ? lock.fencingToken().orElse(null) : null;
        if (fenced && !unsafe && token == null && lock.isHeld()) { // not lost since, yet no token
            unexpected(new IllegalStateException("a fenced acquire returned true without a fencing token"));
        }

        witness.out.writeByte(Wire.ENTER);
        witness.out.writeLong(holdId);
        witness.out.writeLong(startMicros);
        witness.out.writeByte(key);
        witness.out.writeBoolean(mode == LockMode.SHARED);
        witness.out.writeByte(pids.length);
        for (int pid : pids) {
            witness.out.writeInt(pid);
        }
        witness.awaitAck();
        // The critical section.
        if (token != null) {
            write(writes, key, token);
        }
        if (holdNanos > 0) {
            lostLatch.await(holdNanos, TimeUnit.NANOSECONDS);
        }
        if (token != null) {
            write(writes, key, token);
        }
        witness.out.writeByte(Wire.EXIT);
        witness.out.writeLong(holdId);
        witness.awaitAck();

        long releaseMicros = Micros.now();
        boolean wasHeld;
        try {
            wasHeld = unsafe || lock.release();
        } catch (RuntimeException e) {
            wasHeld = false;
            unexpected(e);
        }
        if (mode == LockMode.SHARED && pids.length == 1) {
            synchronized (claimed) {
                claimed.remove(lock.name() + "|" + pids[0]);
            }
        }
        if (wasHeld) {
            released.increment();
        } else {
            releasedFalse.increment();
        }
        // Not flushed: it travels with the thread's next message (or the connection's close), in order.
        witness.out.writeByte(Wire.RELEASED);
        witness.out.writeLong(holdId);
        witness.out.writeLong(releaseMicros);
        witness.out.writeBoolean(wasHeld);
    }

    private void write(FencedWrites writes, int key, FencingToken token) {
        fencedWrites.computeIfAbsent(writes.write(key, token), o -> new LongAdder()).increment();
    }

    /**
     * The longest an acquire may take: its timeout (for {@code acquire(false)}, the Locker's acquire timeout,
     * which bounds its wait for a connection; none for {@code acquire(Duration.ZERO)}) plus the network
     * timeout.
     */
    Duration bound(Kind kind, Duration timeout) {
        Duration network = Duration.ofMillis(config.networkTimeoutMillis());
        return switch (kind) {
            case TIMED -> timeout.plus(network);
            case TRY -> LOCKER_ACQUIRE_TIMEOUT.plus(network);
            case ZERO -> network;
        };
    }

    private Consumer<LockInfo> lostCallback(long holdId, CountDownLatch latch) {
        return info -> {
            long now = Micros.now();
            lost.increment();
            try {
                synchronized (events) {
                    events.out.writeByte(Wire.LOST);
                    events.out.writeLong(holdId);
                    events.out.writeLong(now);
                    events.out.flush();
                }
            } catch (IOException e) {
                System.err.println("worker: lost the witness: " + e);
                Runtime.getRuntime().halt(3);
            }
            latch.countDown();
        };
    }

    /**
     * The backend pid(s) the lock just acquired lives on, from {@link Locker#heldLocks()}: the entries of its
     * key and mode granted since this acquire started — for an exclusive lock one, unless an entry of the
     * previous holder in this Locker is still listed because its release has not come back yet (the Locker
     * holds a key exclusively at most once at the server); for a shared one those not matched with another of
     * this worker's holds. Candidates that remain ambiguous are all reported (the analysis then needs every one
     * of them to have ended to count the hold's session as ended).
     */
    private int[] pidsOf(Lock lock, long sinceMicros) {
        List<HeldLockInfo> held = locker.heldLocks();
        List<Integer> candidates = new ArrayList<>();
        synchronized (claimed) {
            for (HeldLockInfo info : held) {
                if (!info.key().equals(lock.key()) || info.mode() != lock.mode()) {
                    continue;
                }
                // Granted before this acquire started: another hold's (for an exclusive lock, one whose release
                // is still on its way back: the server let go of it, the Locker has yet to hear so).
                if (Micros.of(info.heldSince()) < sinceMicros - 1_000) {
                    continue;
                }
                if (lock.mode() == LockMode.SHARED && claimed.containsKey(lock.name() + "|" + info.backendPid())) {
                    continue;
                }
                candidates.add(info.backendPid());
            }
            if (lock.mode() == LockMode.SHARED && candidates.size() == 1) {
                claimed.put(lock.name() + "|" + candidates.get(0), 1);
            }
        }
        if (candidates.isEmpty()) {
            unknownPids.increment();
        } else if (candidates.size() > 1) {
            ambiguousPids.increment();
        }
        return candidates.stream().limit(16).mapToInt(Integer::intValue).toArray();
    }

    private void unexpected(RuntimeException e) {
        unexpected.increment();
        if (firstUnexpected == null) {
            firstUnexpected = e.toString();
            e.printStackTrace();
        }
    }
}
