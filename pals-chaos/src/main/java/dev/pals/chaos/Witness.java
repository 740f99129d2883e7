package dev.pals.chaos;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The witness: a process of its own that hears every entry into and exit from a critical section, every
 * lost lock and every fault, and checks mutual exclusion itself — no two holders of a key in their
 * sections at once unless both are shared. It trusts nothing but the order in which it processes
 * messages (one at a time, under one lock, each stamped with its own clock on arrival): see {@link Wire}
 * for why that order cannot fake or hide an overlap.
 *
 * <p>It writes what it saw to a directory, for {@link Analysis}: {@code holds.tsv} (one line per hold),
 * {@code lost.tsv}, {@code overlaps.tsv}, {@code marks.tsv} (faults), {@code workers.tsv} (final
 * counters) and {@code slow.tsv} (acquires that outlived their bound).
 *
 * <p>Run as {@code Witness <directory>}: it prints {@code WITNESS <port>} and serves until the coordinator
 * sends {@link Wire#FINISH} or closes its standard input.
 */
public final class Witness {
    static final String HOLDS = "holds.tsv";
    static final String LOST = "lost.tsv";
    static final String OVERLAPS = "overlaps.tsv";
    static final String MARKS = "marks.tsv";
    static final String WORKERS = "workers.tsv";
    static final String SLOW = "slow.tsv";

    private final ServerSocket server;
    private final BufferedWriter holds;
    private final BufferedWriter lost;
    private final BufferedWriter overlaps;
    private final BufferedWriter marks;
    private final BufferedWriter workers;
    private final BufferedWriter slow;

    // Guarded by this.
    private final Map<Integer, List<Hold>> inSection = new HashMap<>();
    private final Set<ThreadConn> threads = new LinkedHashSet<>();
    private long entered;
    private long overlapCount;
    private long lostCount;
    private boolean finished;
    /** Counted down once the coordinator has its answer to FINISH: only then may the process end. */
    private final CountDownLatch answered = new CountDownLatch(1);

    Witness(Path directory) throws IOException {
        Files.createDirectories(directory);
        this.holds = writer(directory, HOLDS);
        this.lost = writer(directory, LOST);
        this.overlaps = writer(directory, OVERLAPS);
        this.marks = writer(directory, MARKS);
        this.workers = writer(directory, WORKERS);
        this.slow = writer(directory, SLOW);
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    }

    private static BufferedWriter writer(Path directory, String name) throws IOException {
        return new BufferedWriter(Files.newBufferedWriter(directory.resolve(name), StandardCharsets.UTF_8), 1 << 16);
    }

    /** A witness process and the port it listens on. */
    record Started(Process process, int port) {
    }

    /** Starts the witness as a process of its own, writing to {@code directory}, its standard error to {@code log}. */
    static Started start(Path directory, Path log) throws IOException {
        List<String> command = Run.javaCommand("-Xms128m", "-Xmx256m", "-XX:+UseSerialGC");
        command.add(Witness.class.getName());
        command.add(directory.toString());
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String hello = out.readLine();
        if (hello == null || !hello.startsWith("WITNESS ")) {
            process.destroyForcibly();
            throw new IllegalStateException("the witness did not start: " + hello + "; see " + log);
        }
        return new Started(process, Integer.parseInt(hello.substring("WITNESS ".length()).trim()));
    }

    public static void main(String[] args) throws IOException {
        Witness witness = new Witness(Path.of(args[0]));
        System.out.println("WITNESS " + witness.port());
        System.out.flush();
        Thread stdin = new Thread(() -> {
            try {
                InputStream in = System.in;
                while (in.read() >= 0) {
                    // the coordinator says nothing here; only the end of the stream matters
                }
            } catch (IOException ignored) {
                // the coordinator is gone
            }
            System.err.println("witness: the coordinator went away; exiting");
            witness.finish();
            Runtime.getRuntime().halt(2);
        }, "witness-stdin");
        stdin.setDaemon(true);
        stdin.start();
        witness.serve();
        // serve() returns as soon as finish() closed the listening socket, which is before the coordinator
        // has its ACK. Every other thread is a daemon: returning now would end the process, and with it the
        // connection the ACK is still to go on.
        try {
            if (!witness.answered.await(30, TimeUnit.SECONDS)) {
                System.err.println("witness: finished, but the coordinator's FINISH was not answered within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.exit(0);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Accepts connections until finished, one thread each. */
    void serve() {
        while (true) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return; // closed by finish()
            }
            Thread thread = new Thread(() -> handle(socket), "witness-conn");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void handle(Socket socket) {
        Wire.Conn conn;
        try {
            conn = new Wire.Conn(socket);
        } catch (IOException e) {
            return;
        }
        ThreadConn thread = null;
        try {
            byte role = conn.in.readByte();
            int worker = conn.in.readInt();
            int generation = conn.in.readInt();
            int threadNo = conn.in.readInt();
            switch (role) {
                case Wire.THREAD -> {
                    thread = new ThreadConn(worker, generation, threadNo);
                    synchronized (this) {
                        threads.add(thread);
                    }
                    threadLoop(conn, thread);
                }
                case Wire.EVENTS -> eventsLoop(conn, worker, generation);
                case Wire.CONTROL -> controlLoop(conn);
                default -> throw new IOException("unknown role " + role);
            }
        } catch (EOFException e) {
            // the peer closed: a worker that ended or was killed
        } catch (IOException e) {
            if (!isFinished()) {
                System.err.println("witness: connection ended: " + e);
            }
        } finally {
            if (thread != null) {
                threadEnded(thread);
            }
            conn.close();
        }
    }

    // ------------------------------------------------------------------------------------------------
    // A worker thread's holds

    private void threadLoop(Wire.Conn conn, ThreadConn thread) throws IOException {
        while (true) {
            byte type = conn.in.readByte();
            switch (type) {
                case Wire.ENTER -> {
                    long id = conn.in.readLong();
                    long acquireStart = conn.in.readLong();
                    int key = conn.in.readByte();
                    boolean shared = conn.in.readBoolean();
                    int[] pids = new int[conn.in.readByte()];
                    for (int i = 0; i < pids.length; i++) {
                        pids[i] = conn.in.readInt();
                    }
                    enter(thread, new Hold(id, acquireStart, key, shared, pids));
                    conn.out.writeByte(Wire.ACK);
                    conn.out.flush();
                }
                case Wire.EXIT -> {
                    long id = conn.in.readLong();
                    exit(thread, id);
                    conn.out.writeByte(Wire.ACK);
                    conn.out.flush();
                }
                case Wire.RELEASED -> {
                    long id = conn.in.readLong();
                    long releaseStart = conn.in.readLong();
                    boolean ok = conn.in.readBoolean();
                    released(thread, id, releaseStart, ok);
                }
                case Wire.SYNC -> {
                    conn.out.writeByte(Wire.ACK);
                    conn.out.flush();
                }
                default -> throw new IOException("unknown message " + type + " on a thread connection");
            }
        }
    }

    synchronized void enter(ThreadConn thread, Hold hold) throws IOException {
        long now = Micros.now();
        if (thread.current != null) {
            // The previous hold was never reported released: keep it, as far as it went.
            endHold(thread, 'F', now);
        }
        hold.enter = now;
        List<Hold> here = inSection.computeIfAbsent(hold.key, k -> new ArrayList<>());
        for (Hold other : here) {
            if (!hold.shared || !other.shared) {
                overlapCount++;
                overlaps.write(now + "\t" + hold.key + "\t" + hold.id + "\t" + other.id + "\t" + mode(hold) + "\t"
                        + mode(other) + "\n");
            }
        }
        here.add(hold);
        thread.current = hold;
        entered++;
    }

    synchronized void exit(ThreadConn thread, long id) throws IOException {
        Hold hold = thread.current;
        if (hold == null || hold.id != id || hold.exit >= 0) {
            throw new IOException("exit of hold " + Long.toHexString(id) + " that is not in its section");
        }
        hold.exit = Micros.now();
        inSection.get(hold.key).remove(hold);
    }

    synchronized void released(ThreadConn thread, long id, long releaseStart, boolean ok) throws IOException {
        Hold hold = thread.current;
        if (hold == null || hold.id != id || hold.exit < 0) {
            throw new IOException("release of hold " + Long.toHexString(id) + " that has not left its section");
        }
        hold.releaseStart = releaseStart;
        hold.releaseOk = ok;
        endHold(thread, 'R', Micros.now());
    }

    private synchronized void threadEnded(ThreadConn thread) {
        threads.remove(thread);
        if (thread.current != null && !finished) {
            try {
                endHold(thread, 'E', Micros.now());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Writes the thread's current hold out: ended by its release (R), its connection's end (E) or the finish (F). */
    private void endHold(ThreadConn thread, char how, long now) throws IOException {
        Hold hold = thread.current;
        thread.current = null;
        if (hold.exit < 0) {
            inSection.get(hold.key).remove(hold);
        }
        StringBuilder pids = new StringBuilder();
        for (int pid : hold.pids) {
            pids.append(pids.length() == 0 ? "" : ",").append(pid);
        }
        holds.write(hold.id + "\t" + thread.worker + "\t" + thread.generation + "\t" + thread.thread + "\t" + hold.key
                + "\t" + mode(hold) + "\t" + (pids.length() == 0 ? "-" : pids) + "\t" + hold.acquireStart + "\t" + hold.enter + "\t" + hold.exit
                + "\t" + hold.releaseStart + "\t" + (how == 'R' ? (hold.releaseOk ? 1 : 0) : -1) + "\t" + how + "\t"
                + now + "\n");
    }

    private static String mode(Hold hold) {
        return hold.shared ? "S" : "X";
    }

    // ------------------------------------------------------------------------------------------------
    // A worker's events

    private void eventsLoop(Wire.Conn conn, int worker, int generation) throws IOException {
        while (true) {
            byte type = conn.in.readByte();
            switch (type) {
                case Wire.LOST -> {
                    long id = conn.in.readLong();
                    long callback = conn.in.readLong();
                    synchronized (this) {
                        lostCount++;
                        lost.write(id + "\t" + Micros.now() + "\t" + callback + "\n");
                    }
                }
                case Wire.SLOW -> {
                    long start = conn.in.readLong();
                    long end = conn.in.readLong();
                    long bound = conn.in.readLong();
                    String kind = conn.in.readUTF();
                    String outcome = conn.in.readUTF();
                    synchronized (this) {
                        slow.write(worker + "\t" + generation + "\t" + start + "\t" + end + "\t" + bound + "\t" + kind
                                + "\t" + outcome + "\n");
                    }
                }
                case Wire.FINAL -> {
                    String json = conn.in.readUTF();
                    synchronized (this) {
                        workers.write(worker + "\t" + generation + "\t" + json + "\n");
                    }
                    conn.out.writeByte(Wire.ACK);
                    conn.out.flush();
                }
                case Wire.SYNC -> {
                    conn.out.writeByte(Wire.ACK);
                    conn.out.flush();
                }
                default -> throw new IOException("unknown message " + type + " on an events connection");
            }
        }
    }

    // ------------------------------------------------------------------------------------------------
    // The coordinator

    private void controlLoop(Wire.Conn conn) throws IOException {
        while (true) {
            byte type = conn.in.readByte();
            switch (type) {
                case Wire.MARK -> {
                    String kind = conn.in.readUTF();
                    String phase = conn.in.readUTF();
                    int worker = conn.in.readInt();
                    int generation = conn.in.readInt();
                    String detail = conn.in.readUTF();
                    long now;
                    synchronized (this) {
                        now = Micros.now();
                        marks.write(now + "\t" + kind + "\t" + phase + "\t" + worker + "\t" + generation + "\t"
                                + detail.replace('\t', ' ').replace('\n', ' ') + "\n");
                    }
                    conn.out.writeByte(Wire.ACK);
                    conn.out.writeLong(now);
                    conn.out.flush();
                }
                case Wire.PIDS -> {
                    int worker = conn.in.readInt();
                    Set<Integer> pids = new TreeSet<>();
                    synchronized (this) {
                        for (ThreadConn thread : threads) {
                            if (thread.worker == worker && thread.current != null && thread.current.exit < 0) {
                                for (int pid : thread.current.pids) {
                                    pids.add(pid);
                                }
                            }
                        }
                    }
                    conn.out.writeInt(pids.size());
                    for (int pid : pids) {
                        conn.out.writeInt(pid);
                    }
                    conn.out.flush();
                }
                case Wire.STATUS -> {
                    synchronized (this) {
                        conn.out.writeLong(entered);
                        conn.out.writeLong(overlapCount);
                        conn.out.writeLong(lostCount);
                    }
                    conn.out.flush();
                }
                case Wire.FINISH -> {
                    System.err.println("witness: finishing, as the coordinator asks");
                    finish();
                    conn.out.writeByte(Wire.ACK);
                    conn.out.flush();
                    // Half-close and wait for the coordinator to close its side: closing at once (or exiting)
                    // with input unread can reset the connection and lose the ACK on its way.
                    conn.socket.shutdownOutput();
                    conn.socket.setSoTimeout(10_000);
                    try {
                        while (conn.in.read() >= 0) {
                            // nothing more is said
                        }
                    } catch (IOException ignored) {
                        // the coordinator went away: nothing to wait for
                    }
                    conn.close();
                    answered.countDown();
                    return;
                }
                default -> throw new IOException("unknown message " + type + " on the control connection");
            }
        }
    }

    private synchronized boolean isFinished() {
        return finished;
    }

    /** Writes out every hold still open and closes the files. */
    synchronized void finish() {
        if (finished) {
            return;
        }
        try {
            long now = Micros.now();
            for (ThreadConn thread : threads) {
                if (thread.current != null) {
                    endHold(thread, 'F', now);
                }
            }
            for (BufferedWriter writer : List.of(holds, lost, overlaps, marks, workers, slow)) {
                writer.close();
            }
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            finished = true;
        }
    }

    /** One worker thread's connection, and the hold it is in (from its entry until its release is reported). */
    static final class ThreadConn {
        final int worker;
        final int generation;
        final int thread;
        Hold current;

        ThreadConn(int worker, int generation, int thread) {
            this.worker = worker;
            this.generation = generation;
            this.thread = thread;
        }
    }

    /** One hold of a lock, as the witness saw it. Times in µs; -1 for not (yet) seen. */
    static final class Hold {
        final long id;
        /** When the worker started the acquire (its clock: the machine's). */
        final long acquireStart;
        final int key;
        final boolean shared;
        final int[] pids;
        long enter = -1;
        long exit = -1;
        long releaseStart = -1;
        boolean releaseOk;

        Hold(long id, long acquireStart, int key, boolean shared, int[] pids) {
            this.id = id;
            this.acquireStart = acquireStart;
            this.key = key;
            this.shared = shared;
            this.pids = pids;
        }
    }
}
