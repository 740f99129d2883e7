package dev.pals.spring.boot.autoconfigure;

import dev.pals.Locker;
import dev.pals.micrometer.PalsMetrics;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.util.ClassUtils;

/** Binds the {@link PalsMetrics} beans to the Locker; touches pals-metrics only when it is there. */
final class MetricsBinding {
    static final boolean PRESENT = ClassUtils.isPresent("dev.pals.micrometer.PalsMetrics",
            MetricsBinding.class.getClassLoader());

    private MetricsBinding() {
    }

    static void bind(ListableBeanFactory beanFactory, Locker locker) {
        beanFactory.getBeanProvider(PalsMetrics.class).orderedStream().forEach(metrics -> metrics.bindTo(locker));
    }
}
