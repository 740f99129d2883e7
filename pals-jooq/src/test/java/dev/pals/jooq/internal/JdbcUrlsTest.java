package dev.pals.jooq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class JdbcUrlsTest {

    @Test
    void passwordsInUrlsAreRedacted() {
        assertThat(JdbcUrls.redact("jdbc:postgresql://h:5/db?user=u&password=s3cret&sslpassword=k3y&ssl=true"))
                .isEqualTo("jdbc:postgresql://h:5/db?user=u&password=***&sslpassword=***&ssl=true");
        assertThat(JdbcUrls.redact("jdbc:postgresql://u:s3cret@h/db")).isEqualTo("jdbc:postgresql://***@h/db");
    }

    @Test
    void targetNamesHostsAndPorts() {
        assertThat(JdbcUrls.target("jdbc:postgresql://db.example:6543/x")).isEqualTo("db.example:6543");
        assertThat(JdbcUrls.target("jdbc:postgresql://a,b:7/x")).isEqualTo("a:5432,b:7");
        assertThat(JdbcUrls.target("jdbc:postgresql:x")).isEqualTo("localhost:5432");
    }

    @Test
    void aUrlPgjdbcCannotReadIsRefusedWithoutItsPassword() {
        assertThatIllegalArgumentException().isThrownBy(() -> JdbcUrls.target("jdbc:mysql://h/db?password=s3cret"))
                .withMessageContaining("url is not a PostgreSQL JDBC URL")
                .withMessageNotContaining("s3cret");
    }
}
