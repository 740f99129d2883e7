package dev.pals.jooq;

import dev.pals.HeldLock;
import dev.pals.LockSet;
import dev.pals.Locker;
import java.time.Duration;
import java.util.List;

/**
 * Run in a child JVM by {@link LockSetTest}: locks a set of names, in the order given, {@code n} times.
 * Prints {@code DONE <acquired> <longest wait ms> <failures>}. Arguments: app, url, user (or {@code -}),
 * iterations, timeout ms, names...
 */
public final class LockSetMain {
    private LockSetMain() {
    }

    public static void main(String[] args) {
        try (Locker locker = JooqLocker.builder(args[0]).url(args[1]).user("-".equals(args[2]) ? null : args[2]).build()) {
            System.out.println(run(locker, Integer.parseInt(args[3]), Duration.ofMillis(Long.parseLong(args[4])),
                    List.of(args).subList(5, args.length)));
        }
    }

    /** The loop, also run in the test's own process. */
    static String run(Locker locker, int iterations, Duration timeout, List<String> names) {
        int acquired = 0;
        int failures = 0;
        long longest = 0;
        for (int i = 0; i < iterations; i++) {
            LockSet set = locker.lockAll(names);
            long start = System.nanoTime();
            try (HeldLock held = set.hold(timeout)) {
                acquired++;
                if (!set.isHeld()) {
                    failures++;
                }
            } catch (RuntimeException e) {
                failures++;
            }
            longest = Math.max(longest, System.nanoTime() - start);
        }
        return "DONE " + acquired + " " + longest / 1_000_000 + " " + failures;
    }
}
