package dev.pals.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pals.AcquireFailure;
import dev.pals.LockInfo;
import dev.pals.LockKey;
import dev.pals.LockListener;
import dev.pals.spring.aop.WithLock;
import dev.pals.spring.aop.WithLock.NotAcquired;
import dev.pals.testing.ServerView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Two instances of one application (two application contexts, each with its own Locker and pool, as two
 * processes would have) contend for {@code @WithLock} methods: they run one at a time, and a
 * {@code @Scheduled} job with {@code SKIP} runs on one instance at a time.
 */
class TwoInstancesTest {
    private static final String APP = TestDb.uniqueApp("two-instances");
    /** Per lock name: how many instances are inside a method under it right now. */
    private static final ConcurrentHashMap<String, AtomicInteger> INSIDE = new ConcurrentHashMap<>();
    /** Per lock name: whether two instances were ever inside at once. */
    private static final ConcurrentHashMap<String, AtomicBoolean> OVERLAP = new ConcurrentHashMap<>();

    private static ConfigurableApplicationContext a;
    private static ConfigurableApplicationContext b;

    @BeforeAll
    static void start() {
        a = start("a");
        b = start("b");
    }

    @AfterAll
    static void stop() {
        for (ConfigurableApplicationContext context : new ConfigurableApplicationContext[] {a, b}) {
            if (context != null) {
                context.close();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> ServerView.backends("pals:" + APP) == 0);
    }

    private static ConfigurableApplicationContext start(String instance) {
        List<String> arguments = new ArrayList<>();
        for (String pair : TestDb.pals()) {
            arguments.add("--" + pair);
        }
        arguments.add("--pals.app-name=" + APP);
        arguments.add("--instance=" + instance);
        return new SpringApplicationBuilder(Instance.class).web(WebApplicationType.NONE).bannerMode(Banner.Mode.OFF)
                .run(arguments.toArray(String[]::new));
    }

    private static void enter(String lock) {
        if (INSIDE.computeIfAbsent(lock, k -> new AtomicInteger()).incrementAndGet() > 1) {
            OVERLAP.computeIfAbsent(lock, k -> new AtomicBoolean()).set(true);
        }
    }

    private static void leave(String lock) {
        INSIDE.get(lock).decrementAndGet();
    }

    private static boolean overlapped(String lock) {
        return OVERLAP.computeIfAbsent(lock, k -> new AtomicBoolean()).get();
    }

    @Test
    void theSecondInstanceWaitsUntilTheFirstIsDone() throws Exception {
        Worker first = a.getBean(Worker.class);
        Worker second = b.getBean(Worker.class);
        CountDownLatch firstInside = new CountDownLatch(1);
        CountDownLatch firstMayLeave = new CountDownLatch(1);
        CountDownLatch secondInside = new CountDownLatch(1);
        CompletableFuture<String> one = CompletableFuture.supplyAsync(() -> first.exclusive(firstInside, firstMayLeave));
        assertThat(firstInside.await(20, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<String> two = CompletableFuture.supplyAsync(
                () -> second.exclusive(secondInside, new CountDownLatch(0)));
        await().atMost(Duration.ofSeconds(20)).until(() -> !ServerView.waiters(LockKey.named(APP, "exclusive")).isEmpty());
        assertThat(secondInside.getCount()).as("second instance entered while the first held the lock").isEqualTo(1);

        firstMayLeave.countDown();
        assertThat(one.get(20, TimeUnit.SECONDS)).isEqualTo("a");
        assertThat(two.get(20, TimeUnit.SECONDS)).isEqualTo("b");
        assertThat(overlapped("exclusive")).isFalse();
    }

    @Test
    void manyCallsFromBothInstancesRunOneAtATime() throws Exception {
        int threadsPerInstance = 2;
        int callsPerThread = 25;
        ExecutorService threads = Executors.newFixedThreadPool(2 * threadsPerInstance);
        try {
            List<Future<?>> calls = new ArrayList<>();
            for (ConfigurableApplicationContext context : List.of(a, b)) {
                Worker worker = context.getBean(Worker.class);
                for (int t = 0; t < threadsPerInstance; t++) {
                    calls.add(threads.submit(() -> {
                        for (int i = 0; i < callsPerThread; i++) {
                            worker.counted();
                        }
                    }));
                }
            }
            for (Future<?> call : calls) {
                call.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        int total = a.getBean(Worker.class).countedRuns() + b.getBean(Worker.class).countedRuns();
        assertThat(total).isEqualTo(2 * threadsPerInstance * callsPerThread);
        assertThat(overlapped("counted")).isFalse();
    }

    @Test
    void aScheduledJobRunsOnOneInstanceAtATimeAndTheOtherSkips() {
        Worker first = a.getBean(Worker.class);
        Worker second = b.getBean(Worker.class);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> first.ticks() >= 3 && second.ticks() >= 3);
        assertThat(overlapped("tick")).isFalse();
        // and the ticks that found the lock taken were skipped, not queued
        await().atMost(Duration.ofSeconds(60)).until(() -> SKIPPED.get() >= 1);
    }

    /** Counts the single tries on the tick lock that found it taken: the skipped ticks. */
    static final AtomicInteger SKIPPED = new AtomicInteger();

    static class SkipCounter implements LockListener {
        @Override
        public void acquireFailed(LockInfo lock, AcquireFailure.Reason reason, Duration waited, Throwable cause) {
            if (lock.name().equals(APP + ".tick") && reason == AcquireFailure.Reason.NOT_AVAILABLE) {
                SKIPPED.incrementAndGet();
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableScheduling
    @ImportAutoConfiguration({AopAutoConfiguration.class, TaskSchedulingAutoConfiguration.class,
        PalsAutoConfiguration.class, WithLockAutoConfiguration.class})
    static class Instance {
        @Bean
        Worker worker(@Value("${instance}") String instance) {
            return new Worker(instance);
        }

        @Bean
        SkipCounter skipCounter() {
            return new SkipCounter();
        }
    }

    static class Worker {
        private final String instance;
        private final AtomicInteger counted = new AtomicInteger();
        private final AtomicInteger ticks = new AtomicInteger();

        Worker(String instance) {
            this.instance = instance;
        }

        @WithLock(value = "exclusive", timeout = "30s")
        public String exclusive(CountDownLatch inside, CountDownLatch mayLeave) {
            enter("exclusive");
            try {
                inside.countDown();
                if (!mayLeave.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never told to leave");
                }
                return instance;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } finally {
                leave("exclusive");
            }
        }

        @WithLock(value = "counted", timeout = "forever")
        public void counted() {
            enter("counted");
            try {
                Thread.yield(); // give another instance the chance to get in, were the lock not held
                counted.incrementAndGet();
            } finally {
                leave("counted");
            }
        }

        /** Every 20 ms on each instance; takes about 30 ms, so the instances' ticks collide all the time. */
        @Scheduled(fixedDelay = 20)
        @WithLock(value = "tick", timeout = "0", onNotAcquired = NotAcquired.SKIP)
        public void tick() throws InterruptedException {
            enter("tick");
            try {
                Thread.sleep(30);
                ticks.incrementAndGet();
            } finally {
                leave("tick");
            }
        }

        public int countedRuns() {
            return counted.get();
        }

        public int ticks() {
            return ticks.get();
        }
    }
}
