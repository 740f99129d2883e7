package dev.pals.examples.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the quick start as a newcomer would, in its own JVM, and reads what it prints. */
class QuickstartTest {

    @Test
    @Timeout(120)
    void quickstartShowsTheLockBehavioursAndNoJooqBanner() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                Quickstart.class.getName())).redirectErrorStream(true);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(90, TimeUnit.SECONDS), output);
        assertEquals(0, process.exitValue(), output);

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
