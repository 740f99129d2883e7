package dev.pals.examples.springboot;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The PostgreSQL of the tests and the demo run: PALS_DB_URL if set, else an embedded one, started once. */
final class Postgres {
    private static String url;

    private Postgres() {
    }

    static synchronized String url() {
        if (url == null) {
            String given = System.getenv("PALS_DB_URL");
            if (given != null && !given.isBlank()) {
                url = given;
            } else {
                try {
                    EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                        try {
                            postgres.close();
                        } catch (IOException e) {
                            // the JVM is going away
                        }
                    }));
                    url = "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres?user=postgres";
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot start an embedded PostgreSQL", e);
                }
            }
        }
        return url;
    }
}
