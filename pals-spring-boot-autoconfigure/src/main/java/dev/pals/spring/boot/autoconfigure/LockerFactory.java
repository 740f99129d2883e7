package dev.pals.spring.boot.autoconfigure;

import dev.pals.LockListener;
import dev.pals.jooq.JooqLocker;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.NoUniqueBeanDefinitionException;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.context.properties.source.MutuallyExclusiveConfigurationPropertiesException;
import org.springframework.core.env.Environment;

/**
 * Builds the auto-configured {@link JooqLocker} from {@link PalsProperties}, the application's database
 * settings, and the listener and customizer beans. The Locker's builder checks the values; what it refuses
 * is reported as an invalid configuration property, named as the user wrote it.
 */
final class LockerFactory {
    private static final Pattern SETTING = Pattern.compile("^([a-zA-Z]+)\\b");
    private static final Pattern SECRET_PARAMETER = Pattern.compile("(?i)((?:ssl)?password=)[^&;]*");
    private static final Pattern JDBC_URL = Pattern.compile("jdbc:\\S+");

    private final PalsProperties properties;
    private final Environment environment;
    private final ListableBeanFactory beanFactory;

    LockerFactory(PalsProperties properties, Environment environment, ListableBeanFactory beanFactory) {
        this.properties = properties;
        this.environment = environment;
        this.beanFactory = beanFactory;
    }

    JooqLocker build(List<LockListener> listeners, List<PalsLockerCustomizer> customizers) {
        String appName = appName();
        JooqLocker.Builder builder = JooqLocker.builder(appName);
        Map<String, Object> origins = new LinkedHashMap<>(); // builder setting -> property (and the value shown)
        String urlProperty = connect(builder);
        origins.put("url", urlProperty);
        origins.put("appName", properties.getAppName() != null ? "pals.app-name" : "spring.application.name");
        origins.put("maxPoolSize", "pals.max-pool-size");
        origins.put("blocking", "pals.blocking");
        origins.put("acquireTimeout", "pals.acquire-timeout");
        origins.put("networkTimeout", "pals.network-timeout");
        origins.put("lockCheckInterval", "pals.lock-check-interval");
        origins.put("keepaliveInterval", "pals.keepalive-interval");
        origins.put("multiplexing", "pals.multiplexing");

        builder.maxPoolSize(properties.getMaxPoolSize())
                .multiplexing(properties.isMultiplexing())
                .blocking(properties.isBlocking())
                .acquireTimeout(properties.getAcquireTimeout())
                .networkTimeout(properties.getNetworkTimeout())
                .lockCheckInterval(properties.getLockCheckInterval())
                .keepaliveInterval(properties.getKeepaliveInterval())
                .listener(LockListener.composite(new ArrayList<>(listeners)));
        for (PalsLockerCustomizer customizer : customizers) {
            customizer.customize(builder);
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException refused) {
            throw invalid(refused, origins, appName);
        }
    }

    /** {@code pals.app-name}, else {@code spring.application.name}; empty means bare lock names. */
    private String appName() {
        String app = properties.getAppName() != null ? properties.getAppName()
                : environment.getProperty("spring.application.name");
        return app == null || app.isEmpty() ? null : app;
    }

    /** Points the builder at the database; returns the property the URL came from. */
    private String connect(JooqLocker.Builder builder) {
        if (properties.isUseApplicationDatasource()) {
            List<String> configured = new ArrayList<>();
            for (String name : new String[] {"pals.url", "pals.user", "pals.password"}) {
                if (environment.containsProperty(name)) {
                    configured.add(name);
                }
            }
            if (!configured.isEmpty()) {
                configured.add("pals.use-application-datasource");
                throw new MutuallyExclusiveConfigurationPropertiesException(configured,
                        List.of("pals.url", "pals.user", "pals.password", "pals.use-application-datasource"));
            }
            DataSource dataSource;
            try {
                dataSource = beanFactory.getBeanProvider(DataSource.class).getIfUnique();
            } catch (NoUniqueBeanDefinitionException e) {
                dataSource = null;
            }
            if (dataSource == null) {
                throw new InvalidConfigurationPropertyValueException("pals.use-application-datasource", true,
                        "The application has no single DataSource bean (none, or several and none of them primary)"
                                + " to borrow connections from.");
            }
            builder.dataSource(dataSource);
            return "pals.use-application-datasource";
        }
        if (properties.getUrl() != null) {
            builder.url(properties.getUrl()).user(properties.getUser()).password(properties.getPassword());
            return "pals.url";
        }
        ApplicationDatabase database = ApplicationDatabase.find(beanFactory, environment);
        if (database.url() == null || database.url().isBlank()) {
            throw new InvalidConfigurationPropertyValueException("pals.url", null,
                    "PALs needs the PostgreSQL database its locks live in: set pals.url, or spring.datasource.url"
                            + " (which pals.url defaults to), or pals.use-application-datasource=true"
                            + " (or pals.enabled=false for no Locker).");
        }
        builder.url(database.url())
                .user(properties.getUser() != null ? properties.getUser() : database.user())
                .password(properties.getPassword() != null ? properties.getPassword() : database.password());
        return database.origin();
    }

    private RuntimeException invalid(IllegalArgumentException refused, Map<String, Object> origins, String appName) {
        String message = refused.getMessage() == null ? refused.toString() : refused.getMessage();
        Matcher setting = SETTING.matcher(message);
        Object property = setting.find() ? origins.get(setting.group(1)) : null;
        if (property == null) {
            return new IllegalStateException("PALs refused its settings (pals.*): " + message, refused);
        }
        String name = property.toString();
        Object value = switch (name) {
            case "pals.max-pool-size" -> properties.getMaxPoolSize();
            case "pals.acquire-timeout" -> properties.getAcquireTimeout();
            case "pals.network-timeout" -> properties.getNetworkTimeout();
            case "pals.lock-check-interval" -> properties.getLockCheckInterval();
            case "pals.keepalive-interval" -> properties.getKeepaliveInterval();
            case "pals.app-name", "spring.application.name" -> appName;
            case "pals.url" -> redact(properties.getUrl());
            case "spring.datasource.url" -> redact(environment.getProperty("spring.datasource.url"));
            default -> null;
        };
        // A URL in the message may be of any database; its credentials take many forms (user:password@,
        // user/password@, password=): show none of them.
        String reason = JDBC_URL.matcher(message).replaceAll(url -> Matcher.quoteReplacement(redact(url.group())));
        return new InvalidConfigurationPropertyValueException(name, value, "PALs refused it: " + reason + ".");
    }

    /**
     * A JDBC URL of any database with everything that may be a credential hidden: what comes before an
     * {@code @} (user and password, in any form), and password parameters.
     */
    static String redact(String url) {
        if (url == null) {
            return null;
        }
        String redacted = SECRET_PARAMETER.matcher(url).replaceAll("$1***");
        int at = redacted.lastIndexOf('@', indexOrEnd(redacted, '?'));
        return at < 0 ? redacted : "jdbc:***" + redacted.substring(at);
    }

    private static int indexOrEnd(String text, char c) {
        int index = text.indexOf(c);
        return index < 0 ? text.length() : index;
    }
}
