package dev.pals.chaos;

import dev.pals.testing.TcpProxy;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;

/**
 * One worker's place in a run, on the coordinator's side: its proxy (its own network path to the server)
 * and its current process, which the injector may kill (a new generation starts at once), pause and
 * continue; {@link #faults} keeps two such faults from acting on one worker at once.
 */
final class WorkerSlot {
    final int id;
    final TcpProxy proxy;
    /** Held by the injector while a kill or a pause acts on this worker: one at a time. */
    final ReentrantLock faults = new ReentrantLock();
    private final IntFunction<WorkerConfig> configOf;
    private static final Path NOHUP = Path.of("/usr/bin/nohup");
    private final List<String> jvm;
    private final Path logs;
    private int generation = -1;
    private Process process;
    private boolean stopping;
    private final List<String> deaths = new ArrayList<>();

    WorkerSlot(int id, TcpProxy proxy, IntFunction<WorkerConfig> configOf, List<String> jvm, Path logs) {
        this.id = id;
        this.proxy = proxy;
        this.configOf = configOf;
        this.jvm = jvm;
        this.logs = logs;
    }

    /** Starts the next generation. */
    synchronized void start() throws IOException {
        generation++;
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(NOHUP)) {
            // A worker stopped (SIGSTOP) when its process group becomes orphaned gets SIGHUP from the
            // kernel, which ends a JVM (exit code 129): a fault of the harness, not of the locks.
            command.add(NOHUP.toString());
        }
        command.addAll(jvm);
        command.add(Worker.class.getName());
        command.addAll(List.of(configOf.apply(generation).toArgs()));
        Path log = logs.resolve("worker-" + id + "-" + generation + ".log");
        Process started = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        process = started;
        int startedGeneration = generation;
        started.onExit().thenAccept(exited -> exited(exited, startedGeneration));
    }

    private synchronized void exited(Process exited, int exitedGeneration) {
        if (exited == process && !stopping) {
            // Not killed by the injector (that replaces process first) and not told to stop: a finding.
            deaths.add("worker " + id + " generation " + exitedGeneration + " exited by itself with code "
                    + exited.exitValue() + " (see worker-" + id + "-" + exitedGeneration + ".log)");
            try {
                wait(1_000); // a worker that cannot start at all must not be restarted in a tight loop
                start();
            } catch (IOException e) {
                deaths.add("worker " + id + " could not be started again: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    synchronized int generation() {
        return generation;
    }

    synchronized long pid() {
        return process.pid();
    }

    /** SIGKILL, wait until it is gone, and start the next generation. */
    synchronized void killAndRestart() throws IOException, InterruptedException {
        Process victim = process;
        process = null;
        victim.destroyForcibly();
        victim.waitFor();
        start();
    }

    synchronized void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    /** Tells the worker to stop after its threads' current cycles. */
    synchronized void requestStop() throws IOException {
        stopping = true;
        OutputStream stdin = process.getOutputStream();
        stdin.write("STOP\n".getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    /** Waits for the stopped worker's exit code; kills it (and returns -1) if it does not end in time. */
    int awaitExit(long timeoutSeconds) throws InterruptedException {
        Process current;
        synchronized (this) {
            current = process;
        }
        if (!current.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            current.destroyForcibly();
            current.waitFor();
            return -1;
        }
        return current.exitValue();
    }

    /** Kills whatever still runs (the end of a failed run); SIGKILL ends a stopped (paused) process too. */
    void destroy() {
        Process current;
        synchronized (this) {
            stopping = true;
            current = process;
        }
        if (current != null && current.isAlive()) {
            current.destroyForcibly();
        }
    }

    synchronized List<String> deaths() {
        return List.copyOf(deaths);
    }
}
