package dev.pals;

import java.time.Instant;

/**
 * One term of leadership of a {@link LeaderElection}.
 *
 * @param name the election's lock name (its full name, as {@link Lock#name()})
 * @param epoch the term's number: it only grows across terms of the name, whoever leads them (it is the
 *     lock's fencing token: check it where the leader writes, see {@link FencingToken})
 * @param token the fencing token of the term, for the checks the database enforces
 * @param since when the term began (this JVM's clock)
 */
public record Leadership(String name, long epoch, FencingToken token, Instant since) {
}
