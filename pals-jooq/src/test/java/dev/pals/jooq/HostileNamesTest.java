package dev.pals.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pals.AcquireFailure;
import dev.pals.HeldLock;
import dev.pals.Lock;
import dev.pals.LockKey;
import dev.pals.LockMode;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import dev.pals.testing.TcpProxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile lock names: quotes, comment and statement separators, placeholders, NUL and other control
 * characters, a megabyte of text, every Unicode plane. They are only ever hashed, so they never reach
 * the server as text (checked on the wire), they lock their own key like any name, and Python PALs
 * computes the same keys; lone surrogates are refused with a message that shows only a short prefix.
 */
@Timeout(120)
class HostileNamesTest {
    private static final String APP = "hostile";
    private static final int MEGABYTE = 1 << 20;
    private static Locker first;
    private static Locker second;

    @BeforeAll
    static void createLockers() {
        first = Db.locker(APP).build();
        second = Db.locker(APP).build();
    }

    @AfterAll
    static void closeLockers() {
        first.close();
        second.close();
    }

    static List<String> hostileNames() {
        List<String> names = new ArrayList<>(List.of(
                "it's", "\"double\"", "'; drop table pg_class; --", "--", ";", "/* open comment", "*/",
                "$$", "$tag$ x $tag$", "$1", "?", "??", "{fn now()}", "{call pg_sleep(10)}", "\\", "\\'",
                "%s%n%d", "", " ", "\t\r\n", "\u0000", "a\u0000b", "ab", "\u0000'; --",
                "\uFEFFbom", "\u202Eright-to-left", "zero\u200Bwidth\u200Djoin", "e\u0301", "\u00E9",
                "\uFFFE\uFFFF", "\uD83D\uDD12", planes(0x0101), planes(0xFFFF)));
        StringBuilder controls = new StringBuilder();
        for (char c = 0; c < 0xA0; c++) {
            if (Character.isISOControl(c)) {
                controls.append(c);
            }
        }
        names.add(controls.toString());
        for (int plane = 0; plane <= 16; plane++) {
            names.add("plane " + plane + ": " + new String(Character.toChars(plane << 16 | 0x0101)));
        }
        names.add("x".repeat(MEGABYTE));
        names.add(megabyteOf("ü€\uD83D\uDE00'; --\u0000"));
        return names;
    }

    /** One code point of every plane, 0 to 16, each at {@code offset} in its plane. */
    static String planes(int offset) {
        StringBuilder text = new StringBuilder();
        for (int plane = 0; plane <= 16; plane++) {
            text.appendCodePoint(plane << 16 | offset);
        }
        return text.toString();
    }

    static String megabyteOf(String piece) {
        StringBuilder text = new StringBuilder(MEGABYTE + piece.length());
        while (text.length() < MEGABYTE) {
            text.append(piece);
        }
        return text.toString();
    }

    /** The key as specified, computed here without the library: SHA-1, first 8 bytes little-endian. */
    static long reference(String fullName) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-1").digest(fullName.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(digest, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Test
    void everyHostileNameHashesAsSpecifiedAndLocksItsOwnKey() throws Exception {
        List<String> names = hostileNames();
        Set<LockKey> keys = new HashSet<>();
        for (String name : names) {
            String shown = dev.pals.internal.Text.shorten(name);
            LockKey key = first.key(name);
            assertThat(key).as("key of %s", shown).isEqualTo(LockKey.named(APP, name));
            assertThat(key.value()).as("key of %s", shown).isEqualTo(reference(APP + "." + name));
            keys.add(key);

            Lock lock = first.lock(name);
            assertThat(lock.name()).isEqualTo(APP + "." + name);
            // At most 80 characters of the name, control characters escaped (six characters each).
            assertThat(lock.toString()).as("toString of %s", shown).hasSizeLessThan(600);
            assertThat(lock.acquire(false)).as("first try on %s", shown).isTrue();
            assertThat(ServerView.holders(key)).as("holders of %s", shown).hasSize(1);
            // Excluded through another Locker's pool, exclusive and shared, try and timed.
            assertThat(second.lock(name).acquire(false)).as("second handle on %s", shown).isFalse();
            assertThat(second.lock(name, LockMode.SHARED).acquire(Duration.ofMillis(5))).isFalse();
            assertThat(lock.release()).isTrue();
            Lock other = second.lock(name);
            assertThat(other.acquire(Duration.ofSeconds(5))).as("after the release, on %s", shown).isTrue();
            assertThat(first.lock(name).acquire(false)).isFalse();
            assertThat(other.release()).isTrue();
            assertThat(ServerView.holders(key)).isEmpty();
        }
        // Nothing is normalized, trimmed or cut: every distinct string is its own lock.
        assertThat(keys).hasSameSizeAs(names);
    }

