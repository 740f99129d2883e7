package dev.pals.spring.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pals.Locker;
import dev.pals.testing.ServerView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.integration.leader.Context;
import org.springframework.integration.leader.DefaultCandidate;
import org.springframework.integration.leader.event.LeaderEventPublisher;
import org.springframework.integration.support.leader.LockRegistryLeaderInitiator;

/**
 * Spring Integration's {@link LockRegistryLeaderInitiator} on two PALs registries, each on its own
 * Locker (two instances of a service): exactly one leads, and leadership moves when the leader stops,
 * yields, loses its database session or has its Locker closed. Ported from Spring Integration's
 * {@code LockRegistryLeaderInitiatorTests} and {@code JdbcLockRegistryLeaderInitiatorTests}, with the
 * server's view of the lock as the ground truth. Default heartbeat (500 ms) and busy wait (50 ms).
 */
@Timeout(120)
class LeaderElectionTest {
    private static final Duration ELECTION = Duration.ofSeconds(20);

    private final String app = Db.uniqueApp("leader");
    private final String role = "role";
    private final List<Node> nodes = new ArrayList<>();

    /** One instance: its Locker, registry, initiator, and the events it published. */
    private final class Node implements LeaderEventPublisher {
        final Locker locker = Db.locker(app).build();
        final LockRegistryLeaderInitiator initiator =
                new LockRegistryLeaderInitiator(new PalsLockRegistry(locker), new DefaultCandidate("node" + nodes.size(), role));
        final AtomicInteger granted = new AtomicInteger();
        final AtomicInteger revoked = new AtomicInteger();

        Node() {
            initiator.setLeaderEventPublisher(this);
            nodes.add(this);
        }

        boolean isLeader() {
            return initiator.getContext().isLeader();
        }

        int locksHeld() {
            return locker.stats().locksHeld();
        }

        @Override
        public void publishOnGranted(Object source, Context context, String role) {
            granted.incrementAndGet();
        }

        @Override
        public void publishOnRevoked(Object source, Context context, String role) {
            revoked.incrementAndGet();
        }

        @Override
        public void publishOnFailedToAcquire(Object source, Context context, String role) {
        }
    }

    @AfterEach
    void stopAll() {
        for (Node node : nodes) {
            node.initiator.stop();
            node.locker.close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> holders().isEmpty());
    }

    private List<Integer> holders() {
        return ServerView.holders(dev.pals.LockKey.named(app, role));
    }

    /** Waits for one of {@code candidates} to lead, checks it stays the only one for a while, returns it. */
    private Node electedAmong(Node first, Node second) {
        await().atMost(ELECTION).until(() -> first.isLeader() ^ second.isLeader());
        Node leader = first.isLeader() ? first : second;
        Node other = leader == first ? second : first;
        await().during(Duration.ofMillis(1000)).atMost(Duration.ofSeconds(5))
                .until(() -> leader.isLeader() && !other.isLeader());
        assertThat(holders()).hasSize(1);
        assertThat(leader.locksHeld()).isEqualTo(1);
        assertThat(other.locksHeld()).isZero();
        return leader;
    }

    @Test
    void exactlyOneOfTwoLeadsAndTheOtherTakesOverWhenTheLeadersLockerCloses() {
        Node a = new Node();
        Node b = new Node();
        a.initiator.start();
        b.initiator.start();
        Node leader = electedAmong(a, b);
        Node other = leader == a ? b : a;
        assertThat(leader.granted.get()).isEqualTo(1);
        assertThat(other.granted.get()).isZero();

        leader.locker.close();

        await().atMost(ELECTION).until(other::isLeader);
        await().atMost(ELECTION).until(() -> !leader.isLeader() && leader.revoked.get() == 1);
        assertThat(electedAmong(a, b)).isSameAs(other);
        assertThat(other.granted.get()).isEqualTo(1);
    }

    @Test
    void stoppingTheLeaderHandsLeadershipOverAndReleasesTheLock() {
        Node a = new Node();
        Node b = new Node();
        a.initiator.start();
        b.initiator.start();
        Node leader = electedAmong(a, b);
        Node other = leader == a ? b : a;

        leader.initiator.stop();

        await().atMost(ELECTION).until(() -> leader.revoked.get() == 1 && other.isLeader());
        assertThat(leader.isLeader()).isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> leader.locksHeld() == 0);
        assertThat(electedAmong(a, b)).isSameAs(other);

        other.initiator.stop();
        await().atMost(ELECTION).until(() -> other.revoked.get() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> holders().isEmpty());
        assertThat(other.locksHeld()).isZero();
    }

    @Test
    void aYieldingLeaderHandsOverAndCanLeadAgain() {
        Node a = new Node();
        Node b = new Node();
        a.initiator.start();
        b.initiator.start();
        Node first = electedAmong(a, b);
        Node second = first == a ? b : a;

        first.initiator.getContext().yield();
        await().atMost(ELECTION).until(second::isLeader);
        assertThat(electedAmong(a, b)).isSameAs(second);

        second.initiator.getContext().yield();
        await().atMost(ELECTION).until(first::isLeader);
        assertThat(electedAmong(a, b)).isSameAs(first);
        assertThat(first.granted.get()).isEqualTo(2);
        assertThat(first.revoked.get()).isEqualTo(1);
    }

    @Test
    void aLeaderWhoseSessionIsLostIsRevokedAndTheOtherLeads() {
        Node a = new Node();
        Node b = new Node();
        a.initiator.start();
        b.initiator.start();
        Node leader = electedAmong(a, b);
        Node other = leader == a ? b : a;

        ServerView.terminate(holders().get(0));

        // The other node waits in PostgreSQL and gets the lock as the session ends; the old leader's
        // next heartbeat asks the server, learns its lock is gone, and revokes.
        await().atMost(ELECTION).until(() -> other.isLeader() && leader.revoked.get() == 1);
        assertThat(electedAmong(a, b)).isSameAs(other);
    }

    @Test
    void aSingleCandidateLeadsUntilStopped() {
        Node only = new Node();
        only.initiator.start();
        await().atMost(ELECTION).until(only::isLeader);
        await().during(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(5)).until(only::isLeader);
        assertThat(holders()).hasSize(1);
        assertThat(only.granted.get()).isEqualTo(1);

        only.initiator.stop();

        await().atMost(ELECTION).until(() -> only.revoked.get() == 1 && !only.isLeader());
        await().atMost(Duration.ofSeconds(10)).until(() -> holders().isEmpty());
    }
}
