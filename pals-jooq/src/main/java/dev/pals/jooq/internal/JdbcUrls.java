package dev.pals.jooq.internal;

import java.util.Properties;
import java.util.regex.Pattern;
import org.postgresql.Driver;
import org.postgresql.PGProperty;

/** Reading and redacting PostgreSQL JDBC URLs. */
public final class JdbcUrls {
    private static final Pattern SECRET_PARAMETER = Pattern.compile("(?i)((?:ssl)?password=)[^&]*");
    private static final Pattern USER_INFO = Pattern.compile("//[^/@?]*@");
    /** A user-info part ({@code user:password@}) in the authority of a JDBC URL. */
    private static final Pattern HAS_USER_INFO = Pattern.compile("^jdbc:postgresql://[^/?#]*@", Pattern.CASE_INSENSITIVE);

    private JdbcUrls() {
    }

    /** {@code url} with every password (URL parameter or user-info) replaced by {@code ***}. */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        String redacted = SECRET_PARAMETER.matcher(url).replaceAll("$1***");
        return USER_INFO.matcher(redacted).replaceAll("//***@");
    }

    /**
     * The hosts and ports a PostgreSQL JDBC URL names, as {@code host:port[,host:port…]}.
     *
     * @throws IllegalArgumentException if pgjdbc cannot read {@code url}, or it carries user information
     *     ({@code user:password@host}): pgjdbc does not take it, and would log the password as a bad port
     *     number while refusing it
     */
    public static String target(String url) {
        if (HAS_USER_INFO.matcher(url).find()) {
            throw new IllegalArgumentException("url must not carry user information (user:password@host): pass them "
                    + "with user() and password(), or as URL parameters: " + redact(url));
        }
        Properties parsed = Driver.parseURL(url, new Properties());
        if (parsed == null) {
            throw new IllegalArgumentException("url is not a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database): "
                    + redact(url));
        }
        String[] hosts = PGProperty.PG_HOST.getOrDefault(parsed).split(",");
        String[] ports = PGProperty.PG_PORT.getOrDefault(parsed).split(",");
        StringBuilder target = new StringBuilder();
        for (int i = 0; i < hosts.length; i++) {
            if (i > 0) {
                target.append(',');
            }
            target.append(hosts[i]).append(':').append(i < ports.length ? ports[i] : ports[ports.length - 1]);
        }
        return target.toString();
    }
}
