package dev.pals.cli;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code pals demo}: the library at work, on an embedded PostgreSQL or on {@code --url}. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Shows PALs at work as it happens, in about ten seconds: workers contending for an exclusive lock"
                    + " (and what 'pals locks' shows meanwhile), readers beside a writer, a timeout, a holder"
                    + " killed with pg_terminate_backend and its lock reported lost and freed, then a summary of"
                    + " the metrics pals-metrics recorded.",
            "",
            "Without --url (PALS_URL is not read here) it starts an embedded PostgreSQL (zonky; Linux x86-64),"
                    + " which needs nothing but a JDK; with --url it runs on that server, with locks named"
                    + " pals-demo.*, and skips the kill if the role may not terminate its own sessions.",
        })
final class DemoCommand implements Callable<Integer> {
    @ParentCommand
    Pals pals;

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        out.println("PALs demo: distributed locks on PostgreSQL advisory locks, as they happen.");
        out.flush();
        if (connection.urlGiven()) {
            Server server = connection.server(pals.env);
            out.println("Server: " + server);
            new Demo(out, server).run();
            return ExitCodes.OK;
        }
        out.println("Starting an embedded PostgreSQL (the first run unpacks it into " + System.getProperty("java.io.tmpdir")
                + ", a few seconds) ...");
        out.flush();
        long start = System.nanoTime();
        EmbeddedPostgres postgres;
        try {
            postgres = EmbeddedPostgres.builder().start();
        } catch (IOException | RuntimeException e) {
            throw new CliException(ExitCodes.FAILED, "cannot start the embedded PostgreSQL: " + Errors.describe(e)
                    + " (run the demo on a server of yours with --url)", e);
        }
        try {
            out.println("Embedded PostgreSQL on port " + postgres.getPort() + ", ready in "
                    + Durations.format(java.time.Duration.ofNanos(System.nanoTime() - start)));
            new Demo(out, new Server("jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres", "postgres", null)).run();
        } finally {
            postgres.close();
        }
        out.println("The embedded PostgreSQL is stopped. Next: README's \"Command line\" section, or 'pals --help'.");
        out.flush();
        return ExitCodes.OK;
    }
}
