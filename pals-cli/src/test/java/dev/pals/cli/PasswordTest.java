package dev.pals.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Passwords on a server that checks them (an embedded PostgreSQL whose {@code pg_hba.conf} asks every
 * role but the bootstrap superuser for a SCRAM password): from {@code --password}, the environment or a
 * prompt; never in any output.
 */
class PasswordTest {
    private static final String ROLE = "pals_cli_user";
    private static final String PASSWORD = "Corr3ct-Horse-Battery";
    private static final String WRONG = "Wr0ng-Staple-Guess";
    private static EmbeddedPostgres server;
    private static String url;

    @BeforeAll
    static void startServerThatChecksPasswords() throws IOException, SQLException {
        server = EmbeddedPostgres.builder()
                .setDataDirectoryCustomizer(dataDirectory -> {
                    try {
                        Files.writeString(dataDirectory.toPath().resolve("pg_hba.conf"), """
                                local all all trust
                                host all postgres 127.0.0.1/32 trust
                                host all postgres ::1/128 trust
                                host all all 127.0.0.1/32 scram-sha-256
                                host all all ::1/128 scram-sha-256
                                """, StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                })
                .start();
        try (Connection connection = server.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("create role " + ROLE + " login password '" + PASSWORD + "'");
        }
        url = "jdbc:postgresql://127.0.0.1:" + server.getPort() + "/postgres";
    }

    @AfterAll
    static void stopServer() throws IOException {
        server.close();
    }

    @Test
    void theServerReallyChecksPasswords() {
        Cli.Result none = Cli.run("locks", "--url", url, "--user", ROLE);
        assertThat(none.exitCode()).as(none.toString()).isEqualTo(ExitCodes.NO_CONNECTION);
        assertThat(none.err()).contains("cannot connect to 127.0.0.1:" + server.getPort() + "/postgres as " + ROLE,
                "no password was provided", "(give --password, or set PALS_PASSWORD)");
    }

    @Test
    void aWrongPasswordExitsThreeAndIsNeverPrinted() {
        for (String[] args : List.of(
                new String[] {"locks", "--url", url, "--user", ROLE, "--password", WRONG},
                new String[] {"locks", "--url", url, "--user", ROLE, "--password=" + WRONG},
                new String[] {"hold", "x", "--for", "1ms", "--url", url, "--user", ROLE, "--password", WRONG},
                new String[] {"demo", "--url", url, "--user", ROLE, "--password", WRONG},
                new String[] {"locks", "--url", url + "?password=" + WRONG, "--user", ROLE})) {
            Cli.Result result = Cli.run(args);
            assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.NO_CONNECTION);
            assertThat(result.err()).contains("password authentication failed for user \"" + ROLE + "\"");
            assertThat(result.out() + result.err()).doesNotContain(WRONG);
        }
        Cli.Result fromEnv = Cli.run(Map.of("PALS_PASSWORD", WRONG), "", "locks", "--url", url, "--user", ROLE);
        assertThat(fromEnv.exitCode()).isEqualTo(ExitCodes.NO_CONNECTION);
        assertThat(fromEnv.out() + fromEnv.err()).doesNotContain(WRONG);
    }

    @Test
    void theRightPasswordWorksFromTheOptionTheEnvironmentOrThePrompt() {
        assertWorks(Cli.run("locks", "--url", url, "--user", ROLE, "--password", PASSWORD));
        assertWorks(Cli.run("hold", "x", "--for", "1ms", "--url", url, "--user", ROLE, "--password=" + PASSWORD));
        assertWorks(Cli.run(Map.of("PALS_PASSWORD", PASSWORD), "", "locks", "--url", url, "--user", ROLE));
        assertWorks(Cli.run(Map.of("PGPASSWORD", PASSWORD), "", "locks", "--url", url, "--user", ROLE));
        assertWorks(Cli.run(Map.of("PALS_URL", url, "PALS_USER", ROLE, "PALS_PASSWORD", PASSWORD), "", "locks"));
        // --password on the command line wins over the environment.
        assertWorks(Cli.run(Map.of("PALS_PASSWORD", WRONG), "", "locks", "--url", url, "--user", ROLE, "--password", PASSWORD));

        // --password alone prompts; without a console picocli reads the line from standard input.
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream((PASSWORD + "\n").getBytes(StandardCharsets.UTF_8)));
            Cli.Result prompted = Cli.run("locks", "--url", url, "--user", ROLE, "--password");
            assertWorks(prompted);
        } finally {
            System.setIn(stdin);
        }
    }

    private static void assertWorks(Cli.Result result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out() + result.err()).doesNotContain(PASSWORD);
    }
}
