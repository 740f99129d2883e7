package dev.pals.spring.aop;

import java.lang.reflect.Method;
import org.springframework.aop.support.StaticMethodMatcherPointcutAdvisor;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotationUtils;

/**
 * The Spring AOP advisor that puts {@link WithLock} methods under their lock: plain Spring AOP (proxies),
 * no AspectJ weaving needed. Its order, {@link #DEFAULT_ORDER}, places it outside
 * {@code @Transactional} (whose advisor has the lowest precedence by default).
 */
public final class WithLockAdvisor extends StaticMethodMatcherPointcutAdvisor implements DisposableBean {
    private static final long serialVersionUID = 1L;

    /** Just ahead of {@code @Transactional}'s default: the lock is held around the transaction. */
    public static final int DEFAULT_ORDER = Ordered.LOWEST_PRECEDENCE - 100;

    private final transient WithLockInterceptor interceptor;

    public WithLockAdvisor(WithLockInterceptor interceptor) {
        super(interceptor);
        this.interceptor = interceptor;
        setOrder(DEFAULT_ORDER);
        setClassFilter(type -> AnnotationUtils.isCandidateClass(type, WithLock.class));
    }

    @Override
    public boolean matches(Method method, Class<?> targetClass) {
        return interceptor.appliesTo(method, targetClass);
    }

    @Override
    public void destroy() {
        interceptor.close();
    }
}
