package dev.pals.cli;

import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.LinkedHashSet;
import java.util.Set;

/** What went wrong, in one line, for stderr. */
final class Errors {
    private Errors() {
    }

    /**
     * The messages of {@code e} and its causes, joined with ": ", each once. pgjdbc's messages name host
     * and port but never the password; URLs in them are redacted all the same.
     */
    static String describe(Throwable e) {
        Set<String> parts = new LinkedHashSet<>();
        for (Throwable t = e; t != null && parts.size() < 4; t = t.getCause()) {
            String message = t.getMessage();
            if (message == null || message.isBlank()) {
                message = t.getClass().getSimpleName();
            }
            message = message.strip();
            if (t instanceof UnknownHostException) {
                message = "unknown host " + message;
            }
            if (message.endsWith(".")) {
                message = message.substring(0, message.length() - 1);
            }
            boolean known = false;
            for (String part : parts) {
                known |= part.contains(message);
            }
            if (!known) {
                parts.add(message);
            }
        }
        String text = String.join(": ", parts);
        if (text.contains("no password was provided")) {
            text += " (give --password, or set " + ConnectionOptions.PASSWORD_VARIABLE + ")";
        }
        return Urls.redact(text);
    }

    /** Whether a failure means the server could not be reached or refused the session (SQLSTATE 08, 28, 3D, 53300, 57P03). */
    static boolean isConnectFailure(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("28") || state.startsWith("3D")
                || state.equals("53300") || state.equals("57P03"));
    }

    /** A failure of a statement: no connection (exit 3) if the session broke, else a server error (exit 1). */
    static CliException fromServer(SQLException e, Server server) {
        if (isConnectFailure(e)) {
            return new CliException(ExitCodes.NO_CONNECTION, "lost the connection to " + server + ": " + describe(e), e);
        }
        return new CliException(ExitCodes.FAILED, "server error on " + server + ": " + describe(e), e);
    }
}