    @Test
    void hostileNamesHaveThePythonPalsKeys() {
        // Computed by Python: struct.unpack('<q', hashlib.sha1(full_name.encode('utf-8')).digest()[:8])[0]
        String sql = "it's \"quoted\"; drop table t; -- $1 ? {fn now()} \\";
        assertThat(LockKey.named(APP, sql).value()).isEqualTo(-3656236200773613236L);
        assertThat(LockKey.named(null, sql).value()).isEqualTo(1496927668014967623L);
        assertThat(LockKey.named(APP, "a\u0000b").value()).isEqualTo(3389552793756856346L);
        assertThat(LockKey.named(null, "a\u0000b").value()).isEqualTo(2901868605336206666L);
        assertThat(LockKey.named(APP, planes(0x0101)).value()).isEqualTo(843941807840441501L);
        assertThat(LockKey.named(null, planes(0x0101)).value()).isEqualTo(-3889485437998310512L);
        assertThat(LockKey.named(APP, planes(0xFFFF)).value()).isEqualTo(-1098909979644675367L);
        assertThat(LockKey.named(null, planes(0xFFFF)).value()).isEqualTo(-5567751877868786244L);
        assertThat(LockKey.named(APP, "x".repeat(MEGABYTE)).value()).isEqualTo(-1786918967532396818L);
        assertThat(LockKey.named(null, "x".repeat(MEGABYTE)).value()).isEqualTo(293692635486191587L);
    }

    @Test
    void lockNamesNeverReachTheServerAsText() throws Exception {
        String marker = "Zq7Hostile";
        List<String> names = List.of(marker + "'; drop table pg_class; --", marker + "\u0000" + marker,
                marker + planes(0x0101), marker + "$1?{fn now()}", marker + "x".repeat(MEGABYTE));
        try (TcpProxy proxy = TcpProxy.start(Db.DB.host(), Db.DB.port()).recordClientBytes();
                Locker wire = Db.builder("wire").url(proxiedUrl(proxy)).user(Db.user())
                        .password(Db.password()).build()) {
            for (String name : names) {
                Lock lock = wire.lock(name);
                assertThat(lock.acquire(false)).isTrue();
                // The holder's statement, as the server saw it: placeholders only.
                int pid = ServerView.holders(lock.key()).get(0);
                String query = ServerView.queryString("select query from pg_stat_activity where pid = " + pid);
                assertThat(query).contains("$1").doesNotContain(marker);
                assertThat(wire.lock(name).acquire(false)).isFalse();
                assertThat(wire.lock(name, LockMode.SHARED).acquire(Duration.ofMillis(5))).isFalse();
                assertThat(lock.release()).isTrue();
                assertThat(lock.acquire()).isTrue();
                assertThat(lock.release()).isTrue();
                try (HeldLock held = wire.lock(name, LockMode.SHARED).hold(Duration.ofSeconds(5))) {
                    assertThatThrownBy(() -> wire.lock(name).hold(Duration.ZERO)).isInstanceOf(AcquireFailure.class);
                }
            }
            List<byte[]> sent = proxy.clientBytes();
            assertThat(sent).isNotEmpty();
            byte[] sql = "pg_try_advisory_lock".getBytes(StandardCharsets.UTF_8);
            assertThat(sent).as("the recording sees the statements' text").anySatisfy(bytes ->
                    assertThat(indexOf(bytes, sql)).isNotNegative());
            for (byte[] bytes : sent) {
                assertThat(indexOf(bytes, marker.getBytes(StandardCharsets.UTF_8)))
                        .as("a name on the wire (%d bytes recorded)", bytes.length).isNegative();
            }

            // The recording would have seen a name sent as text: a bound text parameter shows.
            Properties properties = new Properties();
            if (Db.user() != null) {
                properties.setProperty("user", Db.user());
            }
            if (Db.password() != null) {
                properties.setProperty("password", Db.password());
            }
            try (Connection connection = DriverManager.getConnection(proxiedUrl(proxy), properties);
                    PreparedStatement statement = connection.prepareStatement("select length(?)")) {
                statement.setString(1, marker + " as text");
                try (ResultSet rs = statement.executeQuery()) {
                    rs.next();
                }
            }
            assertThat(proxy.clientBytes()).anySatisfy(bytes ->
                    assertThat(indexOf(bytes, marker.getBytes(StandardCharsets.UTF_8))).isNotNegative());
        }
    }

