package dev.pals.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The witness and the analysis, fed by hand: an overlap of untouched holders is a violation; one whose
 * holder was reported lost in time, or paused, is explained; a session that ended under a holder that was
 * never told is counted. These are the checks the chaos run relies on, shown to fail when they should.
 */
class WitnessTest {
    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS 'UTC'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter LOG_SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    @TempDir
    Path dir;
    private Witness witness;
    private Thread server;
    private Control control;
    private final List<String> log = new ArrayList<>();
    private final List<Wire.Conn> conns = new ArrayList<>();

    @BeforeEach
    void startWitness() throws IOException {
        witness = new Witness(dir.resolve("witness"));
        server = new Thread(witness::serve, "test-witness");
        server.setDaemon(true);
        server.start();
        control = new Control(witness.port());
        control.mark("RUN", "start", -1, -1, "test");
    }

    @AfterEach
    void stop() {
        conns.forEach(Wire.Conn::close);
        control.close();
        witness.finish();
    }

    private Wire.Conn thread(int worker) throws IOException {
        Wire.Conn conn = Wire.Conn.open(witness.port(), Wire.THREAD, worker, 0, 0);
        conns.add(conn);
        return conn;
    }

    private static void enter(Wire.Conn conn, long id, int key, boolean shared, int... pids) throws IOException {
        conn.out.writeByte(Wire.ENTER);
        conn.out.writeLong(id);
        conn.out.writeLong(Micros.now() - 1_000);
        conn.out.writeByte(key);
        conn.out.writeBoolean(shared);
        conn.out.writeByte(pids.length);
        for (int pid : pids) {
            conn.out.writeInt(pid);
        }
        conn.awaitAck();
    }

    private static void leave(Wire.Conn conn, long id, boolean released) throws IOException {
        conn.out.writeByte(Wire.EXIT);
        conn.out.writeLong(id);
        conn.awaitAck();
        conn.out.writeByte(Wire.RELEASED);
        conn.out.writeLong(id);
        conn.out.writeLong(Micros.now());
        conn.out.writeBoolean(released);
        conn.out.flush();
    }

    private void lost(int worker, long id) throws IOException {
        Wire.Conn events = Wire.Conn.open(witness.port(), Wire.EVENTS, worker, 0, -1);
        conns.add(events);
        events.out.writeByte(Wire.LOST);
        events.out.writeLong(id);
        events.out.writeLong(Micros.now());
        events.out.flush();
    }

    /** A server log line saying backend {@code pid}'s session was terminated now. */
    private void sessionEnds(int pid, long startedMicros) throws InterruptedException {
        Thread.sleep(2); // the log keeps ms
        Instant now = Instant.now();
        Instant started = Instant.ofEpochSecond(startedMicros / 1_000_000);
        log.add("{\"timestamp\":\"" + LOG_TIME.format(now) + "\",\"pid\":" + pid + ",\"session_id\":\"s" + pid
                + "\",\"session_start\":\"" + LOG_SECONDS.format(started) + "\",\"error_severity\":\"FATAL\","
                + "\"state_code\":\"57P01\",\"message\":\"terminating connection due to administrator command\","
                + "\"application_name\":\"pals:chaos\",\"backend_type\":\"client backend\"}");
        Thread.sleep(2);
    }

    private Result analyze() throws Exception {
        control.mark("RUN", "end", -1, -1, "");
        // RELEASED and LOST need no answer: a SYNC on each connection, answered once all before it is recorded.
        for (Wire.Conn conn : conns) {
            conn.out.writeByte(Wire.SYNC);
            conn.awaitAck();
        }
        witness.finish();
        Path logDir = Files.createDirectories(dir.resolve("server-log"));
        Files.write(logDir.resolve("postgresql.json"), log, StandardCharsets.UTF_8);
        Settings settings = new Settings(Duration.ofSeconds(1), 0, Duration.ofSeconds(4), 3, 1, 4, 0, 1, true,
                Duration.ofMillis(500), Duration.ofSeconds(2), 1, EnumSet.noneOf(FaultKind.class), 0, dir);
        Result facts = new Result();
        facts.faults = new EnumMap<>(FaultKind.class);
        return Analysis.analyze(settings, dir.resolve("witness"), ServerLog.read(logDir, "pals:chaos"), facts);
    }

