package dev.pals.testing;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** The opt-in Testcontainers path: only touched when asked for, and only if Docker answers. */
final class Containers {
    private Containers() {
    }

    static TestDatabase start() {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            return null;
        }
        PostgreSQLContainer container = new PostgreSQLContainer(System.getProperty("pals.db.image", "postgres:17"));
        container.start();
        return TestDatabase.of(container.getJdbcUrl(), container.getUsername(), container.getPassword(),
                "testcontainers", container);
    }
}
