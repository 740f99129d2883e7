package dev.pals.jooq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pals.jooq.Db;
import dev.pals.testing.TcpProxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pool's connection provider bounds each login by the deadline of the borrow that needs it, by the
 * pool's login timeout otherwise, and lets a loginTimeout in the URL win over the pool's. The logins go
 * through a frozen path, where only a timeout ends them.
 */
@Timeout(60)
class ConnectBoundTest {
    private TcpProxy proxy;
    private ConnectBound source;

    @BeforeEach
    void frozenPath() {
        proxy = TcpProxy.start(Db.host(), Db.port());
        source = new ConnectBound();
        source.setUser(Db.user());
        source.setPassword(Db.password());
    }

    @AfterEach
    void closeProxy() {
        proxy.close();
    }

    private String url(String parameters) {
        return "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + Db.database() + parameters;
    }

    private long millisToFail(ConnectBound.Step<Connection> login) {
        long start = System.nanoTime();
        assertThatThrownBy(login::run).isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).startsWith("08"));
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    @Test
    void aLoginIsBoundedByTheBorrowsDeadlineRatherThanThePoolsLoginTimeout() {
        source.setUrl(url(""));
        source.setLoginTimeout(10);
        proxy.freeze();
        long took = millisToFail(() -> ConnectBound.until(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300),
                source::getConnection));
        assertThat(took).as("ms to give up on a login with 300 ms left").isBetween(250L, 5_000L);
    }

    @Test
    void noTimeLeftFailsAtOnceWithoutConnecting() {
        source.setUrl(url(""));
        source.setLoginTimeout(10);
        long connections = proxy.connections();
        millisToFail(() -> ConnectBound.until(System.nanoTime() - 1, source::getConnection));
        assertThat(proxy.connections()).isEqualTo(connections);
    }

    @Test
    void withoutADeadlineTheLoginTimeoutOfTheUrlWinsOverThePools() {
        source.setUrl(url("?loginTimeout=0.3"));
        source.setLoginTimeout(10);
        proxy.freeze();
        assertThat(millisToFail(source::getConnection)).as("ms to give up with the URL's 0.3 s").isBetween(250L, 5_000L);
    }

    @Test
    void withoutADeadlineThePoolsLoginTimeoutApplies() throws Exception {
        source.setUrl(url(""));
        source.setLoginTimeout(1);
        proxy.freeze();
        assertThat(millisToFail(source::getConnection)).as("ms to give up with the pool's 1 s").isBetween(950L, 8_000L);
        proxy.thaw();
        try (Connection connection = source.getConnection()) {
            assertThat(connection.isValid(5)).isTrue();
        }
    }
}