    @Test
    void twoHoldersInTheirSectionsAtOnceWithNoFaultAreAViolation() throws Exception {
        Wire.Conn a = thread(0);
        Wire.Conn b = thread(1);
        enter(a, 1, 3, false, 100);
        enter(b, 2, 3, true, 200); // a shared holder beside an exclusive one
        leave(b, 2, true);
        leave(a, 1, true);

        Result result = analyze();

        assertThat(result.overlaps).isEqualTo(1);
        assertThat(result.violations).isEqualTo(1);
        assertThat(result.property1()).isFalse();
        assertThat(result.cycles).isEqualTo(2);
    }

    @Test
    void sharedHoldersTogetherAndHoldersOneAfterAnotherAreNoOverlap() throws Exception {
        Wire.Conn a = thread(0);
        Wire.Conn b = thread(1);
        enter(a, 1, 3, true, 100);
        enter(b, 2, 3, true, 200);
        leave(a, 1, true);
        leave(b, 2, true);
        enter(a, 3, 3, false, 100);
        leave(a, 3, true);
        enter(b, 4, 3, false, 200);
        leave(b, 4, true);

        Result result = analyze();

        assertThat(result.overlaps).isZero();
        assertThat(result.violations).isZero();
        assertThat(result.cycles).isEqualTo(4);
    }

    @Test
    void anOverlapWithAHolderToldOfItsLostLockInTimeIsExplained() throws Exception {
        long started = Micros.now();
        Wire.Conn a = thread(0);
        Wire.Conn b = thread(1);
        enter(a, 1, 3, false, 100);
        sessionEnds(100, started);
        enter(b, 2, 3, false, 200); // took the lock the server freed
        lost(0, 1);
        Thread.sleep(50);
        leave(a, 1, false);
        leave(b, 2, true);

        Result result = analyze();

        assertThat(result.overlaps).isEqualTo(1);
        assertThat(result.violations).isZero();
        assertThat(result.overlapsLostToldInTime).isEqualTo(1);
        assertThat(result.lostReported).isEqualTo(1);
        assertThat(result.lostDelayKnown).isEqualTo(1);
        assertThat(result.delayMaxMillis).isBetween(0.0, 1_000.0);
        assertThat(result.property2()).isTrue();
    }

    @Test
    void aHolderWhoseSessionEndedButWhoWasNeverToldIsCounted() throws Exception {
        long started = Micros.now();
        Wire.Conn a = thread(0);
        Wire.Conn b = thread(1);
        enter(a, 1, 3, false, 100);
        sessionEnds(100, started);
        enter(b, 2, 3, false, 200);
        leave(b, 2, true);
        leave(a, 1, true); // release() said it held the lock: nobody told it

        Result result = analyze();

        assertThat(result.overlapsLostNeverTold).isEqualTo(1);
        assertThat(result.neverTold).isEqualTo(1);
        assertThat(result.violations).isZero();
        assertThat(result.property2()).isFalse();
    }

    @Test
    void anOverlapWithAPausedProcessIsCountedApart() throws Exception {
        Wire.Conn a = thread(0);
        Wire.Conn b = thread(1);
        enter(a, 1, 3, false, 100);
        control.mark(FaultKind.PAUSE.name(), "start", 0, 0, "");
        enter(b, 2, 3, false, 200);
        control.mark(FaultKind.PAUSE.name(), "end", 0, 0, "");
        leave(b, 2, true);
        leave(a, 1, true);

        Result result = analyze();

        assertThat(result.overlapsPaused).isEqualTo(1);
        assertThat(result.violations).isZero();
    }
}
