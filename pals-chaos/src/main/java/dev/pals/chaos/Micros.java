package dev.pals.chaos;

import java.time.Instant;

/**
 * Wall-clock time in microseconds since the epoch: the one clock every process of a run shares (they all
 * run on one machine), and the clock of the server's log.
 */
final class Micros {
    private Micros() {
    }

    static long now() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    static long of(Instant instant) {
        return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
    }
}
