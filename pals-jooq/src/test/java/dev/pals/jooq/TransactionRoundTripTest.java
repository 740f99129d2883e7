package dev.pals.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.LockMode;
import dev.pals.TransactionLock;
import dev.pals.testing.TcpProxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a transaction lock costs on the wire, counted by a proxy between client and server: one round trip
 * to take it (the savepoint, the bounded wait with lock_timeout set and restored, and the release of the
 * savepoint travel together), one for a try, and one more to roll the savepoint back after a timeout.
 */
@Timeout(60)
class TransactionRoundTripTest {

    @Test
    void aGrantedWaitOrATryTakesOneRoundTripAndATimeoutTwo() throws SQLException {
        JooqTransactionLocker locker = JooqTransactionLocker.builder(Db.uniqueApp("xact-trips")).build();
        TransactionLock lock = locker.lock("trips");
        TransactionLock shared = locker.lock("trips-shared", LockMode.SHARED);
        try (TcpProxy proxy = TcpProxy.start(Db.host(), Db.port());
                Connection c = connect(proxy);
                Connection holder = Db.DB.connect()) {
            c.setAutoCommit(false);
            for (int i = 0; i < 10; i++) { // warm up: the driver's caches
                assertThat(lock.acquire(c)).isTrue();
                assertThat(shared.acquire(c, false)).isTrue();
                c.commit();
            }
            assertThat(count(proxy, () -> assertThat(lock.acquire(c)).isTrue())).isEqualTo(1);
            assertThat(count(proxy, () -> assertThat(shared.acquire(c, Duration.ofSeconds(5))).isTrue())).isEqualTo(1);
            assertThat(count(proxy, () -> assertThat(lock.acquire(c, false)).isTrue())).isEqualTo(1);
            c.commit();

            holder.setAutoCommit(false);
            lock.hold(holder);
            assertThat(count(proxy, () -> assertThat(lock.acquire(c, false)).isFalse())).isEqualTo(1);
            assertThat(count(proxy, () -> assertThat(lock.acquire(c, Duration.ofMillis(50))).isFalse())).isEqualTo(2);
            assertThat(proxy.connections()).isEqualTo(0);
            try (Statement statement = c.createStatement(); ResultSet rs = statement.executeQuery("show lock_timeout")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("0");
            }
            c.commit();
            holder.commit();
        }
    }

    private interface Call {
        void run() throws SQLException;
    }

    private static long count(TcpProxy proxy, Call call) throws SQLException {
        proxy.resetCounts();
        call.run();
        return proxy.roundTrips();
    }

    private static Connection connect(TcpProxy proxy) throws SQLException {
        Properties properties = new Properties();
        if (Db.user() != null) {
            properties.setProperty("user", Db.user());
        }
        if (Db.password() != null) {
            properties.setProperty("password", Db.password());
        }
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + Db.database(), properties);
    }
}