    @Test
    void loneSurrogatesAreRefusedWithAShortMessage() {
        String megabyte = "x".repeat(MEGABYTE);
        List<String> names = List.of("\uD800", "\uDFFF", "a\uD800b", "\uDC00\uD800", "ok\uD83D",
                megabyte + "\uD800", "\uDBFF" + megabyte);
        for (String name : names) {
            for (Runnable use : List.<Runnable>of(() -> first.lock(name), () -> first.lock(name, LockMode.SHARED),
                    () -> first.key(name), () -> first.readWriteLock(name), () -> LockKey.named(APP, name),
                    () -> LockKey.named(null, name), () -> LockKey.named(name, "x"))) {
                assertThatIllegalArgumentException().isThrownBy(use::run)
                        .withMessageContaining("lone surrogate")
                        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200)
                                .doesNotContain("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
            }
            assertThatIllegalArgumentException().isThrownBy(() -> Db.locker(name).build())
                    .withMessageContaining("appName").withMessageContaining("lone surrogate")
                    .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
        }
        assertThatIllegalArgumentException().isThrownBy(() -> LockKey.named(APP, megabyte + "\uD800"))
                .withMessageContaining("index " + (APP.length() + 1 + MEGABYTE))
                .withMessageContaining("(" + (APP.length() + 1 + MEGABYTE + 1) + " chars)");
        assertThatIllegalArgumentException().isThrownBy(() -> first.lock((String) null))
                .withMessage("lock name must not be null");
    }

    @Test
    void messagesShowAShortEscapedPrefixOfTheName() {
        String huge = "x".repeat(MEGABYTE);
        Lock holder = first.lock(huge);
        assertThat(holder.acquire(false)).isTrue();
        try {
            Lock contender = second.lock(huge);
            assertThatThrownBy(() -> contender.hold(Duration.ZERO)).isInstanceOfSatisfying(AcquireFailure.class, e -> {
                assertThat(e.getMessage()).hasSizeLessThan(300).contains("(" + (APP.length() + 1 + MEGABYTE) + " chars)");
                assertThat(e.toString()).hasSizeLessThan(400);
                assertThat(e.lockName()).isEqualTo(APP + "." + huge);
            });
            assertThat(contender.toString()).hasSizeLessThan(300);
            assertThat(contender.key().toString()).hasSizeLessThan(300);
            assertThat(first.toString()).hasSizeLessThan(300);
        } finally {
            holder.release();
        }

        // Control characters (a forged log line, a NUL) are escaped, never written raw.
        String forged = "name\n2026-01-01 INFO all is well\u0000\u001B[31m";
        Lock forgedHolder = first.lock(forged);
        assertThat(forgedHolder.acquire(false)).isTrue();
        try {
            assertThatThrownBy(() -> second.lock(forged).hold(Duration.ofMillis(5)))
                    .isInstanceOfSatisfying(AcquireFailure.class, e -> assertThat(e.getMessage())
                            .doesNotContain("\n", "\u0000", "\u001B").contains("\\u000A", "\\u0000", "\\u001B"));
            assertThat(forgedHolder.toString()).doesNotContain("\n", "\u0000", "\u001B");
        } finally {
            forgedHolder.release();
        }
    }

    @Test
    void anAppNameWithANulByteStillConnects() {
        // The app name went whole into application_name, and pgjdbc refuses a NUL there: no Locker of
        // such an app could ever connect, though its keys hash like any other.
        try (Locker locker = Db.locker("a\u0000b").build(); Locker other = Db.locker("a\u0000b").build()) {
            Lock lock = locker.lock("name");
            assertThat(lock.key()).isEqualTo(LockKey.named("a\u0000b", "name"));
            assertThat(lock.acquire(false)).isTrue();
            assertThat(other.lock("name").acquire(false)).isFalse();
            int pid = ServerView.holders(lock.key()).get(0);
            assertThat(ServerView.queryString("select application_name from pg_stat_activity where pid = " + pid))
                    .isEqualTo("pals:a?b");
            assertThat(lock.release()).isTrue();
        }
    }

    @Test
    void hostileAppNamesAreHashedAndKeptShortAsApplicationName() {
        List<String> apps = List.of("app'; drop table pg_class; --", planes(0x0101), "\u001B[31m\n",
                "x".repeat(MEGABYTE), "\u00E9".repeat(100));
        for (String app : apps) {
            String shown = dev.pals.internal.Text.shorten(app);
            try (Locker locker = Db.locker(app).build(); Locker other = Db.locker(app).build()) {
                Lock lock = locker.lock("name");
                assertThat(lock.key()).isEqualTo(LockKey.named(app, "name"));
                assertThat(lock.acquire(false)).as("acquire with app %s", shown).isTrue();
                assertThat(other.lock("name").acquire(false)).as("other Locker of app %s", shown).isFalse();
                int pid = ServerView.holders(lock.key()).get(0);
                String applicationName = ServerView.queryString(
                        "select application_name from pg_stat_activity where pid = " + pid);
                assertThat(applicationName).as("application_name with app %s", shown).startsWith("pals:")
                        .doesNotContain("\n", "\u001B");
                assertThat(applicationName.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(63);
                assertThat(lock.release()).isTrue();
                assertThat(locker.toString()).hasSizeLessThan(300);
            }
        }
    }

    private static String proxiedUrl(TcpProxy proxy) {
        String path = Db.url().replaceFirst("^jdbc:postgresql://[^/]*/", "");
        return "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + (path.isEmpty() ? "postgres" : path);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
