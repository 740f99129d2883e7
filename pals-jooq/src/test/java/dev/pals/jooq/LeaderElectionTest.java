package dev.pals.jooq;

import static dev.pals.jooq.Db.locker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pals.LeaderElection;
import dev.pals.Locker;
import dev.pals.testing.ServerView;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Leader election: one leader at a time across processes, hand-over on close, loss noticed and re-campaigned. */
@Timeout(120)
class LeaderElectionTest {
    private final String table = "pals_fencing_" + UUID.randomUUID().toString().substring(0, 8);

    private JooqLocker.Builder candidate(String app) {
        return locker(app).fencingTable(table).createFencingTable(true);
    }

    @Test
    void oneLeaderAcrossTwoProcessesAndClosingHandsLeadershipOver() throws Exception {
        String app = Db.uniqueApp("leader");
        List<String> events = new CopyOnWriteArrayList<>();
        List<String> callbackThreads = new CopyOnWriteArrayList<>();
        try (Locker locker = candidate(app).build()) {
            LeaderElection mine = locker.leaderElection("scheduler")
                    .onGained(term -> {
                        events.add("gained " + term.epoch());
                        callbackThreads.add(Thread.currentThread().getName());
                    })
                    .onGivenUp(term -> events.add("given up " + term.epoch()));
            mine.start();
            assertThat(mine.awaitLeadership(Duration.ofSeconds(10))).isTrue();
            long firstEpoch = mine.leadership().orElseThrow().epoch();
            assertThat(callbackThreads).allMatch(name -> name.startsWith("pals-leader-"));

            Process other = start(app, "scheduler");
            try (BufferedReader out = reader(other)) {
                assertThat(out.readLine()).isEqualTo("CANDIDATE");
                // The other waits at the server, no polling: one waiter on the election's key.
                await().atMost(Duration.ofSeconds(10)).until(() -> ServerView.waiters(locker.key("scheduler")).size() == 1);
                assertThat(mine.isLeader()).isTrue();

                mine.close();
                assertThat(mine.isLeader()).isFalse();
                assertThat(events).containsExactly("gained " + firstEpoch, "given up " + firstEpoch);
                String line = out.readLine();
                assertThat(line).startsWith("LEADER ");
                assertThat(Long.parseLong(line.substring(7))).as("the epoch grows").isGreaterThan(firstEpoch);
                tell(other, "CLOSE");
                assertThat(out.readLine()).startsWith("GIVEN_UP ");
                assertThat(out.readLine()).isEqualTo("CLOSED");
            } finally {
                other.destroyForcibly();
                other.waitFor();
            }
        }
    }

    @Test
    void aLeaderWhoseSessionIsLostIsToldAndCampaignsAgainWithAHigherEpoch() throws Exception {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        try (Locker locker = candidate(Db.uniqueApp("leader-lost")).build();
                LeaderElection election = locker.leaderElection("queue-consumer")) {
            election.onGained(term -> events.add("gained " + term.epoch()))
                    .onLost(term -> events.add("lost " + term.epoch()))
                    .start();
            String gained = events.poll(10, TimeUnit.SECONDS);
            assertThat(gained).startsWith("gained ");
            long epoch = Long.parseLong(gained.substring(7));

            long killedAt = System.nanoTime();
            ServerView.terminate(ServerView.holders(locker.key("queue-consumer")).get(0));
            String lost = events.poll(10, TimeUnit.SECONDS);
            long toldAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            assertThat(lost).isEqualTo("lost " + epoch);
            // The Locker has no check interval: the election checks every second, 1 s timeout; room for CI.
            assertThat(toldAfterMillis).isLessThan(2_000 + 1_500);
            String again = events.poll(10, TimeUnit.SECONDS);
            assertThat(again).startsWith("gained ");
            assertThat(Long.parseLong(again.substring(7))).isGreaterThan(epoch);
            assertThat(election.isLeader()).isTrue();
        }
    }

    /**
     * The next candidate waits at the server while the leader leads, and leads once the leader closes, round
     * after round: no polling in between. How long a hand-over takes is measured in the benchmarks (case 12).
     */
    @Test
    void closingHandsLeadershipToTheCandidateWaitingAtTheServer() throws Exception {
        String app = Db.uniqueApp("leader-handover");
        try (Locker first = candidate(app).build(); Locker second = candidate(app).build()) {
            for (int round = 0; round < 20; round++) {
                LeaderElection leader = (round % 2 == 0 ? first : second).leaderElection("x");
                leader.start();
                assertThat(leader.awaitLeadership(Duration.ofSeconds(10))).isTrue();
                LeaderElection next = (round % 2 == 0 ? second : first).leaderElection("x");
                BlockingQueue<Long> gainedAt = new LinkedBlockingQueue<>();
                next.onGained(term -> gainedAt.add(System.nanoTime())).start();
                await().atMost(Duration.ofSeconds(10)).until(() -> ServerView.waiters(first.key("x")).size() == 1);
                assertThat(next.isLeader()).isFalse();
                long closing = System.nanoTime();
                leader.close();
                Long at = gainedAt.poll(10, TimeUnit.SECONDS);
                assertThat(at).as("the next leader's onGained, round " + round).isNotNull().isGreaterThan(closing);
                assertThat(next.isLeader()).isTrue();
                next.close();
            }
        }
    }

    private Process start(String app, String name) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LeaderMain.class.getName(), app, Db.url(),
                Db.user() == null ? "-" : Db.user(), table, name));
        return new ProcessBuilder(command).redirectErrorStream(false).start();
    }

    private static BufferedReader reader(Process process) {
        return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    private static void tell(Process process, String line) throws Exception {
        Writer in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        in.write(line + "\n");
        in.flush();
    }

}
