package io.stevedore.registry.auth.access;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;

/** Only with authentication on, which it is unless {@code registry.auth.enabled=false}. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ConditionalOnProperty(prefix = "registry.auth", name = "enabled", havingValue = "true", matchIfMissing = true)
public @interface WhenAuthEnabled {
}
