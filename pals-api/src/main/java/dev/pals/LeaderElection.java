package dev.pals;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Leader election on a lock name: of all the candidates (in this process and others, Python PALs holding
 * the lock included), the one holding the lock leads. Made by {@link Locker#leaderElection(String)}, not
 * started: register callbacks, then {@link #start()}.
 *
 * <p>A candidate waits for the lock at the server (no polling). A leader's session is checked so that a
 * lost lock is noticed within the Locker's check interval (1 s if it has none) plus 1 s; then the
 * leadership is lost, and the candidate campaigns again by itself. {@link #close()} gives leadership up at
 * once: the next candidate leads within a round trip and a wake-up. Every term has an {@link
 * Leadership#epoch()} that only grows. Callbacks run on a thread of the library, one at a time, never on
 * the caller's.
 */
public interface LeaderElection extends AutoCloseable {
    /** The election's lock name (its full name). */
    String name();

    /** Starts campaigning (once; later calls do nothing). */
    LeaderElection start();

    /** Whether this candidate leads right now, as far as this process knows. */
    boolean isLeader();

    /** The current term, while this candidate leads. */
    Optional<Leadership> leadership();

    /**
     * Waits until this candidate leads, at most {@code timeout}.
     *
     * @return whether it leads
     */
    boolean awaitLeadership(Duration timeout) throws InterruptedException;

    /** Runs {@code callback} whenever this candidate becomes leader. */
    LeaderElection onGained(Consumer<? super Leadership> callback);

    /**
     * Runs {@code callback} when a term ends because its lock was lost (its session ended, the server
     * changed): the work done under the term may have overlapped with another leader's. The candidate
     * campaigns again.
     */
    LeaderElection onLost(Consumer<? super Leadership> callback);

    /** Runs {@code callback} when a term ends because this candidate gave it up ({@link #close()}). */
    LeaderElection onGivenUp(Consumer<? super Leadership> callback);

    /** Stops campaigning and gives leadership up at once if this candidate leads. Idempotent. */
    @Override
    void close();
}
