package dev.pals.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pals.AcquireFailure;
import dev.pals.HeldLock;
import dev.pals.HeldLockInfo;
import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.Locker;
import dev.pals.spring.aop.WithLock;
import dev.pals.spring.aop.WithLock.NotAcquired;
import dev.pals.spring.aop.WithLockAdvisor;
import dev.pals.testing.ServerView;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * {@code @WithLock} on bean methods, against the real server: names from SpEL and placeholders, modes,
 * timeouts, skipping, holdAtLeast, re-entrance, and mistakes that fail startup. One context serves the
 * behaviour tests; the condition tests start their own.
 */
class WithLockTest {
    private static final String APP = TestDb.uniqueApp("with-lock");
    private static final ApplicationContextRunner RUNNER = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, PalsAutoConfiguration.class,
                    WithLockAutoConfiguration.class))
            .withPropertyValues(TestDb.pals())
            .withPropertyValues("pals.app-name=" + APP, "jobs.region=eu", "jobs.lock-timeout=300ms");

    private static ConfigurableApplicationContext context;
    private static Jobs jobs;
    private static Locker elsewhere;

    @BeforeAll
    static void start() {
        // The runner closes its contexts when their test ends: this one lives as long as the class.
        context = new SpringApplicationBuilder(KeptContext.class).web(WebApplicationType.NONE)
                .bannerMode(Banner.Mode.OFF).run(keptArguments());
        jobs = context.getBean(Jobs.class);
        elsewhere = TestDb.locker(APP).build(); // another instance of the application
    }

    @AfterAll
    static void stop() {
        if (context != null) {
            context.close();
        }
        if (elsewhere != null) {
            elsewhere.close();
        }
    }

    private static String[] keptArguments() {
        List<String> arguments = new java.util.ArrayList<>();
        for (String pair : TestDb.pals()) {
            arguments.add("--" + pair);
        }
        arguments.addAll(List.of("--pals.app-name=" + APP, "--jobs.region=eu", "--jobs.lock-timeout=300ms"));
        return arguments.toArray(String[]::new);
    }

    private static LockKey key(String name) {
        return LockKey.named(APP, name);
    }

    @Test
    void theMethodRunsHoldingItsLockAndReleasesItAfter() {
        assertThat(AopUtils.isAopProxy(jobs)).isTrue();
        assertThat(jobs.report()).containsExactly(APP + ".report");
        assertThat(jobs.holdersInside()).hasSize(1);
        assertThat(ServerView.holders(key("report"))).isEmpty();
    }

    @Test
    void namesComeFromArgumentsRootBeansAndPlaceholders() {
        assertThat(jobs.invoice(42L)).containsExactly(APP + ".invoice-42");
        assertThat(jobs.byPosition("a", "b")).containsExactly(APP + ".pos-b");
        assertThat(jobs.byMethodName()).containsExactly(APP + ".byMethodName");
        assertThat(jobs.byBean()).containsExactly(APP + ".bean-" + APP);
        assertThat(jobs.byPlaceholder()).containsExactly(APP + ".report-eu");
    }

    @Test
    void sharedLocksLetTwoCallersInAtOnce() throws Exception {
        CyclicBarrier bothInside = new CyclicBarrier(2);
        CompletableFuture<Boolean> first = CompletableFuture.supplyAsync(() -> jobs.shared(bothInside));
        CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> jobs.shared(bothInside));
        assertThat(first.get(20, TimeUnit.SECONDS)).isTrue();
        assertThat(second.get(20, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void heldElsewhereAndASingleTryThrowsAcquireFailureWithoutRunningTheMethod() {
        int runs = jobs.runs();
        try (HeldLock held = elsewhere.lock("once").hold()) {
            assertThatThrownBy(jobs::tryOnce).isInstanceOfSatisfying(AcquireFailure.class,
                    failure -> assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.NOT_AVAILABLE));
        }
        assertThat(jobs.runs()).isEqualTo(runs);
        assertThat(jobs.tryOnce()).isEqualTo("ran");
    }

    @Test
    void heldElsewhereAndSkipReturnsNullOrEmptyWithoutRunningTheMethod() {
        int runs = jobs.runs();
        try (HeldLock held = elsewhere.lock("skippable").hold()) {
            assertThat(jobs.skippable()).isNull();
            assertThat(jobs.skippableOptional()).isEmpty();
            jobs.skippableVoid();
        }
        assertThat(jobs.runs()).isEqualTo(runs);
        assertThat(jobs.skippable()).isEqualTo("ran");
        assertThat(jobs.skippableOptional()).contains("ran");
    }

    @Test
    void aTimeoutWaitsThatLongThenFails() {
        try (HeldLock held = elsewhere.lock("timed").hold()) {
            long start = System.nanoTime();
            assertThatThrownBy(jobs::timed).isInstanceOfSatisfying(AcquireFailure.class,
                    failure -> assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.TIMEOUT));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
        }
    }

    @Test
    void aWaitingCallRunsOnceTheLockIsFree() throws Exception {
        HeldLock held = elsewhere.lock("waited").hold();
        CompletableFuture<String> call = CompletableFuture.supplyAsync(jobs::waited);
        await().atMost(Duration.ofSeconds(20)).until(() -> !ServerView.waiters(key("waited")).isEmpty());
        assertThat(call).isNotDone();
        held.close();
        assertThat(call.get(20, TimeUnit.SECONDS)).isEqualTo("ran");
    }

    @Test
    void anExceptionReleasesTheLock() {
        assertThatThrownBy(jobs::failing).isInstanceOf(IllegalStateException.class).hasMessage("boom");
        assertThat(ServerView.holders(key("failing"))).isEmpty();
        assertThat(ServerView.freeElsewhere(key("failing"))).isTrue();
    }

    @Test
    void holdAtLeastKeepsTheLockAfterAShortMethod() {
        long start = System.nanoTime();
        jobs.brief();
        assertThat(ServerView.holders(key("brief"))).hasSize(1); // the method returned; the lock stays
        await().atMost(Duration.ofSeconds(20)).until(() -> ServerView.holders(key("brief")).isEmpty());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
    }

    @Test
    void theSameThreadReentersItsOwnLock() {
        assertThat(jobs.outer()).isEqualTo(List.of(APP + ".nested"));
        assertThat(ServerView.holders(key("nested"))).isEmpty();
        assertThat(jobs.outerSharedAskingExclusive()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot upgrade");
    }

    @Test
    void withoutSpringBootsAopAutoConfigurationMethodsAreStillLocked() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PalsAutoConfiguration.class, WithLockAutoConfiguration.class))
                .withPropertyValues(TestDb.pals())
                .withPropertyValues("pals.app-name=" + APP, "jobs.region=eu", "jobs.lock-timeout=300ms")
                .withUserConfiguration(JobsConfiguration.class).run(started -> {
                    Jobs proxied = started.getBean(Jobs.class);
                    assertThat(AopUtils.isAopProxy(proxied)).isTrue();
                    assertThat(proxied.report()).containsExactly(APP + ".report");
                });
    }

    @Test
    void withLockEnabledFalseLeavesMethodsAlone() {
        RUNNER.withPropertyValues("pals.with-lock.enabled=false").withUserConfiguration(JobsConfiguration.class)
                .run(started -> {
                    assertThat(started).doesNotHaveBean(WithLockAdvisor.class);
                    assertThat(started.getBean(Jobs.class).report()).isEmpty();
                });
    }

    @Test
    void anApplicationsOwnLockerIsTheOneUsed() {
        RUNNER.withUserConfiguration(JobsConfiguration.class, PalsAutoConfigurationTest.OwnLocker.class).run(started -> {
            assertThat(started).hasSingleBean(WithLockAdvisor.class);
            assertThat(started.getBean(Locker.class).appName()).contains("own");
            assertThat(started.getBean(Jobs.class).report()).containsExactly("own.report");
        });
    }

    @Test
    void anUnreachableDatabaseThrowsEvenWhenSkipping() {
        RUNNER.withPropertyValues("pals.url=jdbc:postgresql://127.0.0.1:1/nowhere", "pals.network-timeout=2s")
                .withUserConfiguration(JobsConfiguration.class).run(started -> assertThatThrownBy(
                        started.getBean(Jobs.class)::skippable).isInstanceOfSatisfying(AcquireFailure.class,
                                failure -> assertThat(failure.reason()).isEqualTo(AcquireFailure.Reason.CONNECT_FAILED)));
    }

    @Test
    void mistakesInTheAnnotationFailStartupNamingTheMethod() {
        assertStartupFails(PrimitiveSkip.class, "PrimitiveSkip.count()", "returns int");
        assertStartupFails(BadTimeout.class, "BadTimeout.run()", "soonish");
        assertStartupFails(BadExpression.class, "BadExpression.run()", "cannot parse");
        assertStartupFails(NoName.class, "NoName.run()", "names no lock");
    }

    private static void assertStartupFails(Class<?> bean, String... fragments) {
        RUNNER.withBean(bean).run(started -> {
            assertThat(started).hasFailed();
            StringBuilder messages = new StringBuilder();
            for (Throwable t = started.getStartupFailure(); t != null; t = t.getCause()) {
                messages.append(t.getMessage()).append('\n');
            }
            assertThat(messages.toString()).contains(fragments);
        });
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({AopAutoConfiguration.class, PalsAutoConfiguration.class, WithLockAutoConfiguration.class})
    @Import(JobsConfiguration.class)
    static class KeptContext {
    }

    @Configuration(proxyBeanMethods = false)
    static class JobsConfiguration {
        @Bean
        Jobs jobs(Locker locker) {
            return new Jobs(locker);
        }

        @Bean
        Nested nested() {
            return new Nested();
        }

        @Bean
        String appName() {
            return APP;
        }
    }

    /** Methods under locks; each tells which locks its Locker held while it ran. */
    static class Jobs {
        final Locker locker;
        final AtomicInteger runs = new AtomicInteger();
        volatile List<Integer> holdersInside = List.of();
        @Autowired
        Nested nested;

        Jobs(Locker locker) {
            this.locker = locker;
        }

        /** How many times the counting methods ran (a method: fields of a proxy are not the bean's). */
        public int runs() {
            return runs.get();
        }

        public List<Integer> holdersInside() {
            return holdersInside;
        }

        List<String> held() {
            return locker.heldLocks().stream().map(HeldLockInfo::name).sorted().toList();
        }

        @WithLock("report")
        public List<String> report() {
            holdersInside = ServerView.holders(LockKey.named(APP, "report"));
            return held();
        }

        @WithLock("invoice-#{#id}")
        public List<String> invoice(long id) {
            return held();
        }

        @WithLock("pos-#{#p1}")
        public List<String> byPosition(String first, String second) {
            return held();
        }

        @WithLock("#{#root.methodName}")
        public List<String> byMethodName() {
            return held();
        }

        @WithLock("bean-#{@appName}")
        public List<String> byBean() {
            return held();
        }

        @WithLock("report-${jobs.region}")
        public List<String> byPlaceholder() {
            return held();
        }

        @WithLock(value = "shared", mode = LockMode.SHARED)
        public boolean shared(CyclicBarrier bothInside) {
            try {
                bothInside.await(20, TimeUnit.SECONDS); // both callers inside at once, or this times out
                return true;
            } catch (Exception e) {
                return false;
            }
        }

        @WithLock(value = "once", timeout = "0")
        public String tryOnce() {
            runs.incrementAndGet();
            return "ran";
        }

        @WithLock(value = "skippable", timeout = "0", onNotAcquired = NotAcquired.SKIP)
        public String skippable() {
            runs.incrementAndGet();
            return "ran";
        }

        @WithLock(value = "skippable", timeout = "0", onNotAcquired = NotAcquired.SKIP)
        public Optional<String> skippableOptional() {
            runs.incrementAndGet();
            return Optional.of("ran");
        }

        @WithLock(value = "skippable", timeout = "0", onNotAcquired = NotAcquired.SKIP)
        public void skippableVoid() {
            runs.incrementAndGet();
        }

        @WithLock(value = "timed", timeout = "${jobs.lock-timeout}")
        public String timed() {
            return "ran";
        }

        @WithLock(value = "waited", timeout = "forever")
        public String waited() {
            return "ran";
        }

        @WithLock("failing")
        public void failing() {
            throw new IllegalStateException("boom");
        }

        @WithLock(value = "brief", holdAtLeast = "1s")
        public void brief() {
        }

        @WithLock("nested")
        public List<String> outer() {
            return nested.inner(); // another bean's @WithLock on the same name: counts on this thread's lock
        }

        @WithLock(value = "nested-shared", mode = LockMode.SHARED)
        public Throwable outerSharedAskingExclusive() {
            try {
                nested.innerExclusive();
                return null;
            } catch (IllegalStateException e) {
                return e;
            }
        }
    }

    static class Nested {
        @Autowired
        Locker locker;

        @WithLock(value = "nested", timeout = "0", mode = LockMode.SHARED)
        public List<String> inner() {
            return locker.heldLocks().stream().map(HeldLockInfo::name).toList();
        }

        @WithLock("nested-shared")
        public void innerExclusive() {
        }
    }

    static class PrimitiveSkip {
        @WithLock(value = "count", onNotAcquired = NotAcquired.SKIP)
        public int count() {
            return 1;
        }
    }

    static class BadTimeout {
        @WithLock(value = "run", timeout = "soonish")
        public void run() {
        }
    }

    static class BadExpression {
        @WithLock("run-#{#id")
        public void run() {
        }
    }

    static class NoName {
        @WithLock
        public void run() {
        }
    }
}
