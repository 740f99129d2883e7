package dev.pals.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** {@code pals} in a child JVM: its output read as it comes, waited for, ended. */
final class Child implements AutoCloseable {
    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final Thread reader;

    private Child(Process process) {
        this.process = process;
        this.reader = new Thread(this::read, "pals-child-output");
        reader.setDaemon(true);
        reader.start();
    }

    static Child start(String... args) throws IOException {
        return new Child(Cli.start(args));
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                synchronized (output) {
                    output.append(line).append('\n');
                    output.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    /** Waits until a line of the output matches; fails with the output so far if none does in time. */
    String awaitLine(Predicate<String> matches, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (output) {
            while (true) {
                for (String line : output.toString().split("\n")) {
                    if (matches.test(line)) {
                        return line;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no such line within " + timeout + "; output so far:\n" + output);
                }
                output.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** Waits for the process to end and its output to be read; its exit code. */
    int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("still running after " + timeout + "; output so far:\n" + output);
        }
        reader.join(timeout.toMillis());
        return process.exitValue();
    }

    /** Asks it to end as Ctrl-C or kill would (SIGTERM: the JVM runs its shutdown hooks). */
    void terminate() {
        process.toHandle().destroy(); // not Process.destroy(): that also closes our end of its output
    }

    String output() {
        return output.toString();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
