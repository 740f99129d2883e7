package dev.pals.spring.aop;

import dev.pals.AcquireFailure;
import dev.pals.LockMode;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.core.annotation.AliasFor;

/**
 * Runs a Spring bean method under a PALs lock: the lock is acquired before the method runs and released
 * when it returns or throws. On a {@code @Scheduled} method, the job runs on one instance at a time:
 *
 * <pre>{@code
 * @Scheduled(cron = "0 0 3 * * *")
 * @WithLock(value = "nightly-report", timeout = "0", onNotAcquired = WithLock.NotAcquired.SKIP)
 * public void nightlyReport() { ... }          // another instance running it: this one skips
 *
 * @WithLock("invoice-#{#invoice.id}")           // a lock per invoice, from the method's argument
 * public void send(Invoice invoice) { ... }
 * }</pre>
 *
 * <p>The lock is taken through the application's {@link dev.pals.Locker} bean, so its name is prefixed
 * with the Locker's application name ({@code pals.app-name}, else {@code spring.application.name}). The
 * interception is Spring AOP's, as for {@code @Transactional}: only calls through the bean's proxy are
 * locked (not a call from the bean to itself), and the lock is taken outside a {@code @Transactional}
 * on the same method (acquired before the transaction begins, released after it ends).
 *
 * <p>A method that the same thread re-enters under a lock of the same name (directly or through other
 * {@code @WithLock} methods) runs at once, counting on the lock it already holds. Holding a shared lock
 * and asking for an exclusive one on the same name in the same thread is refused with an
 * {@link IllegalStateException}: PostgreSQL has no upgrade, and the thread would wait for itself.
 *
 * <p>Mistakes in the annotation (an unparsable name expression or timeout, {@code SKIP} on a method that
 * returns a primitive) fail the application's startup, naming the method.
 */
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface WithLock {
    /** Alias of {@link #name()}. */
    @AliasFor("name")
    String value() default "";

    /**
     * The lock name (without the application prefix the Locker adds). Literal text, in which
     * {@code #{...}} parts are SpEL expressions evaluated for each call: method arguments by name
     * ({@code #invoice}, with {@code -parameters}) or position ({@code #p0}, {@code #a0}), {@code #root.method},
     * {@code #root.methodName}, {@code #root.args}, {@code #root.target}, {@code #root.targetClass}, and beans
     * as {@code @beanName}. {@code ${...}} property placeholders are resolved once, at startup.
     */
    @AliasFor("value")
    String name() default "";

    /** {@link LockMode#EXCLUSIVE} (the default) or {@link LockMode#SHARED}. */
    LockMode mode() default LockMode.EXCLUSIVE;

    /**
     * How long to wait for the lock: a duration as Spring Boot writes them ({@code "500ms"}, {@code "5s"},
     * {@code "PT5S"}; a bare number is milliseconds), {@code "0"} for a single try, {@code "forever"} to wait
     * without limit. Placeholders ({@code "${jobs.lock-timeout:5s}"}) are resolved at startup. Empty (the
     * default): the Locker's defaults, {@code pals.blocking} and {@code pals.acquire-timeout}.
     */
    String timeout() default "";

    /**
     * What happens when the lock is not acquired because it is held elsewhere (or the wait ran out): by
     * default the method throws {@link AcquireFailure}. Failures that are errors (the database cannot be
     * reached, the connection broke) always throw {@code AcquireFailure}, whatever this says.
     */
    NotAcquired onNotAcquired() default NotAcquired.THROW;

    /**
     * Keep the lock at least this long after it was acquired, even if the method returns sooner (the
     * release then happens in the background, when the time is up). For scheduled jobs on several instances
     * whose clocks differ a little: the same tick on a later instance then finds the lock still held and
     * skips, instead of running the job a second time. Same syntax as {@link #timeout()}; empty (the
     * default): released as soon as the method ends.
     */
    String holdAtLeast() default "";

    /** What a {@link WithLock} method does when its lock is held elsewhere. */
    enum NotAcquired {
        /** Throw {@link AcquireFailure} (its {@code reason()} says why). */
        THROW,
        /**
         * Do not run the method: it returns {@code null} ({@code Optional.empty()} for an {@code Optional}
         * return type; nothing for {@code void}). Not allowed on methods that return a primitive.
         */
        SKIP
    }
}
