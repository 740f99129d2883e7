package dev.pals.jooq;

import dev.pals.LeaderElection;
import dev.pals.Locker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Run in a child JVM by {@link LeaderElectionTest}, as another instance of a service: campaigns for a
 * name, prints {@code LEADER <epoch>} / {@code LOST <epoch>} / {@code GIVEN_UP <epoch>}, and closes the
 * election when told {@code CLOSE} on stdin. Arguments: app, url, user (or {@code -}), table, name.
 */
public final class LeaderMain {
    private LeaderMain() {
    }

    public static void main(String[] args) throws Exception {
        try (Locker locker = JooqLocker.builder(args[0]).url(args[1]).user("-".equals(args[2]) ? null : args[2])
                .fencingTable(args[3]).createFencingTable(true).build();
                LeaderElection election = locker.leaderElection(args[4])) {
            election.onGained(term -> say("LEADER " + term.epoch()))
                    .onLost(term -> say("LOST " + term.epoch()))
                    .onGivenUp(term -> say("GIVEN_UP " + term.epoch()))
                    .start();
            say("CANDIDATE");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.equals("CLOSE")) {
                // campaign on
            }
        }
        say("CLOSED");
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
