package dev.pals.examples.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the quick start as a newcomer would, in its own JVM, and reads what it prints. */
class QuickstartTest {

    /** What goes on the module path in {@link #theModulesResolveOnTheModulePath()}: PALs and its dependencies. */
    private static final Pattern MODULAR = Pattern.compile(
            ".*(pals-api|pals-jooq|jooq-|r2dbc-spi|reactive-streams|agroal-api|agroal-pool|postgresql-|checker-qual).*");

    @Test
    @Timeout(120)
    void quickstartShowsTheLockBehavioursAndNoJooqBanner() throws IOException, InterruptedException {
        String output = run(List.of("-cp", System.getProperty("java.class.path"), Quickstart.class.getName()));
        assertLockBehaviours(output);
    }

    /** The published modules' module-info: dev.pals.jooq resolves as a named module and works. */
    @Test
    @Timeout(120)
    void theModulesResolveOnTheModulePath() throws IOException, InterruptedException {
        String[] entries = System.getProperty("java.class.path").split(File.pathSeparator);
        String modulePath = Arrays.stream(entries).filter(e -> MODULAR.matcher(e).matches())
                .collect(Collectors.joining(File.pathSeparator));
        String classPath = Arrays.stream(entries).filter(e -> !MODULAR.matcher(e).matches())
                .collect(Collectors.joining(File.pathSeparator));
        String output = run(List.of("--module-path", modulePath, "--add-modules", "dev.pals.jooq",
                "--show-module-resolution", "-cp", classPath, Quickstart.class.getName()));
        assertTrue(output.contains("root dev.pals.jooq "), output);
        assertTrue(output.contains("dev.pals.jooq requires dev.pals.api"), output);
        assertLockBehaviours(output);
    }

    private static String run(List<String> arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(90, TimeUnit.SECONDS), output);
        assertEquals(0, process.exitValue(), output);
        return output;
    }

    private static void assertLockBehaviours(String output) {
        assertTrue(output.matches("(?s).*lock1\\.acquire\\(\\)\\s+-> true.*"), output);
        assertTrue(output.matches("(?s).*lock2\\.acquire\\(false\\)\\s+-> false\\s+non-blocking.*"), output);
        assertTrue(output.matches("(?s).*lock2\\.acquire\\(300 ms\\)\\s+-> false\\s+gave up after 3[0-4]\\d ms.*"), output);
        assertTrue(output.matches("(?s).*lock1\\.release\\(\\)\\s+-> true.*"), output);
        assertTrue(output.matches("(?s).*another handle: acquire\\(false\\)\\s+-> false.*"), output);
        assertTrue(output.matches("(?s).*after the block: acquire\\(false\\)\\s+-> true.*"), output);
        assertTrue(output.matches("(?s).*writer\\.acquire\\(false\\)\\s+-> false.*"), output);
        assertFalse(output.contains("Thank you for using jOOQ"), output);
        assertFalse(output.contains("jOOQ tip of the day"), output);
    }
}
