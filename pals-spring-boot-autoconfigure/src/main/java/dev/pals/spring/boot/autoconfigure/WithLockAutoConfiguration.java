package dev.pals.spring.boot.autoconfigure;

import dev.pals.Locker;
import dev.pals.spring.aop.WithLock;
import dev.pals.spring.aop.WithLockAdvisor;
import dev.pals.spring.aop.WithLockInterceptor;
import org.springframework.aop.config.AopConfigUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;
import org.springframework.core.type.AnnotationMetadata;

/**
 * {@link WithLock} on bean methods, with the application's {@link Locker} (the auto-configured one or
 * its own). Plain Spring AOP: an infrastructure advisor, picked up by the auto-proxy creator that
 * {@code @Transactional} also uses, which this registers if nobody has; no AspectJ weaver needed.
 */
@AutoConfiguration(after = PalsAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "pals.enabled", matchIfMissing = true)
@ConditionalOnBean(Locker.class)
@ConditionalOnBooleanProperty(name = "pals.with-lock.enabled", matchIfMissing = true)
@Import(WithLockAutoConfiguration.AutoProxyRegistrar.class)
public final class WithLockAutoConfiguration {

    /** Static and infrastructure: made early (advisors are), so it touches the Locker only on the first call. */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    @ConditionalOnMissingBean
    static WithLockAdvisor palsWithLockAdvisor(ObjectProvider<Locker> locker, BeanFactory beanFactory) {
        return new WithLockAdvisor(new WithLockInterceptor(locker::getObject, beanFactory));
    }

    /** Registers Spring's infrastructure auto-proxy creator unless one is there (as @EnableTransactionManagement does). */
    static final class AutoProxyRegistrar implements ImportBeanDefinitionRegistrar {
        @Override
        public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
            AopConfigUtils.registerAutoProxyCreatorIfNecessary(registry);
        }
    }
}
