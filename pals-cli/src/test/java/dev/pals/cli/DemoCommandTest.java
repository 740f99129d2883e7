package dev.pals.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pals.LockKey;
import dev.pals.testing.ServerView;
import org.junit.jupiter.api.Test;

/** {@code pals demo --url}: every scene runs on the test server and leaves nothing behind. */
class DemoCommandTest {

    @Test
    void everySceneRunsAndNothingIsLeftBehind() {
        Cli.Result result = Cli.run(Cli.onServer("demo"));

        assertThat(result.exitCode()).as(result.toString()).isZero();
        String out = result.out();
        assertThat(out).contains("1. Three workers want one exclusive lock, \"pals-demo.nightly-report\"",
                "worker-3  asks for the lock", "What 'pals locks pals-demo.nightly-report' shows now:");
        assertThat(out).containsPattern("pals-demo\\.nightly-report +exclusive +held +\\d+ +pals:pals-demo");
        assertThat(out).containsPattern("pals-demo\\.nightly-report +exclusive +waiting +\\d+ +pals:pals-demo");
        assertThat(out).contains("2. Readers share", "reader-2  acquired it shared",
                "reader-3  asks for it shared: waits behind the writer", "writer    acquired it after");
        assertThat(out.indexOf("writer    acquired it")).isLessThan(out.indexOf("reader-3  acquired it"));
        assertThat(out).contains("3. A timeout", "acquire(false)            -> false",
                "acquire(800 ms)           -> false after",
                "AcquireFailure after", "Lock acquire failed for \"pals-demo.payments\". Failed due to timeout.");
        assertThat(out).contains("4. A holder's session is killed", "select pg_terminate_backend(",
                "onLockLost: \"pals-demo.cleanup\" is lost", "lock.isHeld() -> false, lock.release() -> false",
                "acquire(false) -> true");
        assertThat(out).containsPattern("pals\\.lock\\.acquire \\(wait\\) +exclusive +acquired +\\d+");
        assertThat(out).containsPattern("pals\\.lock\\.acquire \\(wait\\) +exclusive +timeout +2 ");
        assertThat(out).containsPattern("pals\\.lock\\.acquire \\(wait\\) +shared +acquired +3 ");
        assertThat(out).containsPattern("pals\\.lock\\.lost +exclusive +lost +1");
        assertThat(out).contains("Demo done in ");

        for (String name : Demo.NAMES) {
            assertThat(ServerView.holders(LockKey.named(Demo.APP, name))).isEmpty();
        }
        await().until(() -> ServerView.backends("pals:" + Demo.APP) == 0);
    }
}
