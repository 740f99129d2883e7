package dev.pals.examples.springboot;

import org.springframework.boot.SpringApplication;

/** Runs the example against an embedded PostgreSQL (or PALS_DB_URL): {@code -Dspringboot}, see the pom. */
public final class TestExampleApp {
    private TestExampleApp() {
    }

    public static void main(String[] args) {
        SpringApplication.from(ExampleApp::main)
                .run(append(args, "--spring.datasource.url=" + Postgres.url(), "--report.every=PT5S"));
    }

    private static String[] append(String[] args, String... more) {
        String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return all;
    }
}
