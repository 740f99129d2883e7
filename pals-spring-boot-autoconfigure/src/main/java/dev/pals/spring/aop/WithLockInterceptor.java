package dev.pals.spring.aop;

import dev.pals.AcquireFailure;
import dev.pals.HeldLock;
import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.LockOptions;
import dev.pals.Locker;
import java.lang.System.Logger.Level;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodClassKey;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.ParserContext;
import org.springframework.expression.spel.standard.SpelExpressionParser;

/**
 * Runs {@link WithLock} methods under their lock. Each call takes a fresh handle from the Locker (cheap),
 * holds it for the call, and releases it when the call ends (or, with {@link WithLock#holdAtLeast()},
 * when the time is up). What an annotation means is worked out once per method and target class, and
 * checked then: mistakes surface when the bean is proxied, at startup.
 */
public final class WithLockInterceptor implements MethodInterceptor, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.pals.spring.aop");
    private static final SpelExpressionParser PARSER = new SpelExpressionParser();
    private static final ParameterNameDiscoverer PARAMETER_NAMES = new DefaultParameterNameDiscoverer();
    /** Cached answer for methods without {@link WithLock}. */
    private static final Plan NONE = new Plan(null, null, null, null, null, false, null, null, null);

    private final Supplier<Locker> locker;
    private final BeanFactory beanFactory;
    private final Map<MethodClassKey, Plan> plans = new ConcurrentHashMap<>();
    /** The locks this thread holds through {@link WithLock} methods that are still running, by key. */
    private final ThreadLocal<Map<LockKey, Lock>> heldByThread = new ThreadLocal<>();
    private ScheduledExecutorService delayedReleases;
    private boolean closed;

    /**
     * @param locker the Locker to take locks from, looked up on the first call (so that making the
     *     interceptor does not make the Locker)
     * @param beanFactory resolves {@code ${...}} placeholders and {@code @bean} references in names
     */
    public WithLockInterceptor(Supplier<Locker> locker, BeanFactory beanFactory) {
        this.locker = Objects.requireNonNull(locker, "locker");
        this.beanFactory = Objects.requireNonNull(beanFactory, "beanFactory");
    }

    /** Whether {@code method}, called on an instance of {@code targetClass}, runs under a lock. */
    public boolean appliesTo(Method method, Class<?> targetClass) {
        return plan(method, targetClass) != NONE;
    }

    @Override
    public Object invoke(MethodInvocation invocation) throws Throwable {
        Object target = invocation.getThis();
        Class<?> targetClass = target != null ? AopUtils.getTargetClass(target) : null;
        Plan plan = plan(invocation.getMethod(), targetClass);
        if (plan == NONE) {
            return invocation.proceed();
        }
        String name = plan.lockName(target, targetClass, invocation.getArguments(), beanFactory);
        Locker locker = this.locker.get();
        LockKey key = locker.key(name);

        Map<LockKey, Lock> mine = heldByThread.get();
        Lock mineAlready = mine != null ? mine.get(key) : null;
        if (mineAlready != null && mineAlready.isHeld()) {
            return reenter(invocation, plan, mineAlready);
        }

        Lock lock = locker.lock(name, LockOptions.of(plan.mode));
        HeldLock held;
        try {
            held = plan.timeout == null ? lock.hold() : lock.hold(plan.timeout);
        } catch (AcquireFailure failure) {
            if (plan.skip && !failure.reason().isError()) {
                LOG.log(Level.DEBUG, () -> "skipped " + plan.description + ": " + failure.getMessage());
                return plan.skipValue;
            }
            throw failure;
        }
        long acquiredAt = System.nanoTime();
        if (mine == null) {
            mine = new HashMap<>();
            heldByThread.set(mine);
        }
        mine.put(key, lock);
        try {
            return invocation.proceed();
        } finally {
            mine.remove(key);
            if (mine.isEmpty()) {
                heldByThread.remove();
            }
            release(held, plan, acquiredAt);
        }
    }

    /** The thread holds the lock already, through an outer {@link WithLock} call: count on it. */
    private static Object reenter(MethodInvocation invocation, Plan plan, Lock lock) throws Throwable {
        if (lock.mode() == LockMode.SHARED && plan.mode == LockMode.EXCLUSIVE) {
            throw new IllegalStateException(plan.description + " asks for an exclusive lock on \"" + lock.name()
                    + "\" while this thread holds it shared: PostgreSQL cannot upgrade a lock, and the thread would"
                    + " wait for itself");
        }
        HeldLock again = lock.hold(); // re-entering a handle that holds its lock: counts, no round trip
        try {
            return invocation.proceed();
        } finally {
            again.close();
        }
    }

    private void release(HeldLock held, Plan plan, long acquiredAt) {
        if (plan.holdAtLeast != null) {
            long remaining = plan.holdAtLeast.toNanos() - (System.nanoTime() - acquiredAt);
            if (remaining > 0) {
                ScheduledExecutorService releases = delayedReleases();
                if (releases != null) {
                    releases.schedule(held::close, remaining, TimeUnit.NANOSECONDS);
                    return;
                }
            }
        }
        held.close();
    }

    private synchronized ScheduledExecutorService delayedReleases() {
        if (closed) {
            return null;
        }
        if (delayedReleases == null) {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
                Thread thread = new Thread(runnable, "pals-with-lock-release");
                thread.setDaemon(true);
                return thread;
            });
            executor.setRemoveOnCancelPolicy(true);
            delayedReleases = executor;
        }
        return delayedReleases;
    }

    /**
     * Releases at once the locks that {@link WithLock#holdAtLeast()} still keeps, and stops the thread
     * that would release them. Called when the application context closes.
     */
    @Override
    public void close() {
        ScheduledExecutorService releases;
        synchronized (this) {
            closed = true;
            releases = delayedReleases;
        }
        if (releases != null) {
            for (Runnable pending : releases.shutdownNow()) {
                pending.run();
            }
        }
    }

    private Plan plan(Method method, Class<?> targetClass) {
        return plans.computeIfAbsent(new MethodClassKey(method, targetClass), k -> makePlan(method, targetClass));
    }

    private Plan makePlan(Method method, Class<?> targetClass) {
        Class<?> declaring = targetClass != null ? targetClass : method.getDeclaringClass();
        if (!AnnotationUtils.isCandidateClass(declaring, WithLock.class)) {
            return NONE;
        }
        Method specific = BridgeMethodResolver.findBridgedMethod(AopUtils.getMostSpecificMethod(method, targetClass));
        WithLock annotation = AnnotatedElementUtils.findMergedAnnotation(specific, WithLock.class);
        if (annotation == null && specific != method) {
            annotation = AnnotatedElementUtils.findMergedAnnotation(method, WithLock.class);
        }
        if (annotation == null) {
            return NONE;
        }
        String description = "@WithLock method " + declaring.getName() + "." + specific.getName() + "()";

        String name = resolvePlaceholders(annotation.name());
        if (name.isEmpty()) {
            throw new IllegalStateException(description + " names no lock: give @WithLock a name");
        }
        Expression expression = null;
        if (name.contains(ParserContext.TEMPLATE_EXPRESSION.getExpressionPrefix())) {
            try {
                expression = PARSER.parseExpression(name, ParserContext.TEMPLATE_EXPRESSION);
            } catch (ParseException e) {
                throw new IllegalStateException(description + ": cannot parse the lock name \"" + name + "\": "
                        + e.getMessage(), e);
            }
        }

        Duration timeout = duration(description, "timeout", annotation.timeout());
        Duration holdAtLeast = duration(description, "holdAtLeast", annotation.holdAtLeast());
        if (holdAtLeast != null && (holdAtLeast.isZero() || holdAtLeast.equals(Lock.WAIT_FOREVER))) {
            throw new IllegalStateException(description + ": holdAtLeast must be a positive, finite duration: \""
                    + annotation.holdAtLeast() + "\"");
        }

        boolean skip = annotation.onNotAcquired() == WithLock.NotAcquired.SKIP;
        Object skipValue = null;
        Class<?> returnType = specific.getReturnType();
        if (skip && returnType == Optional.class) {
            skipValue = Optional.empty();
        } else if (skip && returnType.isPrimitive() && returnType != void.class) {
            throw new IllegalStateException(description + " returns " + returnType.getName()
                    + ", which a skipped call cannot give: use onNotAcquired = THROW, or return a wrapper type"
                    + " (a skipped call returns null)");
        }
        return new Plan(description, name, expression, specific, annotation.mode(), skip, skipValue, timeout,
                holdAtLeast);
    }

    private String resolvePlaceholders(String value) {
        if (beanFactory instanceof ConfigurableBeanFactory configurable && value.contains("${")) {
            String resolved = configurable.resolveEmbeddedValue(value);
            return resolved != null ? resolved : value;
        }
        return value;
    }

    private Duration duration(String description, String attribute, String text) {
        String value = resolvePlaceholders(text).strip();
        if (value.isEmpty()) {
            return null;
        }
        if (value.equalsIgnoreCase("forever")) {
            return Lock.WAIT_FOREVER;
        }
        try {
            Duration duration = DurationStyle.detectAndParse(value);
            LockOptions.builder().acquireTimeout(duration); // refuses negative and over-long durations
            return duration;
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(description + ": " + attribute + " \"" + value + "\" is not a duration"
                    + " (such as 500ms, 5s, PT5S, 0 or forever), or out of range: " + e.getMessage(), e);
        }
    }

    /** What a {@link WithLock} annotation on one method of one target class means. */
    private static final class Plan {
        final String description;
        final String name;
        final Expression expression;
        final Method method;
        final LockMode mode;
        final boolean skip;
        final Object skipValue;
        final Duration timeout;
        final Duration holdAtLeast;

        Plan(String description, String name, Expression expression, Method method, LockMode mode, boolean skip,
                Object skipValue, Duration timeout, Duration holdAtLeast) {
            this.description = description;
            this.name = name;
            this.expression = expression;
            this.method = method;
            this.mode = mode;
            this.skip = skip;
            this.skipValue = skipValue;
            this.timeout = timeout;
            this.holdAtLeast = holdAtLeast;
        }

        String lockName(Object target, Class<?> targetClass, Object[] args, BeanFactory beanFactory) {
            if (expression == null) {
                return name;
            }
            MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(
                    new WithLockRoot(method, args, target, targetClass), method, args, PARAMETER_NAMES);
            context.setBeanResolver(new BeanFactoryResolver(beanFactory));
            String value = expression.getValue(context, String.class);
            if (value == null) {
                throw new IllegalArgumentException(description + ": the lock name \"" + name + "\" gave null");
            }
            return value;
        }
    }
}
