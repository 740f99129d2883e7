package dev.pals.spring.boot.autoconfigure;

import dev.pals.jooq.JooqLocker;

/**
 * Changes the builder of the auto-configured Locker after the {@code pals.*} properties were applied,
 * for what properties do not cover ({@code onLockLost}, a setting of a newer PALs version). Beans of this
 * type run in their {@link org.springframework.core.annotation.Order order}.
 */
@FunctionalInterface
public interface PalsLockerCustomizer {
    void customize(JooqLocker.Builder builder);
}
