package dev.pals.spring.boot.autoconfigure;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Where the application's own database is: the {@code JdbcConnectionDetails} bean Spring Boot makes from
 * {@code spring.datasource.*} or from a service connection (Docker Compose, Testcontainers), else the
 * {@code spring.datasource.*} properties themselves (applications without spring-boot-jdbc).
 *
 * @param url the JDBC URL, or null if the application names none
 * @param origin the setting it comes from, for messages
 */
record ApplicationDatabase(String url, String user, String password, String origin) {
    static final String URL_PROPERTY = "spring.datasource.url";
    private static final boolean JDBC_PRESENT = ClassUtils.isPresent(
            "org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails", ApplicationDatabase.class.getClassLoader());

    static ApplicationDatabase find(ListableBeanFactory beanFactory, Environment environment) {
        if (JDBC_PRESENT) {
            ApplicationDatabase details = ConnectionDetails.find(beanFactory);
            if (details != null) {
                return details;
            }
        }
        return new ApplicationDatabase(environment.getProperty(URL_PROPERTY),
                environment.getProperty("spring.datasource.username"),
                environment.getProperty("spring.datasource.password"), URL_PROPERTY);
    }

    /** Touches spring-boot-jdbc's types; loaded only when they are there. */
    private static final class ConnectionDetails {
        static ApplicationDatabase find(ListableBeanFactory beanFactory) {
            JdbcConnectionDetails details = beanFactory.getBeanProvider(JdbcConnectionDetails.class).getIfUnique();
            if (details == null) {
                return null;
            }
            String url;
            try {
                url = details.getJdbcUrl();
            } catch (RuntimeException noUrl) { // spring.datasource.url unset, no embedded database either
                return null;
            }
            if (url == null) {
                return null;
            }
            String origin = details.getClass().getSimpleName().equals("PropertiesJdbcConnectionDetails")
                    ? URL_PROPERTY : "the application's service connection (" + details.getClass().getSimpleName() + ")";
            return new ApplicationDatabase(url, details.getUsername(), details.getPassword(), origin);
        }
    }
}
