package dev.pals.cli;

import dev.pals.testing.TestDatabase;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs {@code pals} in this JVM (output captured) or in a child JVM, as a user would. */
final class Cli {
    private Cli() {
    }

    /** What a run printed and how it ended. */
    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- out:\n" + out + "--- err:\n" + err;
        }
    }

    /** {@code pals args...} in this JVM, with no environment variables of its own. */
    static Result run(String... args) {
        return run(Map.of(), "", args);
    }

    /** {@code pals args...} in this JVM with these environment variables and standard input. */
    static Result run(Map<String, String> env, String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        InputStream in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        int exitCode = Pals.commandLine(new Pals(env, in, ZoneOffset.UTC), new PrintWriter(out, true),
                new PrintWriter(err, true)).execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }

    /** The options that point a command at the test database. */
    static List<String> server() {
        TestDatabase db = TestDatabase.get();
        List<String> options = new ArrayList<>(List.of("--url", db.url()));
        if (db.user() != null) {
            options.addAll(List.of("--user", db.user()));
        }
        if (db.password() != null) {
            options.add("--password=" + db.password());
        }
        return options;
    }

    /** {@code args} followed by the test database's options. */
    static String[] onServer(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(server());
        return all.toArray(String[]::new);
    }

    /** A child JVM running {@code pals args...} on this test's classpath; stderr goes into stdout. */
    static Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", classpath(), Pals.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("PALS_") || name.equals("PGPASSWORD"));
        return builder.start();
    }

    private static String classpath() {
        String surefire = System.getProperty("surefire.test.class.path");
        String path = surefire != null ? surefire : System.getProperty("java.class.path");
        return String.join(File.pathSeparator, path.split(File.pathSeparator));
    }

    static Map<String, String> env(String... keyValues) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            env.put(keyValues[i], keyValues[i + 1]);
        }
        return env;
    }
}
