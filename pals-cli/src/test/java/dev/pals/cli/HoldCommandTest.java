package dev.pals.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.json.JSONArray;
import org.json.JSONObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code pals hold}: held on the server, seen by other processes, released on time, on a signal, or lost. */
class HoldCommandTest {
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern HOLDING_PID = Pattern.compile("^holding .* as pid (\\d+) on .*");

    private final String app = Lockers.unique("hold");
    private final LockKey key = LockKey.named(app, "nightly");
    private final List<Locker> lockers = new ArrayList<>();

    @AfterEach
    void closeLockers() {
        lockers.forEach(Locker::close);
    }

    @Test
    void aHoldInAnotherProcessIsSeenByLocksAndKeepsOthersOut() throws Exception {
        try (Child child = Child.start(Cli.onServer("hold", "nightly", "--app", app, "--for", "60s"))) {
            String holding = child.awaitLine(line -> line.startsWith("holding "), CHILD_TIMEOUT);
            assertThat(holding).contains("\"" + app + ".nightly\"", "key " + key.value(), "exclusive",
                    "application_name pals:" + app, "releasing in 1m00s");
            Matcher pid = HOLDING_PID.matcher(holding);
            assertThat(pid.matches()).as(holding).isTrue();
            assertThat(ServerView.holders(key)).containsExactly(Integer.parseInt(pid.group(1)));

            Cli.Result locks = Cli.run(Cli.onServer("locks", "--json", "--app", app, "nightly"));
            JSONArray rows = new JSONObject(locks.out()).getJSONArray("locks");
            JSONObject row = null;
            for (int i = 0; i < rows.length(); i++) {
                if (rows.getJSONObject(i).optLong("key") == key.value()) {
                    row = rows.getJSONObject(i);
                }
            }
            assertThat(row).as(locks.toString()).isNotNull();
            assertThat(row.getString("name")).isEqualTo(app + ".nightly");
            assertThat(row.getString("application")).isEqualTo("pals:" + app);
            assertThat(row.getInt("pid")).isEqualTo(Integer.parseInt(pid.group(1)));
            assertThat(row.getString("state")).isEqualTo("held");

            Cli.Result once = Cli.run(Cli.onServer("hold", "nightly", "--app", app, "--wait", "0"));
            assertThat(once.exitCode()).as(once.toString()).isEqualTo(ExitCodes.NOT_ACQUIRED);
            assertThat(once.err()).contains("not acquired: \"" + app + ".nightly\"", "held by pid " + pid.group(1),
                    "a single try");

            Cli.Result waited = Cli.run(Cli.onServer("hold", "nightly", "--app", app, "--wait", "300ms"));
            assertThat(waited.exitCode()).as(waited.toString()).isEqualTo(ExitCodes.NOT_ACQUIRED);
            assertThat(waited.out()).contains("waiting for \"" + app + ".nightly\"", "held by pid " + pid.group(1), "up to 300ms");
            assertThat(waited.err()).contains("(waited ");

            child.terminate(); // SIGTERM, as kill does; Ctrl-C takes the same path
            int exit = child.waitFor(CHILD_TIMEOUT);
            assertThat(exit).as(child.output()).isEqualTo(143);
            assertThat(child.output()).contains("interrupted: released \"" + app + ".nightly\"");
        }
        assertThat(ServerView.freeElsewhere(key)).isTrue();
    }

    @Test
    void holdForADurationReleasesAndExitsZero() {
        Cli.Result result = Cli.run(Cli.onServer("hold", "nightly", "--app", app, "--for", "300ms"));

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).contains("holding \"" + app + ".nightly\"", "releasing in 300ms",
                "released \"" + app + ".nightly\" (key " + key.value() + ", exclusive) after ");
        assertThat(ServerView.freeElsewhere(key)).isTrue();
        await().until(() -> ServerView.backends("pals:" + app) == 0);
    }

    @Test
    void sharedHoldsCoexistAndKeepExclusiveOut() {
        Locker locker = locker();
        Lock reader = locker.lock("nightly", LockMode.SHARED);
        assertThat(reader.acquire()).isTrue();

        Cli.Result shared = Cli.run(Cli.onServer("hold", "nightly", "--app", app, "--shared", "--wait", "0", "--for", "100ms"));
        assertThat(shared.exitCode()).as(shared.toString()).isZero();
        assertThat(shared.out()).contains("(key " + key.value() + ", shared)");

        Cli.Result exclusive = Cli.run(Cli.onServer("hold", "nightly", "--app", app, "--wait", "0"));
        assertThat(exclusive.exitCode()).as(exclusive.toString()).isEqualTo(ExitCodes.NOT_ACQUIRED);
        assertThat(reader.release()).isTrue();
    }

    @Test
    void waitsForTheLockThenHoldsIt() throws Exception {
        Locker locker = locker();
        Lock other = locker.lock("nightly");
        assertThat(other.acquire()).isTrue();
        int holder = ServerView.holders(key).get(0);

        CompletableFuture<Cli.Result> hold = CompletableFuture.supplyAsync(
                () -> Cli.run(Cli.onServer("hold", "nightly", "--app", app, "--wait", "30s", "--for", "100ms")));
        await().until(() -> ServerView.waiters(key).size() == 1);
        assertThat(other.release()).isTrue();

        Cli.Result result = hold.get();
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).contains("waiting for \"" + app + ".nightly\" (key " + key.value()
                + ", exclusive), held by pid " + holder + "; up to 30.0s", "holding ", "released ");
    }

    @Test
    void aLostLockEndsTheHoldWithExitCodeFive() throws Exception {
        CompletableFuture<Cli.Result> hold = CompletableFuture.supplyAsync(
                () -> Cli.run(Cli.onServer("hold", "nightly", "--app", app)));
        await().until(() -> ServerView.holders(key).size() == 1);

        ServerView.terminate(ServerView.holders(key).get(0));

        Cli.Result result = hold.get();
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.LOST);
        assertThat(result.out()).contains("holding \"" + app + ".nightly\"", "Ctrl-C to release");
        assertThat(result.err()).contains("pals: lost \"" + app + ".nightly\"", "its database session ended");
        assertThat(ServerView.freeElsewhere(key)).isTrue();
    }

    @Test
    void badDurationsAreUsageErrors() {
        Cli.Result wait = Cli.run(Cli.onServer("hold", "nightly", "--wait", "soon"));
        assertThat(wait.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(wait.err()).contains("--wait: not a duration: 'soon'", "or 'forever'");

        Cli.Result tooLong = Cli.run(Cli.onServer("hold", "nightly", "--wait", "30d"));
        assertThat(tooLong.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(tooLong.err()).contains("--wait must be at most 2147483647 ms");

        Cli.Result holdFor = Cli.run(Cli.onServer("hold", "nightly", "--for", "-1s"));
        assertThat(holdFor.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(holdFor.err()).contains("Invalid value for option '--for'", "not a duration: '-1s'");

        Cli.Result noName = Cli.run(Cli.onServer("hold"));
        assertThat(noName.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(noName.err()).contains("Missing required parameter: '<name>'");
        assertThat(ServerView.backends("pals:" + app)).isZero();
    }

    private Locker locker() {
        Locker locker = Lockers.on(app);
        lockers.add(locker);
        return locker;
    }
}
