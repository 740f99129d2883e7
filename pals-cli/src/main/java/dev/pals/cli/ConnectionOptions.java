package dev.pals.cli;

import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --url}, {@code --user}, {@code --password}: the server a command talks to. */
final class ConnectionOptions {
    /** Environment variable read when {@code --url} is not given. */
    static final String URL_VARIABLE = "PALS_URL";
    /** Environment variable read when {@code --user} is not given. */
    static final String USER_VARIABLE = "PALS_USER";
    /** Environment variables read, in this order, when {@code --password} is not given. */
    static final String PASSWORD_VARIABLE = "PALS_PASSWORD";
    static final String LIBPQ_PASSWORD_VARIABLE = "PGPASSWORD";

    @Option(names = "--url", paramLabel = "<url>", order = 100,
            description = "The server: jdbc:postgresql://host[:port]/database (pgjdbc parameters allowed)"
                    + " or postgresql://host[:port]/database. Default: environment variable PALS_URL.")
    String url;

    @Option(names = "--user", paramLabel = "<user>", order = 101,
            description = "User to log in as. Default: environment variable PALS_USER, else the URL's or pgjdbc's.")
    String user;

    @Option(names = "--password", paramLabel = "<password>", arity = "0..1", interactive = true, order = 102,
            prompt = "Password: ",
            description = "Password; --password alone prompts for it without echo. Default: environment variable"
                    + " PALS_PASSWORD, else PGPASSWORD, else ~/.pgpass (pgjdbc). Never printed.")
    char[] password;

    /** Whether {@code --url} was given on the command line. */
    boolean urlGiven() {
        return url != null;
    }

    /**
     * The server these options name.
     *
     * @throws CliException (usage) if there is no URL or it is malformed
     */
    Server server(Map<String, String> env) {
        String raw = url != null ? url : env.get(URL_VARIABLE);
        if (raw == null || (url == null && raw.isBlank())) {
            throw CliException.usage("no server given: --url jdbc:postgresql://host[:port]/database (or set "
                    + URL_VARIABLE + ")");
        }
        String jdbcUrl = Urls.toJdbc(raw);
        String login = user != null ? user : env.get(USER_VARIABLE);
        String secret = password != null ? new String(password) : env.get(PASSWORD_VARIABLE);
        if (secret == null) {
            secret = env.get(LIBPQ_PASSWORD_VARIABLE);
        }
        return new Server(jdbcUrl, login == null || login.isEmpty() ? null : login, secret);
    }
}
