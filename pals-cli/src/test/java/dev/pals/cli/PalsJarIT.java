package dev.pals.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pals.LockKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The runnable jar, {@code target/pals.jar}, run as a user runs it ({@code java -jar}), in a child JVM
 * with nothing else on its classpath: it must hold everything, the embedded PostgreSQL's binaries too.
 */
class PalsJarIT {
    private static final Path JAR = Path.of(System.getProperty("pals.cli.jar", "target/pals.jar"));

    record Run(int exitCode, String output) {
    }

    @Test
    void theDemoRunsOnTheEmbeddedServerFromTheJarAlone() throws Exception {
        Run run = java("demo");

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("Starting an embedded PostgreSQL", "Embedded PostgreSQL on port",
                "1. Three workers", "2. Readers share", "3. A timeout", "4. A holder's session is killed",
                "onLockLost", "5. Many locks, few sessions", "6. What pals-metrics recorded", "Demo done in ", "The embedded PostgreSQL is stopped.");
        assertThat(run.output()).doesNotContain("Exception", "SLF4J", "INFO");
    }

    @Test
    void versionKeyAndUsageErrorsFromTheJar() throws Exception {
        Run version = java("--version");
        assertThat(version.exitCode()).isZero();
        assertThat(version.output()).startsWith("pals 0.1.0-SNAPSHOT");

        Run key = java("key", "my-lock", "--app", "my-app");
        assertThat(key.exitCode()).isZero();
        assertThat(key.output()).contains("my-app.my-lock  " + LockKey.named("my-app", "my-lock").value());

        Run bad = java("locks", "--url", "jdbc:postgresql://localhost:notaport/db");
        assertThat(bad.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.output()).contains("not a valid PostgreSQL URL").doesNotContain("WARNING");

        Run unreachable = java("locks", "--url", "jdbc:postgresql://localhost:1/db");
        assertThat(unreachable.exitCode()).isEqualTo(ExitCodes.NO_CONNECTION);
        assertThat(unreachable.output()).contains("cannot connect to localhost:1/db");
    }

    private static Run java(String... args) throws IOException, InterruptedException {
        assertThat(JAR).as("the jar (built by mvn package)").isRegularFile();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        Path output = Files.createTempFile("pals-jar", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            builder.environment().keySet().removeIf(name -> name.startsWith("PALS_") || name.equals("PGPASSWORD"));
            Process process = builder.start();
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("still running after 2 minutes: " + command + "\n"
                        + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Run(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
