package dev.pals;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AcquireFailureTest {

    @Test
    void messageKeepsPythonPalsForm() {
        AcquireFailure failure = new AcquireFailure("TestLock.test_it", LockKey.named("TestLock", "test_it"),
                LockMode.EXCLUSIVE, Duration.ofMillis(1001), AcquireFailure.Reason.TIMEOUT, null, null);
        assertThat(failure).hasMessage("Lock acquire failed for \"TestLock.test_it\". Failed due to timeout.");
        assertThat(failure.toString()).contains("-5798183527148201584").contains("exclusive")
                .contains("waited 1001 ms");
        assertThat(failure).isInstanceOf(PalsException.class);
    }

    @Test
    void detailCompletesTheSentence() {
        AcquireFailure failure = new AcquireFailure("a.b", LockKey.of(1L), LockMode.SHARED, Duration.ZERO,
                AcquireFailure.Reason.CONNECT_FAILED, "to db.example:5432", null);
        assertThat(failure).hasMessage("Lock acquire failed for \"a.b\". Failed due to no database connection to db.example:5432.");
    }

    @Test
    void onlyTheOrdinaryNosAreNotErrors() {
        assertThat(AcquireFailure.Reason.TIMEOUT.isError()).isFalse();
        assertThat(AcquireFailure.Reason.NOT_AVAILABLE.isError()).isFalse();
        assertThat(AcquireFailure.Reason.NO_CONNECTION.isError()).isFalse();
        assertThat(AcquireFailure.Reason.CONNECTION_LOST.isError()).isTrue();
        assertThat(AcquireFailure.Reason.INTERRUPTED.isError()).isTrue();
    }

    @Test
    void longNamesAreShortenedInTheMessage() {
        String name = "app." + "n".repeat(10_000);
        AcquireFailure failure = new AcquireFailure(name, LockKey.named("app", "n".repeat(10_000)),
                LockMode.EXCLUSIVE, Duration.ZERO, AcquireFailure.Reason.NOT_AVAILABLE, null, null);
        assertThat(failure.getMessage()).hasSizeLessThan(200).contains("(10004 chars)");
        assertThat(failure.lockName()).isEqualTo(name);
    }
}
