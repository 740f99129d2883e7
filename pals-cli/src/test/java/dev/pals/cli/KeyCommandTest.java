package dev.pals.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import java.lang.ref.Reference;
import org.json.JSONArray;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;

/** {@code pals key}: Python PALs' keys, and with {@code --url} who holds them. */
class KeyCommandTest {

    @Test
    void printsThePythonKeyOfANameInBothForms() {
        Cli.Result result = Cli.run("key", "my-lock", "--app", "my-app");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).isEqualTo("""
                NAME            KEY                  INT PAIR
                my-app.my-lock  8527727818887320220  1985516356,4194226844
                """);
    }

    @Test
    void jsonGivesEveryFormOfEveryName() {
        // Keys computed by Python PALs 0.4.0 (pals-api's key vectors).
        Cli.Result result = Cli.run("key", "--json", "--app", "TestLock", "test_it", "other");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        JSONArray keys = new JSONObject(result.out()).getJSONArray("keys");
        assertThat(keys.length()).isEqualTo(2);
        JSONObject first = keys.getJSONObject(0);
        assertThat(first.getString("app")).isEqualTo("TestLock");
        assertThat(first.getString("name")).isEqualTo("test_it");
        assertThat(first.getString("fullName")).isEqualTo("TestLock.test_it");
        assertThat(first.getString("keySpace")).isEqualTo("bigint");
        assertThat(first.getLong("key")).isEqualTo(-5798183527148201584L);
        LockKey key = LockKey.of(-5798183527148201584L);
        assertThat(first.getInt("key1")).isEqualTo(key.key1());
        assertThat(first.getInt("key2")).isEqualTo(key.key2());
        assertThat(first.getLong("classid")).isEqualTo(Integer.toUnsignedLong(key.key1()));
        assertThat(first.getLong("objid")).isEqualTo(Integer.toUnsignedLong(key.key2()));
        assertThat(keys.getJSONObject(1).getLong("key")).isEqualTo(LockKey.named("TestLock", "other").value());
        assertThat(new JSONObject(result.out()).has("locks")).isFalse();
    }

    @Test
    void withoutAppTheNameIsBareAndUnicodeHashesAsInPython() {
        JSONObject bare = new JSONObject(Cli.run("key", "--json", "my-app.my-lock").out());
        assertThat(bare.getJSONArray("keys").getJSONObject(0).getLong("key")).isEqualTo(8527727818887320220L);
        assertThat(bare.getJSONArray("keys").getJSONObject(0).isNull("app")).isTrue();

        JSONObject unicode = new JSONObject(Cli.run("key", "--json", "--app", "app", "é-ünïcødé-🔒").out());
        assertThat(unicode.getJSONArray("keys").getJSONObject(0).getLong("key")).isEqualTo(-5375455285446021491L);
    }

    @Test
    void withUrlItAlsoShowsWhoHoldsTheKey() {
        String app = Lockers.unique("key");
        try (Locker locker = Lockers.on(app)) {
            Lock lock = locker.lock("report");
            assertThat(lock.acquire()).isTrue();
            int pid = ServerView.holders(lock.key()).get(0);

            Cli.Result table = Cli.run(Cli.onServer("key", "report", "--app", app));
            assertThat(table.exitCode()).as(table.toString()).isZero();
            assertThat(table.out()).contains(app + ".report  " + lock.key().value());
            assertThat(table.out()).containsPattern(lock.key().value() + " .* " + app + "\\.report +exclusive +held +" + pid
                    + " +pals:" + app);

            JSONObject json = new JSONObject(Cli.run(Cli.onServer("key", "report", "--app", app, "--json")).out());
            JSONArray locks = json.getJSONArray("locks");
            assertThat(locks.length()).isEqualTo(1);
            assertThat(locks.getJSONObject(0).getInt("pid")).isEqualTo(pid);
            assertThat(locks.getJSONObject(0).getString("name")).isEqualTo(app + ".report");

            JSONObject free = new JSONObject(Cli.run(Cli.onServer("key", "nobody-holds-this", "--app", app, "--json")).out());
            assertThat(free.getJSONArray("locks").length()).isZero();
            Reference.reachabilityFence(lock); // a collected handle releases its lock
        }
    }

    @Test
    void aNameIsRequired() {
        Cli.Result result = Cli.run("key", "--app", "x");
        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains("Missing required parameter: '<name>'", "Try 'pals key --help'");
    }
}
