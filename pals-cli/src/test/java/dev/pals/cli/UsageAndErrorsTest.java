package dev.pals.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.testing.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad arguments, bad URLs and unreachable servers: a clear line on stderr and a documented exit code. */
class UsageAndErrorsTest {
    private static final String SECRET = "hunter2-Secret";

    @Test
    void noCommandUnknownCommandAndUnknownOptionAreUsageErrors() {
        Cli.Result none = Cli.run();
        assertThat(none.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(none.err()).contains("pals: missing command: locks, hold, key or demo", "Try 'pals --help'");

        Cli.Result unknown = Cli.run("lock");
        assertThat(unknown.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err()).contains("Unmatched argument at index 0: 'lock'", "Did you mean", "locks");

        Cli.Result option = Cli.run("locks", "--jsn");
        assertThat(option.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(option.err()).contains("Unknown option: '--jsn'", "Try 'pals locks --help'");
    }

    @Test
    void helpAndVersionExitZeroAndListTheExitCodes() {
        Cli.Result help = Cli.run("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("Commands:", "locks", "hold", "key", "demo", "Exit codes:",
                "3     No connection", "4     hold: the lock was not acquired", "5     hold: the lock was lost");
        for (String command : List.of("locks", "hold", "key", "demo")) {
            Cli.Result commandHelp = Cli.run(command, "--help");
            assertThat(commandHelp.exitCode()).isZero();
            assertThat(commandHelp.out()).contains("Usage: pals " + command, "--url=<url>", "--user=<user>",
                    "--password[=<password>]", "PALS_PASSWORD");
        }
        assertThat(Cli.run("--version").out()).startsWith("pals ");
    }

    @Test
    void aServerIsRequiredAndTakenFromTheEnvironment() {
        Cli.Result none = Cli.run("locks");
        assertThat(none.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(none.err()).contains("no server given: --url jdbc:postgresql://host[:port]/database (or set PALS_URL)");

        TestDatabase db = TestDatabase.get();
        Map<String, String> env = Cli.env("PALS_URL", db.url());
        if (db.user() != null) {
            env.put("PALS_USER", db.user());
        }
        if (db.password() != null) {
            env.put("PALS_PASSWORD", db.password());
        }
        Cli.Result fromEnv = Cli.run(env, "", "locks");
        assertThat(fromEnv.exitCode()).as(fromEnv.toString()).isZero();
    }

    @Test
    void badUrlsAreUsageErrorsThatNeverShowThePassword() {
        Cli.Result mysql = Cli.run("locks", "--url", "jdbc:mysql://db/app?user=x&password=" + SECRET);
        assertThat(mysql.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(mysql.err()).contains("not a PostgreSQL URL: jdbc:mysql://db/app?user=x&password=***",
                "expected jdbc:postgresql://host[:port]/database");

        Cli.Result userInfo = Cli.run("locks", "--url", "postgresql://bob:" + SECRET + "@db/app");
        assertThat(userInfo.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(userInfo.err()).contains("must not carry a user or password before the host", "--user",
                "postgresql://***@db/app");

        Cli.Result port = Cli.run("locks", "--url", "jdbc:postgresql://localhost:notaport/app?password=" + SECRET);
        assertThat(port.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(port.err()).contains("not a valid PostgreSQL URL");

        Cli.Result empty = Cli.run("locks", "--url", " ");
        assertThat(empty.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(empty.err()).contains("--url is empty");

        for (Cli.Result result : List.of(mysql, userInfo, port, empty)) {
            assertThat(result.out() + result.err()).doesNotContain(SECRET);
        }
    }

    @Test
    void aLibpqUriIsAccepted() {
        TestDatabase db = TestDatabase.get();
        List<String> args = new ArrayList<>(List.of("locks", "--url", db.url().replaceFirst("^jdbc:postgresql:", "postgresql:")));
        if (db.user() != null) {
            args.addAll(List.of("--user", db.user()));
        }
        if (db.password() != null) {
            args.add("--password=" + db.password());
        }
        Cli.Result result = Cli.run(args.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).startsWith("Advisory locks in database ");
    }

    @Test
    void anUnreachableServerExitsThreeForEveryCommand() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String url = "jdbc:postgresql://localhost:" + port + "/app";
        for (String[] args : List.of(
                new String[] {"locks", "--url", url, "--password", SECRET},
                new String[] {"locks", "--watch", "--url", url, "--password", SECRET},
                new String[] {"hold", "x", "--url", url, "--password", SECRET},
                new String[] {"key", "x", "--url", url, "--password", SECRET},
                new String[] {"demo", "--url", url, "--password", SECRET})) {
            Cli.Result result = Cli.run(args);
            assertThat(result.exitCode()).as(String.join(" ", args) + "\n" + result).isEqualTo(ExitCodes.NO_CONNECTION);
            assertThat(result.err()).contains("pals: cannot connect to localhost:" + port + "/app: Connection to localhost:"
                    + port + " refused");
            assertThat(result.out() + result.err()).doesNotContain(SECRET);
        }

        Cli.Result unknownHost = Cli.run("locks", "--url", "jdbc:postgresql://no-such-host.invalid/app");
        assertThat(unknownHost.exitCode()).isEqualTo(ExitCodes.NO_CONNECTION);
        assertThat(unknownHost.err()).contains("cannot connect to no-such-host.invalid:5432/app", "unknown host no-such-host.invalid");
    }

    @Test
    void aMissingDatabaseExitsThree() {
        TestDatabase db = TestDatabase.get();
        String url = db.url().replaceFirst("^(jdbc:postgresql://[^/]*/)[^?]*", "$1no_such_database_here");
        List<String> args = new ArrayList<>(List.of("locks", "--url", url));
        if (db.user() != null) {
            args.addAll(List.of("--user", db.user()));
        }
        Cli.Result result = Cli.run(args.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.NO_CONNECTION);
        assertThat(result.err()).contains("database \"no_such_database_here\" does not exist");
    }

    @Test
    void badOptionValuesAreUsageErrors() {
        Cli.Result watch = Cli.run(Cli.onServer("locks", "--watch=0s"));
        assertThat(watch.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(watch.err()).contains("--watch interval must be positive");

        Cli.Result count = Cli.run(Cli.onServer("locks", "--count", "2"));
        assertThat(count.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(count.err()).contains("--count goes with --watch");

        Cli.Result names = Cli.run(Cli.onServer("locks", "--names-file", "/no/such/names.txt"));
        assertThat(names.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(names.err()).contains("names file not found: /no/such/names.txt");

        Cli.Result interval = Cli.run(Cli.onServer("locks", "--watch=often"));
        assertThat(interval.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(interval.err()).contains("Invalid value for option '--watch'", "not a duration: 'often'");
    }
}
