package dev.pals.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.time.ZoneId;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/** The {@code pals} command: {@code locks}, {@code hold}, {@code key}, {@code demo}. */
@Command(name = "pals", mixinStandardHelpOptions = true, versionProvider = Pals.Version.class,
        description = "PALs for Java: distributed locks on PostgreSQL advisory locks."
                + " Who holds which lock and who waits behind it; hold a lock; the key of a name; a live demo.",
        subcommands = {LocksCommand.class, HoldCommand.class, KeyCommand.class, DemoCommand.class},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            "0:Done.",
            "1:A server error or an unexpected failure.",
            "2:Bad usage: unknown option, bad value, malformed URL, unreadable names file.",
            "3:No connection: server unreachable, login refused, no such database.",
            "4:hold: the lock was not acquired (held elsewhere until --wait ran out).",
            "5:hold: the lock was lost while held (its database session ended).",
            "130:Ended by Ctrl-C (hold releases its lock first).",
        },
        footerHeading = "%n", footer = "Run 'pals <command> --help' for a command's options.")
public final class Pals implements Runnable {
    @Spec
    CommandSpec spec;

    /** Environment variables (PALS_URL, PALS_USER, PALS_PASSWORD, PGPASSWORD); tests give their own. */
    final Map<String, String> env;
    /** Where {@code --names-file -} reads from. */
    final InputStream stdin;
    /** Time zone of the times printed for people. */
    final ZoneId zone;

    Pals(Map<String, String> env, InputStream stdin, ZoneId zone) {
        this.env = env;
        this.stdin = stdin;
        this.zone = zone;
    }

    public static void main(String[] args) {
        quietLogging();
        int exitCode = commandLine(new Pals(System.getenv(), System.in, ZoneId.systemDefault()),
                new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(args);
        System.exit(exitCode);
    }

    /** The command line of {@code pals}, printing to {@code out} and {@code err}. */
    static CommandLine commandLine(Pals pals, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(pals);
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setParameterExceptionHandler(new ShortUsageErrors());
        commandLine.setExecutionExceptionHandler(new Failures());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        return commandLine;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: locks, hold, key or demo");
    }

    /**
     * Warnings and errors only, one line each, on stderr — unless a logging configuration file is given
     * ({@code -Djava.util.logging.config.file}). The embedded server and pgjdbc are chatty at INFO.
     */
    static void quietLogging() {
        if (System.getProperty("java.util.logging.config.file") != null) {
            return;
        }
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s: %5$s%6$s%n");
        }
        Logger root = Logger.getLogger("");
        root.setLevel(Level.WARNING);
        for (Handler handler : root.getHandlers()) {
            handler.setLevel(Level.WARNING);
        }
        // pgjdbc warns about what the tool reports itself (a malformed URL, a failed connection).
        Logger.getLogger("org.postgresql").setLevel(Level.SEVERE);
    }

    /** A usage error: the message, the synopsis and a pointer to --help; not the whole help. */
    static final class ShortUsageErrors implements IParameterExceptionHandler {
        @Override
        public int handleParseException(ParameterException e, String[] args) {
            CommandLine commandLine = e.getCommandLine();
            PrintWriter err = commandLine.getErr();
            err.println("pals: " + e.getMessage());
            UnmatchedArgumentException.printSuggestions(e, err);
            err.print(commandLine.getHelp().fullSynopsis());
            err.println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help' for more information.");
            err.flush();
            return ExitCodes.USAGE;
        }
    }

    /** A failure while running: one line on stderr and its exit code; a stack trace only for a bug. */
    static final class Failures implements IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine commandLine, ParseResult parseResult) {
            PrintWriter err = commandLine.getErr();
            if (e instanceof CliException failure) {
                err.println("pals: " + failure.getMessage());
                err.flush();
                return failure.exitCode();
            }
            err.println("pals: unexpected failure: " + Errors.describe(e));
            e.printStackTrace(err);
            err.flush();
            return ExitCodes.FAILED;
        }
    }

    /** {@code pals --version}: the version of the build and of the JVM. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Pals.class.getPackage().getImplementationVersion();
            return new String[] {
                "pals " + (version != null ? version : "(development build)"),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")",
            };
        }
    }
}
