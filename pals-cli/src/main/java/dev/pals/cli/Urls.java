package dev.pals.cli;

import java.util.Locale;
import java.util.Properties;
import java.util.regex.Pattern;
import org.postgresql.Driver;
import org.postgresql.PGProperty;

/** Reading, checking and redacting the {@code --url} of a PostgreSQL server. */
final class Urls {
    private static final Pattern SECRET_PARAMETER = Pattern.compile("(?i)(password=)[^&]*");
    private static final Pattern USER_INFO = Pattern.compile("//[^/?#]*@");
    static final String EXPECTED = "expected jdbc:postgresql://host[:port]/database or postgresql://host[:port]/database";

    private Urls() {
    }

    /** {@code url} with every password parameter and any user-info replaced by {@code ***}: safe to print. */
    static String redact(String url) {
        String redacted = SECRET_PARAMETER.matcher(url).replaceAll("$1***");
        return USER_INFO.matcher(redacted).replaceAll("//***@");
    }

    /**
     * The JDBC URL for {@code url}: a {@code jdbc:postgresql:} URL as it is, a libpq-style
     * {@code postgresql://} or {@code postgres://} URI turned into one.
     *
     * @throws CliException (usage) if it is no PostgreSQL URL, or carries a user or password before the host
     */
    static String toJdbc(String url) {
        String trimmed = url.strip();
        if (trimmed.isEmpty()) {
            throw CliException.usage("--url is empty (" + EXPECTED + ")");
        }
        String lower = trimmed.toLowerCase(Locale.ROOT);
        String jdbc;
        if (lower.startsWith("jdbc:postgresql:")) {
            jdbc = trimmed;
        } else if (lower.startsWith("postgresql://") || lower.startsWith("postgres://")) {
            jdbc = "jdbc:postgresql://" + trimmed.substring(trimmed.indexOf("://") + 3);
        } else {
            throw CliException.usage("not a PostgreSQL URL: " + redact(trimmed) + " (" + EXPECTED + ")");
        }
        if (USER_INFO.matcher(jdbc).find()) {
            throw CliException.usage("the URL must not carry a user or password before the host (user@host):"
                    + " give --user, and --password or PALS_PASSWORD: " + redact(trimmed));
        }
        if (parse(jdbc) == null) {
            throw CliException.usage("not a valid PostgreSQL URL: " + redact(trimmed) + " (" + EXPECTED + ")");
        }
        return jdbc;
    }

    /** What pgjdbc reads from {@code jdbcUrl}, or null if it cannot. */
    static Properties parse(String jdbcUrl) {
        return Driver.parseURL(jdbcUrl, new Properties());
    }

    /** {@code host:port/database} of a URL that {@link #toJdbc} accepted: the server, to name in messages. */
    static String target(String jdbcUrl) {
        Properties parsed = parse(jdbcUrl);
        String[] hosts = PGProperty.PG_HOST.getOrDefault(parsed).split(",");
        String[] ports = PGProperty.PG_PORT.getOrDefault(parsed).split(",");
        StringBuilder target = new StringBuilder();
        for (int i = 0; i < hosts.length; i++) {
            if (i > 0) {
                target.append(',');
            }
            String host = hosts[i].contains(":") && !hosts[i].startsWith("[") ? "[" + hosts[i] + "]" : hosts[i];
            target.append(host).append(':').append(i < ports.length ? ports[i] : ports[ports.length - 1]);
        }
        return target.append('/').append(PGProperty.PG_DBNAME.getOrDefault(parsed)).toString();
    }
}
